package org.backrestsidecar.postgres.pitr;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.HostConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.config.SidecarConfig;
import org.backrestsidecar.docker.ContainerExec;
import org.backrestsidecar.docker.ContainerFiles;
import org.backrestsidecar.docker.ExecResult;
import org.backrestsidecar.jobs.Daemons;
import org.backrestsidecar.config.Priority;
import org.backrestsidecar.restic.ResticException;
import org.backrestsidecar.restic.Snapshots;
import org.backrestsidecar.restore.RestoreRefused;
import org.backrestsidecar.volumes.Helper;
import org.backrestsidecar.volumes.Helpers;
import org.backrestsidecar.volumes.SameMounts;
import org.backrestsidecar.restic.SnapshotTags;

/**
 * A Postgres data folder being laid down from a base backup and WAL, by a short-lived container
 * from the server's own image that sees the server's volumes while the server is stopped (or not
 * yet started). The live folder's contents are moved aside on the same volume, which is instant and
 * needs no space; the folder they go to is named {@code pgsql_tmp...}, which {@code pg_basebackup}
 * leaves out, so the kept copy never swells the next base backups.
 */
@ApplicationScoped
public class DataFolder {
    /** Where the chain's WAL is put for {@code restore_command}, inside the data folder. */
    static final String WAL_DIR = "pgsql_tmp.backrest-sidecar-wal";
    static final String ASIDE_PREFIX = "pgsql_tmp.backrest-sidecar-before-";
    /** Where the bases of an incremental one's chain are laid down, one folder each, to be combined. */
    static final String CHAIN_DIR = "pgsql_tmp.backrest-sidecar-chain";
    /** Where pg_combinebackup writes the whole base from them, moved into the data folder after. */
    static final String COMBINED_DIR = "pgsql_tmp.backrest-sidecar-combined";
    /** Where restic restores each base's tar, one folder each, while it is unpacked (then removed). */
    static final String FETCH_DIR = "pgsql_tmp.backrest-sidecar-fetch";
    private static final Duration QUICK = Duration.ofMinutes(10);
    /** Combining a chain reads and writes the whole cluster once. */
    private static final Duration COMBINING = Duration.ofHours(6);
    private static final java.time.format.DateTimeFormatter SERVER_TIME = java.time.format.DateTimeFormatter
            .ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSSxxx").withZone(java.time.ZoneOffset.UTC);
    private static final String EACH = "for f in * .[!.]* ..?*; do [ -e \"$f\" ] || continue; case \"$f\" in pgsql_tmp*) continue;; esac; ";
    static final String MOVE_ASIDE = "set -e; mkdir -p \"$PGDATA\"; cd \"$PGDATA\"; mkdir \"$ASIDE\"; "
            + EACH + "mv -- \"$f\" \"$ASIDE/\"; done";
    /**
     * Set in the folder being put back once what was laid down is gone: from then on everything in
     * the data folder is its own, which a roll-back after a crash must keep (ROLL_BACK).
     */
    private static final String EMPTIED = ".backrest-sidecar-laid-removed";
    /**
     * Moves $ASIDE's entries (but the mark) into the data folder, then removes $ASIDE. $PAUSE (tests
     * only, {@link #PUT_BACK_PAUSE}) waits after the first entry, half the folder moved back.
     */
    private static final String MOVE_BACK = "for f in \"$ASIDE\"/* \"$ASIDE\"/.[!.]* \"$ASIDE\"/..?*; do "
            + "[ -e \"$f\" ] || continue; case \"$f\" in */" + EMPTIED + ") continue;; esac; mv -- \"$f\" .; "
            + "if [ \"${PAUSE:-0}\" != 0 ]; then sleep \"$PAUSE\"; PAUSE=0; fi; done; "
            + "rm -f \"$ASIDE/" + EMPTIED + "\"; rmdir \"$ASIDE\"";
    /**
     * For the crash tests only (crash/RestoreCutOffIT): seconds a put-back waits after moving the first
     * entry of a folder back, so that a test can kill the sidecar with the folder half put back, a
     * moment too short to hit otherwise. Unset, as everywhere else, it is 0.
     */
    static final String PUT_BACK_PAUSE = "SIDECAR_CRASH_TEST_PUT_BACK_PAUSE";
    private static final String PUT_BACK_PAUSE_SECONDS = Optional.ofNullable(System.getenv(PUT_BACK_PAUSE))
            .filter(v -> v.matches("[0-9]{1,4}")).orElse("0");
    static final String PUT_BACK = "set -e; cd \"$PGDATA\"; " + EACH + "rm -rf -- \"$f\"; done; rm -rf " + WAL_DIR
            + " " + CHAIN_DIR + " " + COMBINED_DIR + " " + FETCH_DIR + "; touch \"$ASIDE/" + EMPTIED + "\"; " + MOVE_BACK;
    /**
     * After a crash, whatever step it cut: what was laid down goes (back into $KEPT when a kept folder
     * was being put back, else removed), unless nothing was ($LAID not yes) or a put-back had already
     * removed it (the mark in $ASIDE); then what was moved aside comes back. A name is never in both
     * places: each was moved by one mv.
     */
    static final String ROLL_BACK = "set -e; mkdir -p \"$PGDATA\"; cd \"$PGDATA\"; "
            + "if [ \"$LAID\" = yes ] && [ ! -e \"$ASIDE/" + EMPTIED + "\" ]; then if [ -n \"$KEPT\" ]; then "
            + "mkdir -p \"$KEPT\"; " + EACH + "mv -- \"$f\" \"$KEPT/\"; done; rm -f \"$KEPT/" + EMPTIED + "\"; else "
            + EACH + "rm -rf -- \"$f\"; done; fi; rm -rf " + WAL_DIR + " " + CHAIN_DIR + " " + COMBINED_DIR + " " + FETCH_DIR
            + "; fi; "
            + "if [ -d \"$ASIDE\" ]; then " + MOVE_BACK + "; fi";
    /**
     * The server's owner is the kept folder's (or the image's postgres user's); Postgres refuses a
     * data folder that others may read.
     */
    private static final String SETTLE = "set -e; cd \"$PGDATA\"; "
            + "owner=$(stat -c %u:%g \"$ASIDE/PG_VERSION\" 2>/dev/null || echo \"$(id -u postgres 2>/dev/null || echo 999):"
            + "$(id -g postgres 2>/dev/null || echo 999)\"); "
            + "printf '%s\\n' \"$SETTINGS\" >> postgresql.auto.conf; touch recovery.signal; rm -f postmaster.pid; "
            + "find . -path \"./$ASIDE\" -prune -o -exec chown \"$owner\" {} +; chmod 700 .; rmdir \"$ASIDE\" 2>/dev/null || true";
    /**
     * pg_verifybackup of $PGDATA as laid down; a base without a manifest (pg_basebackup before 13) or
     * an image without the tool is said on stdout and passes.
     */
    static final String VERIFY = "cd \"$PGDATA\"; if [ ! -f backup_manifest ]; then "
            + "echo 'the base backup holds no manifest (made before Postgres 13): its files not verified'; exit 0; fi; "
            + "if ! command -v pg_verifybackup >/dev/null; then "
            + "echo 'the image has no pg_verifybackup: the files of the base backup not verified'; exit 0; fi; "
            + "exec pg_verifybackup --quiet --ignore " + WAL_DIR + " --ignore \"$ASIDE\" \"$PGDATA\"";
    /**
     * pg_verifybackup of one base of a chain as laid down in $DIR, before it is combined: each link is
     * what pg_basebackup made (pg_combinebackup checks that they form a chain, not their files).
     */
    static final String VERIFY_LINK = org.backrestsidecar.postgres.WalMode.PG_BIN + "cd \"$DIR\"; "
            + "if ! command -v pg_verifybackup >/dev/null; then exit 0; fi; exec pg_verifybackup --quiet \"$DIR\"";
    /**
     * The chain in $CHAIN_DIR's folders $LINKS (oldest first) combined into one base by
     * pg_combinebackup (the image's own), moved into the data folder; the folders removed.
     * No fsync: the server syncs the data folder when it starts a recovery.
     */
    static final String COMBINE = org.backrestsidecar.postgres.WalMode.PG_BIN + "set -e; cd \"$PGDATA/" + CHAIN_DIR + "\"; "
            + "rm -rf \"$PGDATA/" + COMBINED_DIR + "\"; pg_combinebackup --no-sync -o \"$PGDATA/" + COMBINED_DIR + "\" $LINKS; "
            + "cd \"$PGDATA\"; rm -rf " + CHAIN_DIR + "; cd " + COMBINED_DIR + "; "
            + "for f in * .[!.]* ..?*; do [ -e \"$f\" ] || continue; mv -- \"$f\" \"$PGDATA/\"; done; cd \"$PGDATA\"; rmdir " + COMBINED_DIR;
    /**
     * pg_checksums of the cluster in $PGDATA, stopped cleanly, as the folder's owner (the server's
     * tools refuse root); what it could not do is said on stdout and passes.
     */
    static final String PAGES = org.backrestsidecar.postgres.WalMode.PG_BIN + "cd \"$PGDATA\"; "
            + "if ! command -v pg_checksums >/dev/null; then "
            + "echo 'the image has no pg_checksums (Postgres 11 and older): its pages not checked'; exit 0; fi; "
            + "owner=$(stat -c %u \"$PGDATA\"); group=$(stat -c %g \"$PGDATA\"); "
            + "if command -v setpriv >/dev/null; then as=\"setpriv --reuid=$owner --regid=$group --clear-groups\"; "
            + "elif command -v su-exec >/dev/null; then as=\"su-exec $owner:$group\"; "
            + "elif command -v gosu >/dev/null; then as=\"gosu $owner:$group\"; "
            + "else echo 'the image cannot run pg_checksums as the data folder owner: its pages not checked'; exit 0; fi; "
            + "exec $as pg_checksums --check -D \"$PGDATA\"";
    /** Pieces fetched out of the repo at once: each a restic process with the repo's index in memory. */
    private static final int AT_ONCE = 4;
    /** A fetch reads and writes the base once more than the cluster's size. */
    private static final Duration FETCHING = Duration.ofHours(6);
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(DataFolder.class);
    private final DockerClient docker;
    private final ContainerExec exec;
    private final ContainerFiles files;
    private final Snapshots snapshots;
    private final Helpers helpers;
    private final SidecarConfig config;

    public DataFolder(DockerClient docker, ContainerExec exec, ContainerFiles files, Snapshots snapshots,
                      Helpers helpers, SidecarConfig config) {
        this.docker = docker;
        this.exec = exec;
        this.files = files;
        this.snapshots = snapshots;
        this.helpers = helpers;
        this.config = config;
    }

    /**
     * The server's data folder ({@code PGDATA}, as the official image sets it), which must be on a
     * volume: a folder in the container's own layer would be lost with the container anyway.
     */
    public static String pgdata(InspectContainerResponse server) {
        String pgdata = env(server, "PGDATA").orElse("/var/lib/postgresql/data");
        boolean onVolume = server.getMounts() != null && server.getMounts().stream()
                .anyMatch(m -> m.getDestination() != null && (pgdata + "/").startsWith(m.getDestination().getPath() + "/"));
        if (!onVolume) {
            throw new RestoreRefused("the data folder " + pgdata + " of " + server.getName().replaceFirst("^/", "")
                    + " is not on a volume: mount one there (the official image declares it)");
        }
        return pgdata;
    }

    /** The mount point of the volume holding the data folder (a new container gets a new volume there). */
    static String volumeMountOf(InspectContainerResponse server, String pgdata) {
        return server.getMounts().stream().map(m -> m.getDestination().getPath())
                .filter(d -> (pgdata + "/").startsWith(d + "/")).max(Comparator.comparingInt(String::length)).orElseThrow();
    }

    static Optional<String> env(InspectContainerResponse c, String name) {
        String[] env = c.getConfig().getEnv();
        if (env != null) {
            for (String e : env) {
                if (e.startsWith(name + "=")) {
                    return Optional.of(e.substring(name.length() + 1));
                }
            }
        }
        return Optional.empty();
    }

    /**
     * The data folders restores over the live server kept beside it, newest first, read in the running
     * server's container.
     */
    public List<String> kept(String serverId, String pgdata) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ExecResult result = exec.run(serverId, List.of("sh", "-c", "cd \"$PGDATA\" && ls -dt " + ASIDE_PREFIX
                + "* 2>/dev/null; true"), List.of("PGDATA=" + pgdata), QUICK, out);
        if (!result.succeeded()) {
            throw new IOException("listing the kept data folders failed: " + result.failure("ls"));
        }
        return out.toString(java.nio.charset.StandardCharsets.UTF_8).lines().map(String::strip)
                .filter(l -> l.startsWith(ASIDE_PREFIX)).toList();
    }

    /** A container from {@code image} that sees the volumes of {@code server}; closing removes it. */
    public Work open(String image, String serverId, String pgdata, String aside) {
        return open(image, SameMounts.of(docker.inspectContainerCmd(serverId).exec(), false), pgdata, aside);
    }

    /**
     * The same with the server's mounts given ({@link SameMounts#of}, taken while it ran): a Swarm
     * task's container is gone while its service is scaled to 0.
     */
    public Work open(String image, List<com.github.dockerjava.api.model.Bind> mounts, String pgdata, String aside) {
        String id = docker.createContainerCmd(image)
                .withName("backrest-sidecar-helper-" + UUID.randomUUID().toString().substring(0, 8))
                .withLabels(Map.of(Helpers.LABEL, config.instance()))
                .withEntrypoint("sleep")
                .withCmd("86400")
                .withUser("0:0")
                .withEnv("PGDATA=" + pgdata, "ASIDE=" + aside)
                .withHostConfig(HostConfig.newHostConfig().withNetworkMode("none")
                        .withBinds(mounts))
                .exec().getId();
        docker.startContainerCmd(id).exec();
        return new Work(id, pgdata, mounts);
    }

    /** A base backup of a chain whose files are not what pg_basebackup made (a drill's FAILED). */
    public static final class NotAsMade extends IOException {
        NotAsMade(String message) {
            super(message);
        }
    }

    /**
     * What pg_verifybackup said of a laid-down base backup.
     *
     * @param problem what it found wrong, as it names it; empty when nothing
     * @param said    what was verified, for the drill's checks
     */
    public record Verified(Optional<String> problem, String said) {
    }

    /**
     * One piece of a lay-down: what restic writes into {@code folder}, in a helper that sees the data
     * folder ({@code inHelper}), or else as a tar ({@code asTar}: the sidecar's own restic dump, through
     * Docker's archive call).
     */
    private record Piece(String folder, String what, Fetch inHelper, ContainerFiles.Content asTar) {
    }

    private interface Fetch {
        void into(Helper helper) throws IOException, ResticException;
    }

    /** The work on one data folder. */
    public final class Work implements AutoCloseable {
        private final String id;
        private final String pgdata;
        private final List<com.github.dockerjava.api.model.Bind> mounts;

        private Work(String id, String pgdata, List<com.github.dockerjava.api.model.Bind> mounts) {
            this.id = id;
            this.pgdata = pgdata;
            this.mounts = mounts;
        }

        /** Moves everything in the data folder into the kept folder beside it. */
        public void moveAside() throws IOException {
            sh(MOVE_ASIDE, List.of(), "moving the data folder aside");
        }

        /** Moves everything in the data folder into {@code folder} beside it (a new folder). */
        public void moveAsideInto(String folder) throws IOException {
            sh(MOVE_ASIDE, List.of("ASIDE=" + folder), "moving the data folder into " + folder);
        }

        /** Empties what was laid down and moves the kept folder's contents back. */
        public void putBack() throws IOException {
            sh(PUT_BACK, List.of("PAUSE=" + PUT_BACK_PAUSE_SECONDS), "putting the data folder back");
        }

        /**
         * Undoes a restore a crash cut off: {@code laid} when it may have laid anything down (what is
         * in the folder then goes, back into {@code kept} when that was being put back), then the
         * live folder's contents moved back from where they were put aside.
         */
        public void rollBack(boolean laid, String kept) throws IOException {
            sh(ROLL_BACK, List.of("LAID=" + (laid ? "yes" : "no"), "KEPT=" + (kept == null ? "" : kept)),
                    "putting the data folder back after a crash");
        }

        /** Empties the data folder and moves the contents of {@code folder}, kept beside it, in. */
        public void putBackFrom(String folder) throws IOException {
            sh(PUT_BACK, List.of("ASIDE=" + folder, "PAUSE=" + PUT_BACK_PAUSE_SECONDS), "putting " + folder + " back");
        }

        /**
         * Lays down the base backup, the chain's WAL (for {@code restore_command}) and the recovery
         * settings: replay to {@code choice.to()}, or to the end of the WAL, or (no WAL) to the end of
         * the base backup; then promote.
         */
        public void layDown(RepoConfig repo, RecoveryWindow.Choice choice, String target) throws IOException {
            List<Piece> pieces = new ArrayList<>();
            List<RecoveryWindow.Base> chain = new ArrayList<>(choice.before());
            chain.add(choice.base());
            String tar = "/" + target + "/" + SnapshotTags.BASE_BACKUP_FILE;
            for (int i = 0; i < chain.size(); i++) {
                RecoveryWindow.Base link = chain.get(i);
                // one base goes straight into the data folder; a chain's each into a folder of its own
                String folder = chain.size() == 1 ? pgdata : pgdata + "/" + CHAIN_DIR + "/" + i;
                String staging = pgdata + "/" + FETCH_DIR + "/" + i;
                pieces.add(new Piece(folder, "base backup " + link.run(),
                        helper -> helper.unpackTar(link.snapshotId(), tar, folder, staging, FETCHING),
                        out -> snapshots.dump(repo, link.snapshotId(), tar, out)));
            }
            String restoreCommand = "false";
            if (choice.wal().isPresent()) {
                RecoveryWindow.WalCopy wal = choice.wal().get();
                // restic restores the spool folder at its full path under the folder given (and its dump
                // writes it as a tar of its full path)
                pieces.add(new Piece(pgdata + "/" + WAL_DIR, "WAL of chain " + wal.chain(),
                        helper -> helper.restore(wal.snapshotId(), pgdata + "/" + WAL_DIR, wal.spoolPath(), FETCHING),
                        out -> snapshots.dump(repo, wal.snapshotId(), wal.spoolPath(), out)));
                String dir = WAL_DIR + wal.spoolPath();
                // the newest segment was still being written when shipped: pg_receivewal's .partial
                restoreCommand = "f=\"" + dir + "/%f\"; if [ -f \"$f\" ]; then cp \"$f\" \"%p\"; elif [ -f \"$f.partial\" ]; "
                        + "then cp \"$f.partial\" \"%p\"; else exit 1; fi";
            }
            long began = System.nanoTime();
            fetchAtOnce(repo, target, pieces);
            // bench/pgbackrest.sh prints these (DEBUG for this category): where a lay-down's time goes
            LOG.debugf("lay-down of %s: %d pieces fetched in %d ms", target, pieces.size(), (System.nanoTime() - began) / 1_000_000);
            if (chain.size() > 1) {
                combine(chain, choice);
            }
            StringBuilder settings = new StringBuilder("restore_command = '" + restoreCommand + "'\n");
            if (choice.to().isPresent()) {
                // an offset, not "Z": at start-up the server reads this before it knows zone abbreviations
                settings.append("recovery_target_time = '").append(SERVER_TIME.format(choice.to().get())).append("'\n");
            } else if (choice.baseOnly()) {
                settings.append("recovery_target = 'immediate'\n");
            }
            settings.append("recovery_target_action = 'promote'");
            sh(SETTLE, List.of("SETTINGS=" + settings), "preparing the data folder for recovery");
        }

        /**
         * Fetches every piece of the lay-down out of the repo at once, each by a restic of its own in one
         * helper container (the sidecar's image, which has restic) that sees the data folder's volumes:
         * a restic start (open the repo, load the index) costs whatever it then reads, so a chain of four
         * bases and its WAL fetched one after the other spent most of a restore's lay-down starting
         * restic; and restic's restore, writing straight into the volume, is 1.5-1.7 times as fast as its
         * dump through the sidecar and Docker's archive call (bench/results.md "Where a restore's time
         * goes"). A helper that cannot be had (the Docker API proxy refuses one that binds a host folder
         * it was not told of: a drill's scratch repo copied out of an offsite copy into the state folder of a
         * sidecar on the host) leaves the fetches to the sidecar's own restic dump, each through Docker's
         * archive call into this container, as before. Returns once every fetch has ended, so that nothing
         * writes into the data folder while a failure is rolled back; the first failure is thrown, the
         * others added to it.
         */
        private void fetchAtOnce(RepoConfig repo, String target, List<Piece> pieces) throws IOException {
            String folders = String.join(" ", pieces.stream().map(Piece::folder).filter(f -> !f.equals(pgdata))
                    .map(f -> f.substring(pgdata.length() + 1)).toList());
            sh("set -e; cd \"$PGDATA\"; rm -rf " + FETCH_DIR + "; for d in $FOLDERS; do rm -rf \"$d\"; mkdir -p \"$d\"; done",
                    List.of("FOLDERS=" + folders), "making the folders to lay down in");
            Helper inHelper;
            try {
                inHelper = helpers.startWithBinds(mounts, target, repo, Priority.FULL);
            } catch (IOException | RuntimeException e) {
                LOG.infof("the backup of %s is laid down through the sidecar (no helper: %s)", target, e.getMessage());
                inHelper = null;
            }
            ExecutorService fetching = Executors.newFixedThreadPool(Math.min(pieces.size(), AT_ONCE), Daemons.named("lay-down"));
            try (Helper helper = inHelper) {
                List<Future<?>> fetches = new ArrayList<>();
                for (Piece piece : pieces) {
                    fetches.add(fetching.submit(() -> {
                        if (helper == null) {
                            files.putTar(id, piece.folder(), piece.what(), piece.asTar());
                            return null;
                        }
                        try {
                            piece.inHelper().into(helper);
                        } catch (ResticException e) {
                            throw new IOException(piece.what() + " could not be fetched: " + e.getMessage(), e);
                        }
                        return null;
                    }));
                }
                IOException failed = null;
                for (Future<?> fetch : fetches) {
                    try {
                        fetch.get();
                    } catch (ExecutionException e) {
                        IOException cause = e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
                        if (failed == null) {
                            failed = cause;
                        } else {
                            failed.addSuppressed(cause);
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException("interrupted while the backup was laid down", e);
                    }
                }
                if (failed != null) {
                    throw failed;
                }
            } finally {
                fetching.shutdown();
            }
            sh("rm -rf \"$PGDATA/" + FETCH_DIR + "\"", List.of(), "removing the fetched tars' folder");
        }

        /**
         * An incremental base laid down with the bases it builds on, each fetched into a folder of its
         * own: each verified against its own manifest, then combined into the data folder by
         * pg_combinebackup, which refuses bases that do not form one chain (another server's, a link
         * missing between).
         *
         * @throws NotAsMade naming the base whose files are not what pg_basebackup made
         */
        private void combine(List<RecoveryWindow.Base> chain, RecoveryWindow.Choice choice) throws IOException {
            List<String> links = new ArrayList<>();
            long began = System.nanoTime();
            for (int i = 0; i < chain.size(); i++) {
                RecoveryWindow.Base link = chain.get(i);
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                ExecResult verified = exec.run(id, List.of("sh", "-c", VERIFY_LINK),
                        List.of("DIR=" + pgdata + "/" + CHAIN_DIR + "/" + i), QUICK, out);
                if (!verified.succeeded()) {
                    throw new NotAsMade("base backup " + link.run() + " (" + (i == 0 ? "the full one" : "incremental")
                            + " of the chain of " + choice.base().run() + ") is not what pg_basebackup made: "
                            + verified.failure("pg_verifybackup"));
                }
                links.add(String.valueOf(i));
            }
            long verified = System.nanoTime();
            LOG.debugf("lay-down: %d bases verified in %d ms", chain.size(), (verified - began) / 1_000_000);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ExecResult combined = exec.run(id, List.of("sh", "-c", COMBINE), List.of("LINKS=" + String.join(" ", links)),
                    COMBINING, out);
            if (!combined.succeeded()) {
                throw new NotAsMade("base backups " + String.join(", ", chain.stream().map(RecoveryWindow.Base::run)
                        .toList()) + " do not combine into one (pg_combinebackup): " + combined.failure("pg_combinebackup"));
            }
            LOG.debugf("lay-down: %d bases combined in %d ms", chain.size(), (System.nanoTime() - verified) / 1_000_000);
        }

        /**
         * What {@code pg_verifybackup} (the server image's own, Postgres 13 and later) says of the base
         * backup just laid down, before any server touched it: every file's size and checksum against
         * the manifest pg_basebackup wrote into the backup, and the WAL the base needs parsed. The
         * settings and signal file the recovery adds are left out by pg_verifybackup itself; the
         * chain's WAL folder and the folder moved aside are not the backup's. Empty when it found
         * nothing wrong; a base without a manifest (or an image without the tool) says so in
         * {@link Verified#said()}.
         */
        public Verified verify() throws IOException {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ExecResult result = exec.run(id, List.of("sh", "-c", VERIFY), List.of(), QUICK, out);
            String said = out.toString(java.nio.charset.StandardCharsets.UTF_8).strip();
            if (result.succeeded()) {
                return new Verified(Optional.empty(), said.isEmpty() ? "its manifest's every file and the WAL it needs "
                        + "verified (pg_verifybackup)" : said);
            }
            return new Verified(Optional.of(result.failure("pg_verifybackup")), "");
        }

        /**
         * The replay is to pause at the restore point {@code name} instead of promoting at the end, and
         * to take read-only connections there (a drill reads what it holds, then lets it go on with
         * {@link Replay#goOn}).
         */
        public void pauseAt(String name) throws IOException {
            sh("sed -i '/^recovery_target_action/d' \"$PGDATA/postgresql.auto.conf\"; "
                    + "printf '%s\\n' \"$SETTINGS\" >> \"$PGDATA/postgresql.auto.conf\"",
                    List.of("SETTINGS=recovery_target_name = '" + name + "'\nrecovery_target_action = 'pause'\n"
                            + "hot_standby = on"), "setting the replay to pause at " + name);
        }

        /**
         * Every page of the cluster laid down here (stopped cleanly) read against its checksum
         * ({@code pg_checksums --check}, the image's own): asked only of a cluster whose data
         * checksums are on.
         */
        public Verified checkPages() throws IOException {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ExecResult result = exec.run(id, List.of("sh", "-c", PAGES), List.of(), QUICK, out);
            String said = out.toString(java.nio.charset.StandardCharsets.UTF_8).strip();
            if (!result.succeeded()) {
                return new Verified(Optional.of(result.failure("pg_checksums") + (said.isEmpty() ? "" : " (" + said
                        .replace('\n', ' ') + ")")), "");
            }
            return new Verified(Optional.empty(), said.contains("Bad checksums:") ? "every page read against its "
                    + "checksum (pg_checksums: " + said.lines().filter(l -> l.startsWith("Files scanned")
                    || l.startsWith("Blocks scanned") || l.startsWith("Bad checksums")).map(l -> l.strip().replaceAll("\\s+", " "))
                    .reduce((a, b) -> a + ", " + b).orElse("") + ")" : said);
        }

        /**
         * The moment (or restore point) is dropped from the settings: the replay then runs to the end
         * of the WAL and promotes.
         */
        public void replayToTheEnd() throws IOException {
            sh("sed -i -e '/^recovery_target_time/d' -e '/^recovery_target_name/d' -e \"s/^recovery_target_action.*/"
                    + "recovery_target_action = 'promote'/\" \"$PGDATA/postgresql.auto.conf\"", List.of(),
                    "dropping the moment");
        }

        private void sh(String script, List<String> env, String what) throws IOException {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ExecResult result = exec.run(id, List.of("sh", "-c", script), env, QUICK, out);
            if (!result.succeeded()) {
                throw new IOException(what + " failed: " + result.failure("sh"));
            }
        }

        @Override
        public void close() {
            try {
                docker.removeContainerCmd(id).withForce(true).exec();
            } catch (RuntimeException e) {
                // gone; a leftover is removed by label at the next start
            }
        }
    }
}
