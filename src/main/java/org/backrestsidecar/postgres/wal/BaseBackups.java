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
import org.backrestsidecar.restic.ResticException;
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
    private final ContainerExec exec;
    private final Archiver archiver;

    private final Streamer streamer;

    public BaseBackups(ContainerExec exec, Archiver archiver, Streamer streamer) {
        this.exec = exec;
        this.archiver = archiver;
        this.streamer = streamer;
    }

    /** Takes the base backup of {@code target} into {@code backup}, with the facts of {@code databases}. */
    public void backUp(Target target, TargetBackup backup, List<String> databases) throws WalProblem, IOException {
        archiver.ensureStreaming(target);
        String firstSegment = archiver.currentSegment(target);
        String user = PostgresStrategy.user(target);
        streamer.holdForBase(target);
        try {
            backup.stream(target.name() + "/" + SnapshotTags.BASE_BACKUP_FILE, out -> {
                String basebackup = "pg_basebackup -U \"$PGUSER\" -D - -Ft -X fetch -c " + WalMode.checkpoint(target)
                        + WalMode.maxRate(target).map(r -> " " + r).orElse("") + " -l backrest-sidecar-" + backup.runId();
                // at priority low, as the dump: pg_basebackup and the WAL sender reading the files for it
                String command = backup.priority() == Priority.LOW
                        ? PostgresStrategy.LOWER + "lowered backrest-sidecar-base " + basebackup
                        : "exec " + basebackup;
                ExecResult result = exec.run(target.containerId(), List.of("sh", "-c", WalMode.PG_BIN + command),
                        List.of("PGUSER=" + user, "PGDATABASE=postgres"), target.timeout(), out);
                return result.succeeded() ? Optional.empty() : Optional.of(result.failure("pg_basebackup"));
            });
        } catch (ResticException e) {
            backup.failed(SnapshotTags.BASE_BACKUP_FILE, e.getMessage());
            return;
        } finally {
            try {
                streamer.releaseBase(target);
            } catch (IOException e) {
                // bounded by max_slot_wal_keep_size; dropped before the next base backup
                backup.note("the slot " + Streamer.baseSlot(target) + " that held the base backup's WAL stays until "
                        + "the next one: " + e.getMessage());
            }
        }
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
