package org.backrestsidecar.postgres;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.discovery.Target;
import org.backrestsidecar.docker.ContainerExec;
import org.backrestsidecar.docker.ExecResult;
import org.backrestsidecar.docker.TailBuffer;
import org.backrestsidecar.restic.Snapshot;
import org.backrestsidecar.restore.BackupSet;
import org.backrestsidecar.progress.Progress;
import org.backrestsidecar.restore.SnapshotFiles;
import org.backrestsidecar.strategy.BackupFacts;
import org.backrestsidecar.postgres.PostgresRowCounts;
import org.backrestsidecar.postgres.PostgresStrategy;
import org.backrestsidecar.drill.Counts;
import org.backrestsidecar.drill.DrillCouldNotRun;
import org.backrestsidecar.drill.DrillFailed;
import org.backrestsidecar.drill.DrillNetwork;
import org.backrestsidecar.drill.TargetDrill;
import org.backrestsidecar.drill.Throwaways;

/**
 * A fresh Postgres from the target's image gets the roles and every database of the backup through
 * pg_restore; every database must restore without an error and every table must have the row count
 * recorded when it was dumped.
 */
@ApplicationScoped
public class PostgresDrill implements TargetDrill {
    private static final Duration READY = Duration.ofMinutes(3);
    private final Throwaways throwaways;
    private final SnapshotFiles snapshotFiles;
    private final ContainerExec exec;

    public PostgresDrill(Throwaways throwaways, SnapshotFiles snapshotFiles, ContainerExec exec) {
        this.throwaways = throwaways;
        this.snapshotFiles = snapshotFiles;
        this.exec = exec;
    }

    @Override
    public Set<String> strategies() {
        return Set.of("postgres");
    }

    /** A wal-mode target's drill replays its whole chain (postgres/pitr/PointInTimeDrill). */
    @Override
    public boolean handles(Target target) {
        return TargetDrill.super.handles(target) && !target.walMode();
    }

    @Override
    public Outcome drill(Target target, RepoConfig repo, BackupSet backup, Optional<BackupFacts> facts,
                         Progress progress,
                         DrillNetwork network)
            throws Exception {
        String user = PostgresStrategy.user(target);
        List<String> databases = backup.dumps().stream().filter(p -> p.endsWith(".dump"))
                .map(p -> p.substring(p.lastIndexOf('/') + 1, p.length() - ".dump".length())).toList();
        if (databases.isEmpty()) {
            throw new DrillFailed("backup " + backup.label() + " holds no database dump");
        }
        List<String> checks = new ArrayList<>();
        List<String> unproven = new ArrayList<>();
        try (Throwaways.Throwaway pg = throwaways.like(target, null, network)) {
            Instant restoreStart = Instant.now();
            for (String dump : backup.dumps()) {
                Snapshot s = backup.holding(dump).orElseThrow();
                String name = dump.substring(dump.lastIndexOf('/') + 1);
                snapshotFiles.copy(repo, s.id(), dump, pg.id(), "/tmp", name, progress);
            }
            pg.start();
            awaitStable(pg, user, target.timeout().compareTo(READY) < 0 ? target.timeout() : READY);
            if (backup.dumps().contains("/" + target.name() + "/globals.sql")) {
                // the roles the dumps name as owners; those the image made already give harmless errors
                exec.run(pg.id(), List.of("psql", "-X", "-q", "-U", user, "-d", "postgres", "-f", "/tmp/globals.sql"),
                        target.timeout(), new TailBuffer(4096));
            }
            for (String db : databases) {
                // the image may make one itself at first start (POSTGRES_DB): then it is there, empty
                ExecResult created = exec.run(pg.id(), List.of("createdb", "-U", user, db), target.timeout(),
                        new TailBuffer(4096));
                if (!created.succeeded() && !created.stderr().contains("already exists")) {
                    throw new DrillFailed(created.failure("creating database " + db + ": createdb"));
                }
                run(pg.id(), target, "database " + db + " does not restore",
                        List.of("pg_restore", "-U", user, "-d", db, "--clean", "--if-exists", "--exit-on-error",
                                "/tmp/" + db + ".dump"));
            }
            double seconds = Duration.between(restoreStart, Instant.now()).toMillis() / 1000.0;
            checks.add(databases.size() + " databases restored without an error: " + String.join(", ", databases));
            for (String db : databases) {
                Optional<Map<String, Long>> recorded = facts.map(f -> f.counts().get(db));
                if (recorded.isEmpty()) {
                    TargetDrill.unproven(checks, unproven, db + ": no row counts were recorded with this backup; "
                            + "restore checked only");
                    continue;
                }
                String out = exec.output(pg.id(), List.of("psql", "-X", "-At", "-U", user, "-d", db, "-c",
                        PostgresRowCounts.query(sumOf(facts.get()))), target.timeout());
                Map<String, Long> restored = PostgresRowCounts.parse(out)
                        .orElseThrow(() -> new DrillFailed("the row counts of " + db + " could not be read back"));
                checks.add(Counts.match("database " + db + " rows per table", recorded.get(), restored));
                Optional<Map<String, Long>> summed = facts.map(f -> f.contentSums().get(db));
                if (summed.isPresent()) {
                    checks.add(Counts.sameContent("database " + db, summed.get(), PostgresRowCounts.contentSums(out)
                            .orElseThrow(() -> new DrillFailed("the content of " + db + " could not be read back"))));
                } else {
                    TargetDrill.unproven(checks, unproven, "database " + db + ": no content sums were recorded with "
                            + "this backup; counts checked only");
                }
            }
            // restored and as recorded: the plan's apps may start beside it
            network.hold(pg, target);
            return new Outcome(seconds, checks, unproven);
        }
    }

    private void run(String container, Target target, String failure, List<String> command)
            throws IOException, DrillFailed {
        ExecResult r = exec.run(container, command, target.timeout(), new TailBuffer(8192));
        if (!r.succeeded()) {
            throw new DrillFailed(r.failure(failure + ": " + command.get(0)));
        }
    }

    /**
     * Ready twice, three seconds apart, with the same postmaster start: the official image runs a
     * temporary server while it initialises, which must not be mistaken for the real one.
     */
    private void awaitStable(Throwaways.Throwaway pg, String user, Duration limit)
            throws IOException, InterruptedException, DrillCouldNotRun {
        String container = pg.id();
        Instant giveUp = Instant.now().plus(limit);
        String last = null;
        while (Instant.now().isBefore(giveUp)) {
            Optional<String> ended = pg.ended();
            if (ended.isPresent()) {
                throw new DrillCouldNotRun(ended.get() + " before Postgres came up");
            }
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            ExecResult r = exec.run(container, List.of("psql", "-X", "-At", "-U", user, "-d", "postgres", "-c",
                    "SELECT pg_postmaster_start_time()"), Duration.ofSeconds(10), out);
            String started = r.succeeded() ? out.toString(java.nio.charset.StandardCharsets.UTF_8).strip() : null;
            if (started != null && started.equals(last)) {
                return;
            }
            last = started;
            Thread.sleep(started == null ? 500 : 3000);
        }
        throw new DrillCouldNotRun("the throwaway Postgres did not come up within " + limit);
    }

    /**
     * The formula the backup's content sums were made with, for the drill to sum the restored rows
     * the same way; a formula this version does not know (a newer version's backup) cannot be compared.
     */
    public static PostgresRowCounts.Sum sumOf(BackupFacts facts) throws DrillCouldNotRun {
        try {
            return PostgresRowCounts.Sum.named(facts.sumFormula());
        } catch (IllegalArgumentException e) {
            throw new DrillCouldNotRun(e.getMessage());
        }
    }
}
