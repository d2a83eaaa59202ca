package org.backrestsidecar.postgres.wal;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.backrestsidecar.restic.SnapshotTags;
import org.backrestsidecar.postgres.WalMode;
import org.backrestsidecar.config.Priority;
import org.backrestsidecar.discovery.Target;
import org.backrestsidecar.docker.ContainerExec;
import org.backrestsidecar.docker.ExecResult;
import org.backrestsidecar.restic.BaseChains;
import org.backrestsidecar.restic.ResticException;
import org.backrestsidecar.restic.Snapshots;
import org.backrestsidecar.docker.ContainerFiles;
import org.backrestsidecar.postgres.PostgresRowCounts;
import org.backrestsidecar.postgres.PostgresStrategy;
import org.backrestsidecar.strategy.TargetBackup;

/**
 * A physical base backup of a wal-mode target, made on the plan's schedule: {@code pg_basebackup}
 * as a tar to stdout, straight into one restic snapshot ({@code <target>/base.tar}), with the WAL
 * it needs to be consistent by itself ({@code -X fetch}; our slot keeps that WAL on the server).
 * The stream runs before it starts, so the chain after it has no gap; once stored, it starts a new
 * chain. Each database's row counts and content sums are recorded as the drill's facts, at a restore
 * point in the WAL after the base.
 */
@ApplicationScoped
public class BaseBackups {
    /** How long the data folder a restore over the live server moved aside is kept. */
    public static final java.time.Duration KEEP_ASIDE = java.time.Duration.ofDays(7);
    /** How long the facts wait for a writer under way before they try again (writers queue behind them meanwhile). */
    private static final java.time.Duration LOCK_WAIT = java.time.Duration.ofSeconds(2);
    private static final int POINT_TRIES = 5;
    private static final java.time.Duration POINT_PAUSE = java.time.Duration.ofSeconds(3);
    /** pg_receivewal reports what it wrote every second. */
    private static final java.time.Duration POINT_STREAMED = java.time.Duration.ofSeconds(30);
    /** Steps after the base backup that take longer than this in all are noted in the run (a few seconds is usual). */
    private static final java.time.Duration SLOW_AFTER = java.time.Duration.ofSeconds(20);
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(BaseBackups.class);
    /** A manifest lists every file of the cluster (about 200 bytes each): far below this. */
    private static final long MANIFEST_LIMIT = 256L << 20;
    private final ContainerExec exec;
    private final Archiver archiver;
    private final Streamer streamer;
    private final Snapshots snapshots;
    private final ContainerFiles files;

    public BaseBackups(ContainerExec exec, Archiver archiver, Streamer streamer, Snapshots snapshots, ContainerFiles files) {
        this.exec = exec;
        this.archiver = archiver;
        this.streamer = streamer;
        this.snapshots = snapshots;
        this.files = files;
    }

    /** Takes the base backup of {@code target} into {@code backup}, with the facts of {@code databases}. */
    public void backUp(Target target, TargetBackup backup, List<String> databases) throws WalProblem, IOException {
        archiver.ensureStreaming(target);
        String firstSegment = archiver.currentSegment(target);
        String user = PostgresStrategy.user(target);
        Optional<Parent> parent = parentFor(target, backup);
        streamer.holdForBase(target);
        Optional<byte[]> manifest;
        try {
            manifest = parent.flatMap(p -> incremental(target, backup, user, p))
                    .or(() -> base(target, backup, user, Optional.empty()));
        } finally {
            try {
                streamer.releaseBase(target);
            } catch (IOException e) {
                // bounded by max_slot_wal_keep_size; dropped before the next base backup
                backup.note("the slot " + Streamer.baseSlot(target) + " that held the base backup's WAL stays until "
                        + "the next one: " + e.getMessage());
            }
        }
        if (manifest.isEmpty()) {
            return; // the base backup failed, and the run says why
        }
        storeManifest(target, backup, manifest.get());
        Steps after = new Steps();
        Optional<String> lastPoint = Optional.empty();
        for (int i = 0; i < databases.size(); i++) {
            Optional<String> before = lastPoint;
            lastPoint = factsAtARestorePoint(target, backup, user, databases.get(i), i + 1).or(() -> before);
        }
        after.done("the facts at restore points");
        if (lastPoint.isPresent() && !streamed(target, lastPoint.get())) {
            backup.note("the stream had not received the WAL of the restore points (" + lastPoint.get() + ") after "
                    + POINT_STREAMED.toSeconds() + " s: they are shipped with the next WAL, a copy made before then "
                    + "cannot be drilled to them");
        }
        after.done("the stream receiving them");
        removeOldKeptFolders(target, backup);
        after.done("old kept data folders");
        try {
            archiver.newChain(target, backup.runId(), firstSegment);
        } catch (ResticException e) {
            backup.failed("WAL", "the base backup is stored, but the WAL after it could not be shipped yet: "
                    + e.getMessage());
        }
        after.done("the old chain's last WAL and the new chain's first");
        LOG.infof("base backup of %s stored; after it: %s", target.name(), after);
        if (after.total().compareTo(SLOW_AFTER) > 0) {
            // a base backup whose run took far longer than its copy: the run's notes say where the time went
            backup.note("the steps after the base backup took " + after.total().toSeconds() + " s: " + after);
        }
    }

    /**
     * One pg_basebackup into the repo: a full base, or (with {@code against}, a file in the server's
     * container holding the parent's manifest) an incremental one. The manifest pg_basebackup writes
     * at the end of the tar is kept on the way. A failure is recorded against {@code base.tar} unless
     * it was an incremental try, which the caller follows with a full one.
     *
     * @return the manifest, when the base was stored (no bytes when it held none); empty when it failed
     */
    private Optional<byte[]> base(Target target, TargetBackup backup, String user, Optional<Incremental> against) {
        TarMemberCatcher[] catcher = new TarMemberCatcher[1];
        try {
            backup.stream(target.name() + "/" + SnapshotTags.BASE_BACKUP_FILE,
                    against.map(a -> List.of(SnapshotTags.PARENT + ":" + a.parent().run())).orElse(List.of()), out -> {
                catcher[0] = new TarMemberCatcher(out, SnapshotTags.BASE_MANIFEST_FILE, MANIFEST_LIMIT);
                String basebackup = "pg_basebackup -U \"$PGUSER\" -D - -Ft -X fetch -c " + WalMode.checkpoint(target)
                        + WalMode.maxRate(target).map(r -> " " + r).orElse("") + " -l backrest-sidecar-" + backup.runId()
                        + against.map(a -> " --incremental=" + a.file()).orElse("");
                // at priority low, as the dump: pg_basebackup and the WAL sender reading the files for it
                String command = backup.priority() == Priority.LOW
                        ? PostgresStrategy.LOWER + "lowered backrest-sidecar-base " + basebackup
                        : "exec " + basebackup;
                ExecResult result = exec.run(target.containerId(), List.of("sh", "-c", WalMode.PG_BIN + command),
                        List.of("PGUSER=" + user, "PGDATABASE=postgres"), target.timeout(), catcher[0]);
                return result.succeeded() ? Optional.empty() : Optional.of(result.failure("pg_basebackup"));
            });
        } catch (ResticException e) {
            if (against.isPresent()) {
                against.get().refused(e.getMessage());
            } else {
                backup.failed(SnapshotTags.BASE_BACKUP_FILE, e.getMessage());
            }
            return Optional.empty();
        }
        return catcher[0] == null ? Optional.empty() : catcher[0].caught().or(() -> Optional.of(new byte[0]));
    }

    /**
     * The incremental base backup against {@code parent}: its manifest put into the server's container
     * for pg_basebackup, removed after. When the server refuses (its WAL summaries do not reach back to
     * the parent: summarization just switched on, the parent older than wal_summary_keep_time, a
     * restore over the server in between), the run says why and the caller takes a full one.
     *
     * @return the new base's manifest; empty when no incremental base was stored
     */
    private Optional<byte[]> incremental(Target target, TargetBackup backup, String user, Parent parent) {
        String dir = "/tmp";
        String name = "backrest-sidecar-manifest-" + backup.runId().replaceAll("[^A-Za-z0-9_-]", "");
        Incremental against = new Incremental(parent, dir + "/" + name);
        try {
            files.put(target.containerId(), dir, name, parent.manifest().length, out -> out.write(parent.manifest()));
        } catch (IOException e) {
            backup.note("a full base backup was taken: the manifest of base backup " + parent.run() + " could not be "
                    + "put into " + target.containerName() + " (" + e.getMessage() + ")");
            return Optional.empty();
        }
        try {
            Optional<byte[]> manifest = base(target, backup, user, Optional.of(against));
            if (against.refusal() != null) {
                backup.note("a full base backup was taken: the incremental one against base backup " + parent.run()
                        + " failed (" + against.refusal() + ")");
                return Optional.empty();
            }
            LOG.infof("base backup of %s: incremental against %s", target.name(), parent.run());
            return manifest;
        } finally {
            try {
                exec.output(target.containerId(), List.of("rm", "-f", against.file()), java.time.Duration.ofMinutes(1));
            } catch (IOException e) {
                LOG.debugf("the manifest %s in %s stays: %s", against.file(), target.containerName(), e.getMessage());
            }
        }
    }

    /**
     * Stores the new base's manifest beside it, for the next incremental one. Without it (an older
     * pg_basebackup wrote none, or it could not be stored) the next base backup is a full one.
     */
    private void storeManifest(Target target, TargetBackup backup, byte[] manifest) {
        if (manifest.length == 0) {
            return;
        }
        try {
            backup.stream(target.name() + "/" + SnapshotTags.BASE_MANIFEST_FILE, out -> {
                out.write(manifest);
                return Optional.empty();
            });
        } catch (ResticException e) {
            backup.note("the manifest of this base backup could not be stored (" + e.getMessage() + "): the next base "
                    + "backup is a full one");
        }
    }

    /** The base backup an incremental one is taken against, and the manifest pg_basebackup wrote into it. */
    record Parent(String run, byte[] manifest) {
    }

    /** One try of an incremental base backup: what it is against, and why the server refused it. */
    private static final class Incremental {
        private final Parent parent;
        private final String file;
        private String refusal;

        Incremental(Parent parent, String file) {
            this.parent = parent;
            this.file = file;
        }

        Parent parent() {
            return parent;
        }

        String file() {
            return file;
        }

        void refused(String why) {
            refusal = why;
        }

        String refusal() {
            return refusal;
        }
    }

    /**
     * The base this run's base backup may be incremental against: on Postgres 17 and later, with WAL
     * summarization on, the newest base in the repo stored whole (its run's facts stored: a base whose
     * run was cut off never is a parent) with its whole chain and its manifest, while that chain holds
     * fewer than {@link WalMode#fullEvery} bases. Empty: a full base backup. Switches summarization on
     * ({@code summarize_wal}, reloaded, no restart) the first time; the base after that is the first
     * incremental.
     */
    private Optional<Parent> parentFor(Target target, TargetBackup backup) {
        int fullEvery = WalMode.fullEvery(target);
        if (fullEvery <= 1) {
            return Optional.empty();
        }
        try {
            int version = Integer.parseInt(streamer.psql(target, "SHOW server_version_num"));
            if (version < WalMode.INCREMENTAL_SINCE) {
                return Optional.empty();
            }
            if (!streamer.psql(target, "SHOW summarize_wal").equals("on")) {
                streamer.psql(target, "ALTER SYSTEM SET summarize_wal = on");
                streamer.psql(target, "SELECT pg_reload_conf()");
                backup.note("WAL summarization switched on in " + target.containerName() + " (summarize_wal): the "
                        + "base backups after this full one are incremental (docs/postgres-wal.md)");
                return Optional.empty();
            }
        } catch (IOException | NumberFormatException e) {
            backup.note("a full base backup: whether " + target.containerName() + " can take incremental ones could "
                    + "not be read (" + e.getMessage() + ")");
            return Optional.empty();
        }
        try {
            List<org.backrestsidecar.restic.Snapshot> all = snapshots.snapshotsOf(backup.repo(), target.name());
            java.util.Set<String> whole = wholeBases(target.name(), all);
            String basePath = "/" + target.name() + "/" + SnapshotTags.BASE_BACKUP_FILE;
            Optional<org.backrestsidecar.restic.Snapshot> newest = all.stream()
                    .filter(s -> s.paths().equals(List.of(basePath)) && s.tag("run").map(whole::contains).orElse(false))
                    .max(java.util.Comparator.comparing(org.backrestsidecar.restic.Snapshot::time));
            if (newest.isEmpty()) {
                return Optional.empty();
            }
            String run = newest.get().tag("run").get();
            BaseChains chains = BaseChains.of(all);
            if (chains.length(run) >= fullEvery || chains.missing(run, whole).isPresent()) {
                return Optional.empty();
            }
            String manifestPath = "/" + target.name() + "/" + SnapshotTags.BASE_MANIFEST_FILE;
            Optional<org.backrestsidecar.restic.Snapshot> manifest = all.stream()
                    .filter(s -> s.paths().equals(List.of(manifestPath)) && s.tag("run").equals(Optional.of(run)))
                    .findFirst();
            if (manifest.isEmpty()) {
                return Optional.empty(); // made before incremental backups, or its manifest not stored
            }
            return Optional.of(new Parent(run, snapshots.read(backup.repo(), manifest.get().id(), manifestPath)));
        } catch (ResticException e) {
            backup.note("a full base backup: the base backups in the repo could not be read (" + e.getMessage() + ")");
            return Optional.empty();
        }
    }

    /** The runs whose base backup and facts are both in the repo: bases stored whole. */
    static java.util.Set<String> wholeBases(String target, List<org.backrestsidecar.restic.Snapshot> all) {
        String basePath = "/" + target + "/" + SnapshotTags.BASE_BACKUP_FILE;
        String factsPath = "/" + org.backrestsidecar.strategy.BackupFacts.pathOf(target);
        java.util.Set<String> facts = new java.util.HashSet<>();
        all.stream().filter(s -> s.paths().equals(List.of(factsPath))).forEach(s -> s.tag("run").ifPresent(facts::add));
        java.util.Set<String> whole = new java.util.HashSet<>();
        all.stream().filter(s -> s.paths().equals(List.of(basePath))).forEach(s -> s.tag("run")
                .filter(facts::contains).ifPresent(whole::add));
        return whole;
    }

    /** How long each step after the base backup took, as "the facts at restore points 0.4 s, …". */
    private static final class Steps {
        private final java.time.Instant began = java.time.Instant.now();
        private java.time.Instant last = began;
        private final List<String> said = new java.util.ArrayList<>();

        void done(String step) {
            java.time.Instant now = java.time.Instant.now();
            said.add(step + " " + String.format(java.util.Locale.ROOT, "%.1f s",
                    java.time.Duration.between(last, now).toMillis() / 1000.0));
            last = now;
        }

        java.time.Duration total() {
            return java.time.Duration.between(began, last);
        }

        @Override
        public String toString() {
            return String.join(", ", said);
        }
    }

    /**
     * The facts of one database a drill compares with: its row counts and content sums, taken in one
     * transaction with a restore point made after the base backup ({@link PostgresRowCounts#atRestorePoint}),
     * so that a replay stopped at that point must give exactly them back. The point is in the WAL
     * after the base, which the chain this run starts ships. Tried again under a new name when the
     * tables could not be held in time (a long writer under way) or the script failed (a point made
     * by a failed try is still in the WAL: a replay stops at the first of a name). When every try
     * failed (a user without the right to make a restore point, say), the counts alone are recorded
     * as before and the run says why: the drill of that base then replays without comparing.
     */
    private Optional<String> factsAtARestorePoint(Target target, TargetBackup backup, String user, String db,
                                                  int index) throws IOException {
        String failure = "";
        for (int attempt = 1; attempt <= POINT_TRIES; attempt++) {
            String run = backup.runId().replaceAll("[^A-Za-z0-9]", "");
            String name = "bsc-" + run.substring(0, Math.min(8, run.length())) + "-" + index + "-" + attempt;
            List<String> tables = exec.output(target.containerId(), List.of("psql", "-X", "-U", user, "-d", db, "-At",
                    "-c", PostgresRowCounts.TABLE_NAMES), target.timeout()).lines().filter(l -> !l.isBlank()).toList();
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            ExecResult result = exec.run(target.containerId(), List.of("psql", "-X", "-U", user, "-d", db, "-At", "-v",
                    "ON_ERROR_STOP=1", "-c", PostgresRowCounts.atRestorePoint(tables, name, LOCK_WAIT)),
                    target.timeout(), out);
            String said = out.toString(java.nio.charset.StandardCharsets.UTF_8);
            Optional<String> lsn = PostgresRowCounts.restorePoint(said);
            var counts = PostgresRowCounts.parse(said);
            var sums = PostgresRowCounts.contentSums(said);
            if (result.succeeded() && lsn.isPresent() && counts.isPresent() && sums.isPresent()) {
                backup.counted(db, counts.get());
                backup.summed(db, sums.get(), PostgresRowCounts.sumFormula(said).orElse(null));
                backup.restorePoint(new org.backrestsidecar.strategy.BackupFacts.RestorePoint(db, name, lsn.get()));
                return lsn;
            }
            failure = result.succeeded() ? "its output was cut short" : result.failure("psql");
            if (attempt < POINT_TRIES) {
                try {
                    Thread.sleep(POINT_PAUSE.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while recording the facts of " + db, e);
                }
            }
        }
        String out = exec.output(target.containerId(), List.of("psql", "-X", "-U", user, "-d", db, "-At", "-c",
                PostgresRowCounts.COUNTS), target.timeout());
        PostgresRowCounts.parse(out).ifPresent(c -> backup.counted(db, c));
        backup.note("the facts of database " + db + " could not be taken at a restore point (" + POINT_TRIES
                + " tries; the last: " + failure + "): its drill replays this base backup's WAL without comparing "
                + "content (docs/postgres-wal.md \"What a drill compares\")");
        return Optional.empty();
    }

    /**
     * Waits until the stream has the WAL up to {@code lsn} in the spool, so the chain's first ship
     * (and a copy made right after the run) holds the restore points; false when it has not in time.
     */
    private boolean streamed(Target target, String lsn) throws IOException {
        java.time.Instant until = java.time.Instant.now().plus(POINT_STREAMED);
        while (!streamer.received(target, lsn)) {
            if (java.time.Instant.now().isAfter(until)) {
                return false;
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /**
     * The data folders restores over the live server kept aside, once older than {@link #KEEP_ASIDE}:
     * by then base backups and WAL cover that time, and the folder holds a whole database's space.
     */
    private void removeOldKeptFolders(Target target, TargetBackup backup) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        ExecResult result = exec.run(target.containerId(), List.of("sh", "-c", "find \"${PGDATA:-/var/lib/postgresql/data}\" "
                + "-maxdepth 1 -name 'pgsql_tmp.backrest-sidecar-before-*' -mmin +" + KEEP_ASIDE.toMinutes()
                + " -print -exec rm -rf {} +"), List.of(), java.time.Duration.ofMinutes(10), out);
        String removed = out.toString(java.nio.charset.StandardCharsets.UTF_8).strip();
        if (!result.succeeded()) {
            backup.note("the kept data folders older than " + KEEP_ASIDE.toDays() + " days could not be removed: "
                    + result.failure("find"));
        } else if (!removed.isEmpty()) {
            backup.note("removed the data folders kept by restores over " + KEEP_ASIDE.toDays() + " days ago: "
                    + removed.replace('\n', ' '));
        }
    }
}
