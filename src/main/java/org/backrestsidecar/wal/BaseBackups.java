package org.backrestsidecar.wal;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.backrestsidecar.config.Priority;
import org.backrestsidecar.discovery.Target;
import org.backrestsidecar.docker.ContainerExec;
import org.backrestsidecar.docker.ExecResult;
import org.backrestsidecar.restic.ResticException;
import org.backrestsidecar.strategy.PostgresRowCounts;
import org.backrestsidecar.strategy.PostgresStrategy;
import org.backrestsidecar.strategy.TargetBackup;

/**
 * A physical base backup of a wal-mode target, made on the plan's schedule: {@code pg_basebackup}
 * as a tar to stdout, straight into one restic snapshot ({@code <target>/base.tar}), with the WAL
 * it needs to be consistent by itself ({@code -X fetch}; our slot keeps that WAL on the server).
 * The stream runs before it starts, so the chain after it has no gap; once stored, it starts a new
 * chain. Row counts per table are recorded as the drill's facts.
 */
@ApplicationScoped
public class BaseBackups {
    public static final String FILE = "base.tar";
    /** How long the data folder a restore over the live server moved aside is kept. */
    public static final java.time.Duration KEEP_ASIDE = java.time.Duration.ofDays(7);
    private final ContainerExec exec;
    private final Archiver archiver;

    private final Streamer streamer;

    public BaseBackups(ContainerExec exec, Archiver archiver, Streamer streamer) {
        this.exec = exec;
        this.archiver = archiver;
        this.streamer = streamer;
    }

    public void backUp(Target target, TargetBackup backup, List<String> databases) throws WalProblem, IOException {
        archiver.ensureStreaming(target);
        String firstSegment = archiver.currentSegment(target);
        String user = PostgresStrategy.user(target);
        streamer.holdForBase(target);
        try {
            backup.stream(target.name() + "/" + FILE, out -> {
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
            backup.failed(FILE, e.getMessage());
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
        for (String db : databases) {
            String out = exec.output(target.containerId(), List.of("psql", "-X", "-U", user, "-d", db, "-At", "-c",
                    PostgresRowCounts.COUNTS), target.timeout());
            PostgresRowCounts.parse(out).ifPresent(c -> backup.counted(db, c));
        }
        removeOldKeptFolders(target, backup);
        try {
            archiver.newChain(target, backup.runId(), firstSegment);
        } catch (ResticException e) {
            backup.failed("WAL", "the base backup is stored, but the WAL after it could not be shipped yet: "
                    + e.getMessage());
        }
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
