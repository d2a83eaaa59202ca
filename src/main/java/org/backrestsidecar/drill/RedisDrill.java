package org.backrestsidecar.drill;

import com.github.dockerjava.api.DockerClient;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.discovery.Target;
import org.backrestsidecar.docker.ContainerExec;
import org.backrestsidecar.restic.Snapshot;
import org.backrestsidecar.restore.BackupSet;
import org.backrestsidecar.progress.Progress;
import org.backrestsidecar.restore.SnapshotFiles;
import org.backrestsidecar.strategy.BackupFacts;
import org.backrestsidecar.strategy.RedisStrategy;

/**
 * A Redis from the target's image started on the backup's RDB (no AOF, no saving; the target's own
 * password, when its label names one, so that the plan's apps started beside it in a drill log in as
 * they do live): it must load it, and hold the key count recorded when it was saved.
 */
@ApplicationScoped
public class RedisDrill implements TargetDrill {
    private static final Duration QUICK = Duration.ofSeconds(10);
    private final Throwaways throwaways;
    private final SnapshotFiles snapshotFiles;
    private final ContainerExec exec;
    private final DockerClient docker;

    public RedisDrill(Throwaways throwaways, SnapshotFiles snapshotFiles, ContainerExec exec, DockerClient docker) {
        this.docker = docker;
        this.throwaways = throwaways;
        this.snapshotFiles = snapshotFiles;
        this.exec = exec;
    }

    @Override
    public Set<String> strategies() {
        return Set.of("redis");
    }

    @Override
    public Outcome drill(Target target, RepoConfig repo, BackupSet backup, Optional<BackupFacts> facts,
                         Progress progress,
                         DrillNetwork network)
            throws Exception {
        String path = "/" + target.name() + "/dump.rdb";
        Snapshot rdb = backup.holding(path).orElseThrow(() -> new DrillFailed("backup " + backup.label()
                + " holds no dump.rdb"));
        List<String> checks = new ArrayList<>();
        List<String> unproven = new ArrayList<>();
        List<String> server = new ArrayList<>(List.of("redis-server", "--dir", "/tmp", "--dbfilename", "dump.rdb",
                "--appendonly", "no", "--save", ""));
        String[] liveEnv = docker.inspectContainerCmd(target.containerId()).exec().getConfig().getEnv();
        RedisStrategy.password(target, liveEnv == null ? List.of() : List.of(liveEnv))
                .ifPresent(p -> server.addAll(List.of("--requirepass", p)));
        try (Throwaways.Throwaway redis = throwaways.like(target, server, network)) {
            Instant restoreStart = Instant.now();
            snapshotFiles.copy(repo, rdb.id(), path, redis.id(), "/tmp", "dump.rdb", progress);
            redis.start();
            Instant giveUp = Instant.now().plus(target.timeout());
            String pong = "";
            while (!pong.equals("PONG")) {
                if (Instant.now().isAfter(giveUp)) {
                    throw new DrillFailed("Redis did not load the RDB within " + target.timeout() + " (last answer: "
                            + pong + ")");
                }
                Thread.sleep(200);
                try {
                    pong = exec.output(redis.id(), RedisStrategy.cliCommand(target, "PING"), QUICK).strip();
                } catch (java.io.IOException e) {
                    pong = e.getMessage();
                }
            }
            double seconds = Duration.between(restoreStart, Instant.now()).toMillis() / 1000.0;
            checks.add("the RDB loads");
            Map<String, Long> restored = new LinkedHashMap<>();
            // one read, not tried again: given the target's own time, as the load was (10 s was once too
            // short for a docker exec on a loaded host, and the drill of a good backup failed)
            for (String line : exec.output(redis.id(), RedisStrategy.cliCommand(target, "INFO", "keyspace"), target.timeout())
                    .split("\n")) {
                // db0:keys=500,expires=0,avg_ttl=0
                if (line.startsWith("db") && line.contains(":keys=")) {
                    String db = line.substring(0, line.indexOf(':'));
                    String keys = line.substring(line.indexOf("keys=") + 5).split(",")[0].strip();
                    restored.put(db, Long.parseLong(keys));
                }
            }
            Optional<Map<String, Long>> recorded = facts.map(f -> f.counts().get(RedisStrategy.FACTS));
            if (recorded.isEmpty()) {
                TargetDrill.unproven(checks, unproven, "no key count was recorded with this backup; load checked only");
            } else {
                // the RDB's head gives the first database's count; only that one was recorded
                Map<String, Long> compared = new LinkedHashMap<>();
                recorded.get().keySet().forEach(db -> compared.put(db, restored.getOrDefault(db, 0L)));
                checks.add(Counts.match("keys (DBSIZE)", recorded.get(), compared));
            }
            network.hold(redis, target);
            return new Outcome(seconds, checks, unproven);
        }
    }
}
