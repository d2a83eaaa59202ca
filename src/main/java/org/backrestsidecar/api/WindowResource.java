package org.backrestsidecar.api;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.util.List;
import java.util.NoSuchElementException;
import org.backrestsidecar.discovery.Target;
import org.backrestsidecar.discovery.Discovery;
import org.backrestsidecar.postgres.pitr.PointInTimeRestore;
import org.backrestsidecar.postgres.pitr.RecoveryWindow;
import org.backrestsidecar.restore.RestoreRefused;
import org.backrestsidecar.postgres.wal.Archiver;
import org.backrestsidecar.postgres.wal.WalStatus;

/** The moments a wal-mode target can be restored to, and its stream as it is now. */
@Path("/api/targets")
@Produces(MediaType.APPLICATION_JSON)
public class WindowResource {

    /**
     * @param from   the oldest moment (the first base backup ready)
     * @param until  the newest (the newest WAL shipped); a restore's {@code to} lies between
     * @param bases  the base backups, oldest first
     * @param gaps   the stretches between {@code from} and {@code until} that no chain covers, oldest first
     * @param stream the stream as the archiver last saw it (null before its first look)
     * @param baseBackups how its base backups are taken: full, or incremental and how often a full one
     * @param unrestorable the incremental base backups left out of the window, each with the base it lacks
     */
    public record WindowView(String target, Instant from, Instant until, List<RecoveryWindow.Base> bases,
                             List<RecoveryWindow.Gap> gaps, WalStatus stream, String baseBackups,
                             List<String> unrestorable) {

        /** A target whose window could not be read (its repo did not answer): shown as holding nothing. */
        public static WindowView unread(String target) {
            return new WindowView(target, null, null, List.of(), List.of(), null, null, List.of());
        }
    }

    /**
     * "incremental, a full one every 7 base backups", or "full (Postgres 15 takes no incremental ones: 17 and later
     * do)", from the server's version as the stream last saw it (0: not seen yet).
     */
    static String baseBackups(int serverVersion, int fullEvery) {
        if (fullEvery <= 1) {
            return "full (label backup." + org.backrestsidecar.postgres.WalMode.FULL_EVERY + "=1)";
        }
        if (serverVersion == 0) {
            return "full or incremental by the server's version, not seen yet";
        }
        if (serverVersion < org.backrestsidecar.postgres.WalMode.INCREMENTAL_SINCE) {
            return "full (Postgres " + serverVersion / 10000 + " takes no incremental ones: 17 and later do)";
        }
        return "incremental, a full one every " + fullEvery + " base backups";
    }

    private final Discovery discovery;
    private final PointInTimeRestore restores;
    private final Archiver archiver;

    public WindowResource(Discovery discovery, PointInTimeRestore restores, Archiver archiver) {
        this.discovery = discovery;
        this.restores = restores;
        this.archiver = archiver;
    }

    @GET
    @Path("{name}/window")
    public WindowView window(@PathParam("name") String name) {
        Target target = discovery.target(name).orElseThrow(() -> new NoSuchElementException("no target " + name));
        if (!target.walMode()) {
            throw new RestoreRefused("target " + name + " is backed up by dumps: only a target labelled "
                    + "backup.postgres.mode=wal restores to a moment (GET /api/targets/" + name + "/backups lists its dumps)");
        }
        RecoveryWindow window = restores.window(target);
        WalStatus stream = archiver.status(name).orElse(null);
        return new WindowView(name, window.from().orElse(null), window.until().orElse(null), window.bases(),
                window.gaps(), stream, baseBackups(stream == null ? 0 : stream.serverVersion(),
                org.backrestsidecar.postgres.WalMode.fullEvery(target)), window.unrestorable());
    }
}
