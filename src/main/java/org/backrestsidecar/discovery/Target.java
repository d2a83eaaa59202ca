package org.backrestsidecar.discovery;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A labelled container as the sidecar sees it. {@code options} are its labels under the prefix with
 * the prefix taken off ({@code backup.postgres.user} becomes {@code postgres.user}). A target with
 * problems is listed and reported, never backed up on guesswork. {@code swarmService} is the Swarm
 * service whose task the container is (stack deploy), empty for a Compose or plain container.
 */
public record Target(String name, String containerId, String containerName, String plan, String strategy,
                     String state, Duration timeout, Duration maxDowntime, Map<String, String> options,
                     List<String> problems, Optional<String> swarmService) {

    public Target {
        options = Map.copyOf(options);
        problems = List.copyOf(problems);
    }

    public boolean usable() {
        return problems.isEmpty();
    }

    /** Swarm replaces a task whose container stopped: such a target must never be stopped by us. */
    public boolean swarmTask() {
        return swarmService.isPresent();
    }

    /**
     * A Postgres target backed up physically ({@code backup.postgres.mode=wal}: base backups, WAL
     * streamed in between, restorable to any moment) rather than dumped: decided here, from its labels,
     * for every part that treats the two apart (run, stream, restore, drill, recovery, API).
     */
    public boolean walMode() {
        return "postgres".equals(strategy) && option(WAL_MODE_LABEL).orElse("dump").equals("wal");
    }

    /** The label (under the prefix) that puts a Postgres target in wal mode; postgres/WalMode checks its values. */
    public static final String WAL_MODE_LABEL = "postgres.mode";

    public boolean running() {
        return "running".equals(state);
    }

    public Optional<String> option(String key) {
        return Optional.ofNullable(options.get(key)).map(String::strip).filter(v -> !v.isEmpty());
    }

    /** The same target with one label value set, e.g. a restore's safety dump of one database only. */
    public Target withOption(String key, String value) {
        var changed = new java.util.HashMap<>(options);
        changed.put(key, value);
        return new Target(name, containerId, containerName, plan, strategy, state, timeout, maxDowntime, changed,
                problems, swarmService);
    }

    /** The same target in another container: a Swarm task's, its service scaled to 0 and back. */
    public Target inContainer(String id) {
        return new Target(name, id, containerName, plan, strategy, state, timeout, maxDowntime, options, problems,
                swarmService);
    }

    /**
     * The same target's settings in a container the sidecar made beside it (a server restored into a
     * new container): not a Swarm task, whatever the live one is.
     */
    public Target inOwnContainer(String id) {
        return new Target(name, id, containerName, plan, strategy, state, timeout, maxDowntime, options, problems,
                Optional.empty());
    }

    public Target renamed(String newName) {
        return new Target(newName, containerId, containerName, plan, strategy, state, timeout, maxDowntime, options,
                problems, swarmService);
    }
}
