package org.backrestsidecar.pitr;

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
import org.backrestsidecar.drill.DrillCouldNotRun;
import org.backrestsidecar.drill.DrillFailed;
import org.backrestsidecar.drill.TargetDrill;
import org.backrestsidecar.drill.Throwaways;
import org.backrestsidecar.progress.Progress;
import org.backrestsidecar.restore.BackupSet;
import org.backrestsidecar.strategy.BackupFacts;
import org.backrestsidecar.strategy.PostgresRowCounts;
import org.backrestsidecar.strategy.PostgresStrategy;
import org.backrestsidecar.wal.Archiver;
import org.backrestsidecar.wal.WalMode;

/**
 * The drill of a wal-mode target proves the whole chain, not only the base backup: the newest base
 * is laid down in a throwaway like the target and verified against its own manifest
 * ({@code pg_verifybackup}: a file changed since pg_basebackup read it is named), then it and every
 * WAL segment shipped after it are replayed to
 * the end and promoted. It fails when the replay fails or stops before the newest segment shipped
 * (one in between is missing or damaged); every database's rows per table are read back and
 * reported (they have moved on since the base backup, so they are not compared with its counts).
 */
@ApplicationScoped
public class PointInTimeDrill implements TargetDrill {
    private final DockerClient docker;
    private final ContainerExec exec;
    private final Throwaways throwaways;
    private final DataFolder dataFolder;
    private final Replay replay;
    private final PointInTimeRestore restores;
    private final Archiver archiver;

    public PointInTimeDrill(DockerClient docker, ContainerExec exec, Throwaways throwaways, DataFolder dataFolder,
                            Replay replay, PointInTimeRestore restores, Archiver archiver) {
        this.docker = docker;
        this.exec = exec;
        this.throwaways = throwaways;
        this.dataFolder = dataFolder;
        this.replay = replay;
        this.restores = restores;
        this.archiver = archiver;
    }

    @Override
    public Set<String> strategies() {
        return Set.of("postgres");
    }

    @Override
    public boolean handles(Target target) {
        return WalMode.of(target);
    }

    @Override
    public Outcome drill(Target target, RepoConfig repo, BackupSet backup, Optional<BackupFacts> facts,
                         Progress progress) throws Exception {
        String user = PostgresStrategy.user(target);
        InspectContainerResponse live = docker.inspectContainerCmd(target.containerId()).exec();
        String pgdata = DataFolder.pgdata(live);
        List<String> checks = new ArrayList<>();
        try (AutoCloseable reading = archiver.reading(target);
             Throwaways.Throwaway pg = throwaways.like(target, null)) {
            RecoveryWindow.Choice choice = restores.window(target).latest();
            Instant start = Instant.now();
            try (DataFolder.Work work = dataFolder.open(live.getImageId(), pg.id(), pgdata,
                    DataFolder.ASIDE_PREFIX + "drill")) {
                work.moveAside();
                work.layDown(repo, choice, target.name());
                // before the server starts: replay writes into the files the manifest sums
                DataFolder.Verified verified = work.verify();
                if (verified.problem().isPresent()) {
                    throw new DrillFailed("base backup " + choice.base().run() + " is not what pg_basebackup made: "
                            + verified.problem().get());
                }
                checks.add("base backup of run " + choice.base().run() + ": " + verified.said());
            }
            pg.start();
            Replay.Reached reached;
            try {
                replay.awaitPromoted(pg.id(), user, target.timeout());
                reached = replay.settle(pg.id(), user, pgdata);
            } catch (java.io.IOException e) {
                throw new DrillFailed("base backup " + choice.base().run() + " and its WAL do not replay: "
                        + e.getMessage());
            }
            double seconds = Duration.between(start, Instant.now()).toMillis() / 1000.0;
            if (reached.chainProblem().isPresent()) {
                throw new DrillFailed(reached.chainProblem().get());
            }
            checks.add("base backup of run " + choice.base().run() + " and every WAL segment after it replayed "
                    + (reached.newestGiven() == null ? "(none shipped yet)" : "through " + reached.newestGiven())
                    + ": " + reached.said());
            for (Map.Entry<String, Map<String, Long>> db : facts.map(BackupFacts::counts).orElse(Map.of()).entrySet()) {
                String out = exec.output(pg.id(), List.of("psql", "-X", "-At", "-U", user, "-d", db.getKey(), "-c",
                        PostgresRowCounts.COUNTS), target.timeout());
                Map<String, Long> now = PostgresRowCounts.parse(out).orElseThrow(() -> new DrillFailed(
                        "the tables of " + db.getKey() + " could not be read back"));
                // the app may have dropped a table since the base backup: said, not failed
                List<String> gone = db.getValue().keySet().stream().filter(t -> !now.containsKey(t)).toList();
                checks.add("database " + db.getKey() + ": rows now " + now.entrySet().stream()
                        .map(e -> e.getKey() + " " + e.getValue()).toList()
                        + (gone.isEmpty() ? "" : "; not there since the base backup: " + String.join(", ", gone)));
            }
            return new Outcome(seconds, checks);
        } catch (java.util.NoSuchElementException e) {
            throw new DrillCouldNotRun(e.getMessage());
        }
    }
}
