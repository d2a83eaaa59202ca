package org.backrestsidecar.postgres.pitr;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import jakarta.enterprise.context.ApplicationScoped;
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
import org.backrestsidecar.drill.Counts;
import org.backrestsidecar.drill.DrillCouldNotRun;
import org.backrestsidecar.drill.DrillFailed;
import org.backrestsidecar.drill.DrillNetwork;
import org.backrestsidecar.drill.TargetDrill;
import org.backrestsidecar.drill.Throwaways;
import org.backrestsidecar.progress.Progress;
import org.backrestsidecar.restic.Snapshots;
import org.backrestsidecar.restore.BackupSet;
import org.backrestsidecar.strategy.BackupFacts;
import org.backrestsidecar.postgres.PostgresRowCounts;
import org.backrestsidecar.postgres.PostgresStrategy;
import org.backrestsidecar.postgres.wal.Archiver;

/**
 * The drill of a wal-mode target proves the whole chain, not only the base backup: the newest base
 * is laid down in a throwaway like the target and verified against its own manifest
 * ({@code pg_verifybackup}: a file changed since pg_basebackup read it is named), then it and every
 * WAL segment shipped after it are replayed to
 * the end and promoted. It fails when the replay fails or stops before the newest segment shipped
 * (one in between is missing or damaged). On the way it pauses at each restore point the base
 * backup's run made (one per database, {@link BackupFacts.RestorePoint}) and compares that database's
 * rows and content, there, with what was recorded at that very point: a lost table, a changed row
 * or a replay that went astray fails the drill, named. A base recorded before restore points were
 * has its rows read back and reported only.
 */
@ApplicationScoped
public class PointInTimeDrill implements TargetDrill {
    private final DockerClient docker;
    private final ContainerExec exec;
    private final Throwaways throwaways;
    private final DataFolder dataFolder;
    private final Replay replay;
    private final Snapshots snapshots;
    private final Archiver archiver;

    public PointInTimeDrill(DockerClient docker, ContainerExec exec, Throwaways throwaways, DataFolder dataFolder,
                            Replay replay, Snapshots snapshots, Archiver archiver) {
        this.docker = docker;
        this.exec = exec;
        this.throwaways = throwaways;
        this.dataFolder = dataFolder;
        this.replay = replay;
        this.snapshots = snapshots;
        this.archiver = archiver;
    }

    @Override
    public Set<String> strategies() {
        return Set.of("postgres");
    }

    @Override
    public boolean handles(Target target) {
        return target.walMode();
    }

    @Override
    public Outcome drill(Target target, RepoConfig repo, BackupSet backup, Optional<BackupFacts> facts,
                         Progress progress,
                         DrillNetwork network) throws Exception {
        String user = PostgresStrategy.user(target);
        InspectContainerResponse live = docker.inspectContainerCmd(target.containerId()).exec();
        String pgdata = DataFolder.pgdata(live);
        List<String> checks = new ArrayList<>();
        List<String> unproven = new ArrayList<>();
        try (AutoCloseable reading = archiver.reading(target);
             Throwaways.Throwaway pg = throwaways.like(target, null, network)) {
            // what the repo drilled holds: the plan's own, or the scratch repo read out of a copy
            RecoveryWindow window = RecoveryWindow.of(target.name(), snapshots.snapshotsOf(repo, target.name()));
            // the base backup of the run drilled, whose facts these are; else the newest
            Optional<RecoveryWindow.Choice> ofThisRun = window.chainOf(backup.ids());
            Optional<String> unrestorable = window.whyNotRestorable(backup.ids());
            if (unrestorable.isPresent()) {
                throw new DrillFailed(unrestorable.get());
            }
            RecoveryWindow.Choice choice = ofThisRun.orElseGet(window::latest);
            List<BackupFacts.RestorePoint> points = ofThisRun.isPresent()
                    ? facts.map(BackupFacts::restorePoints).orElse(List.of()) : List.of();
            Instant start = Instant.now();
            try (DataFolder.Work work = dataFolder.open(live.getImageId(), pg.id(), pgdata,
                    DataFolder.ASIDE_PREFIX + "drill")) {
                work.moveAside();
                try {
                    work.layDown(repo, choice, target.name());
                } catch (DataFolder.NotAsMade e) {
                    throw new DrillFailed(e.getMessage());
                }
                // before the server starts: replay writes into the files the manifest sums
                DataFolder.Verified verified = work.verify();
                if (verified.problem().isPresent()) {
                    throw new DrillFailed(choice.described() + " is not what pg_basebackup made: "
                            + verified.problem().get());
                }
                if (!choice.before().isEmpty()) {
                    checks.add("the " + (choice.before().size() + 1) + " base backups of its chain each verified "
                            + "against their own manifest (pg_verifybackup) and combined (pg_combinebackup)");
                }
                checks.add(choice.described().replaceFirst("^base backup ", "base backup of run ") + ": " + verified.said());
                if (!points.isEmpty() && !choice.baseOnly()) {
                    work.pauseAt(points.get(0).name());
                }
            }
            pg.start();
            // the points are in the WAL after the base: a chain that holds none cannot reach them
            Optional<String> notReached = choice.baseOnly() && !points.isEmpty()
                    ? Optional.of("the repo holds no WAL of the chain of base backup " + choice.base().run() + ": its "
                    + "restore points (" + String.join(", ", points.stream().map(BackupFacts.RestorePoint::name).toList())
                    + ") cannot be replayed to")
                    : atEachRestorePoint(pg, target, user, facts.orElse(null), points, checks);
            if (notReached.isPresent() && !choice.baseOnly()) {
                // on to the end of the WAL, so that the hole the replay stopped at is named
                try (DataFolder.Work work = dataFolder.open(live.getImageId(), pg.id(), pgdata,
                        DataFolder.ASIDE_PREFIX + "drill")) {
                    work.replayToTheEnd();
                }
                pg.start();
            }
            Replay.Reached reached;
            try {
                replay.awaitPromoted(pg.id(), user, target.timeout());
                reached = replay.settle(pg.id(), user, pgdata);
            } catch (java.io.IOException e) {
                throw new DrillFailed(notReached.map(n -> n + "; ").orElse("") + "base backup " + choice.base().run()
                        + " and its WAL do not replay: " + e.getMessage());
            }
            double seconds = Duration.between(start, Instant.now()).toMillis() / 1000.0;
            if (notReached.isPresent() || reached.chainProblem().isPresent()) {
                throw new DrillFailed(String.join("; ", java.util.stream.Stream.of(notReached, reached.chainProblem())
                        .flatMap(Optional::stream).toList()));
            }
            checks.add("base backup of run " + choice.base().run() + " and every WAL segment after it replayed "
                    + (reached.newestGiven() == null ? "(none shipped yet)" : "through " + reached.newestGiven())
                    + ": " + reached.said());
            if (points.isEmpty()) {
                TargetDrill.unproven(checks, unproven, ofThisRun.isPresent() ? "no facts at a restore point were recorded with base backup "
                        + choice.base().run() + " (made before they were, or its run said why not): its content was "
                        + "not compared" : "the run drilled (" + backup.label() + ") holds no base backup ready to "
                        + "restore: the newest, of run " + choice.base().run() + ", was replayed, its content not compared");
                for (Map.Entry<String, Map<String, Long>> db : facts.map(BackupFacts::counts).orElse(Map.of()).entrySet()) {
                    Map<String, Long> now = rows(pg.id(), target, user, db.getKey(), PostgresRowCounts.COUNTS);
                    checks.add("database " + db.getKey() + ": rows now " + now.entrySet().stream()
                            .map(e -> e.getKey() + " " + e.getValue()).toList());
                }
            }
            checks.add(pages(pg, user, live.getImageId(), pgdata));
            if (network.name().isPresent()) {
                // its pages were read with the server stopped: it starts again, for the plan's apps
                if (pg.ended().isPresent()) {
                    pg.start();
                }
                replay.awaitPromoted(pg.id(), user, target.timeout());
                network.hold(pg, target);
            }
            return new Outcome(seconds, checks, unproven);
        } catch (java.util.NoSuchElementException e) {
            throw new DrillCouldNotRun(e.getMessage());
        }
    }

    /**
     * Replays to each restore point in turn, paused there, and compares the database's rows and
     * content with what was recorded at that point. Empty when every point was reached and matched;
     * else why the replay did not reach one (the server has then stopped).
     *
     * @throws DrillFailed when a database at its point is not what was recorded
     */
    private Optional<String> atEachRestorePoint(Throwaways.Throwaway pg, Target target, String user,
                                                BackupFacts facts, List<BackupFacts.RestorePoint> points,
                                                List<String> checks) throws Exception {
        for (int i = 0; i < points.size(); i++) {
            BackupFacts.RestorePoint point = points.get(i);
            try {
                replay.awaitPaused(pg.id(), user, point.name(), target.timeout());
            } catch (Replay.TargetNotReached e) {
                return Optional.of("restore point " + point.name() + " (database " + point.database() + ", made at "
                        + point.lsn() + " right after the base backup) was not reached: " + e.getMessage());
            } catch (java.io.IOException e) {
                throw new DrillFailed("the base backup and its WAL do not replay to restore point " + point.name()
                        + ": " + e.getMessage());
            }
            Map<String, Long> recordedRows = facts.counts().getOrDefault(point.database(), Map.of());
            Map<String, Long> recordedSums = facts.contentSums().getOrDefault(point.database(), Map.of());
            String out = exec.output(pg.id(), List.of("psql", "-X", "-At", "-U", user, "-d", point.database(), "-c",
                    PostgresRowCounts.loggedQuery(org.backrestsidecar.postgres.PostgresDrill.sumOf(facts))), target.timeout());
            String scope = "database " + point.database() + " at restore point " + point.name() + " (" + point.lsn() + ")";
            checks.add(Counts.match(scope + " rows per table", recordedRows, PostgresRowCounts.parse(out)
                    .orElseThrow(() -> new DrillFailed("the rows of " + point.database() + " could not be read back"))));
            checks.add(Counts.sameContent(scope, recordedSums, PostgresRowCounts.contentSums(out)
                    .orElseThrow(() -> new DrillFailed("the content of " + point.database() + " could not be read back")),
                    "recorded", "a sum of every row's text"));
            replay.goOn(pg.id(), user, i + 1 < points.size() ? Optional.of(points.get(i + 1).name()) : Optional.empty());
        }
        return Optional.empty();
    }

    /**
     * Where the server keeps data checksums, every page of the replayed cluster is read against its
     * own: the throwaway is stopped cleanly and {@code pg_checksums --check} reads it. A torn or
     * changed page fails the drill by its file and block, as pg_checksums names them.
     */
    private String pages(Throwaways.Throwaway pg, String user, String image, String pgdata) throws Exception {
        if (!"on".equals(replay.psql(pg.id(), user, "SHOW data_checksums"))) {
            return "data checksums are off on this server (initdb --data-checksums turns them on): its pages were "
                    + "not checked one by one";
        }
        docker.stopContainerCmd(pg.id()).withTimeout(60).exec();
        try (DataFolder.Work work = dataFolder.open(image, pg.id(), pgdata, DataFolder.ASIDE_PREFIX + "drill")) {
            DataFolder.Verified pages = work.checkPages();
            if (pages.problem().isPresent()) {
                throw new DrillFailed("a page of the replayed cluster fails its checksum: " + pages.problem().get());
            }
            return pages.said();
        }
    }

    private Map<String, Long> rows(String container, Target target, String user, String db, String query)
            throws Exception {
        String out = exec.output(container, List.of("psql", "-X", "-At", "-U", user, "-d", db, "-c", query),
                target.timeout());
        return PostgresRowCounts.parse(out).orElseThrow(() -> new DrillFailed("the tables of " + db
                + " could not be read back"));
    }
}
