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
     */
    public record WindowView(String target, Instant from, Instant until, List<RecoveryWindow.Base> bases,
                             List<RecoveryWindow.Gap> gaps, WalStatus stream) {

        /** A target whose window could not be read (its repo did not answer): shown as holding nothing. */
        public static WindowView unread(String target) {
            return new WindowView(target, null, null, List.of(), List.of(), null);
        }
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
        return new WindowView(name, window.from().orElse(null), window.until().orElse(null), window.bases(),
                window.gaps(), archiver.status(name).orElse(null));
    }
}
