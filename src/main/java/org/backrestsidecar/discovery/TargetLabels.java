package org.backrestsidecar.discovery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.backrestsidecar.config.DurationText;
import org.backrestsidecar.strategy.ExecHooks;
import org.backrestsidecar.strategy.Strategies;

/**
 * Turns one container's labels into a {@link Target}. Every label that cannot be honoured becomes a
 * problem on that target, written so the operator knows which label to fix and how.
 */
public final class TargetLabels {
    public static final String COMPOSE_SERVICE = "com.docker.compose.service";
    /** Set by Swarm on every task's container; `docker stack deploy` names the service stack_service. */
    public static final String SWARM_SERVICE = "com.docker.swarm.service.name";
    public static final String STACK_NAMESPACE = "com.docker.stack.namespace";
    public static final String DEFAULT_PLAN = "critical";
    public static final Duration DEFAULT_TIMEOUT = Duration.ofHours(1);
    public static final Duration DEFAULT_MAX_DOWNTIME = Duration.ofMinutes(5);
    /** Keys every target may carry, whatever its strategy. */
    /**
     * {@code true}: the target's drill starts its app on the restored data (drill/AppStart). Only
     * for the kinds whose files are restored as they were (a database's dump is loaded into a server).
     */
    public static final String DRILL_START_APP = "drill.start-app";
    static final Set<String> APP_KINDS = Set.of("volume", "pause", "stop", "sqlite");
    static final Set<String> COMMON_KEYS = Set.of("enable", "plan", "strategy", "timeout", "max-downtime",
            "stop.after", DRILL_START_APP, ExecHooks.PRE, ExecHooks.POST, ExecHooks.ON_ERROR);

    private final String prefix;
    private final Set<String> plans;
    private final Strategies strategies;

    public TargetLabels(String prefix, Set<String> plans, Strategies strategies) {
        this.prefix = prefix + ".";
        this.plans = Set.copyOf(plans);
        this.strategies = strategies;
    }

    public Target parse(String containerId, String containerName, String image, String state,
                        Map<String, String> labels) {
        Map<String, String> options = new LinkedHashMap<>();
        labels.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                options.put(k.substring(prefix.length()), v == null ? "" : v.strip());
            }
        });
        List<String> problems = new ArrayList<>();
        String enable = options.getOrDefault("enable", "");
        if (!enable.equals("true")) {
            problems.add(label("enable") + "='" + enable + "': write true (or false to leave the container out)");
        }

        String plan = options.getOrDefault("plan", DEFAULT_PLAN);
        if (!plans.contains(plan)) {
            problems.add(label("plan") + "='" + plan + "': no such plan (known: " + known(plans) + ")");
        }

        String strategy = options.getOrDefault("strategy", "");
        Set<String> allowed = new TreeSet<>(COMMON_KEYS);
        if (strategy.isEmpty()) {
            var guess = StrategyGuess.fromImage(image);
            if (guess.isPresent()) {
                strategy = guess.get().strategy();
                guess.get().options().forEach(options::putIfAbsent);
            } else {
                problems.add(label("strategy") + " is missing and image " + image + " is a database the sidecar "
                        + "cannot dump: set " + prefix + "strategy=stop to copy its files while it is stopped");
            }
        }
        if (!strategy.isEmpty() && strategies.named(strategy).isEmpty()) {
            problems.add(label("strategy") + "='" + strategy + "': no such strategy (known: "
                    + known(strategies.names()) + ")");
        } else if (!strategy.isEmpty()) {
            var chosen = strategies.named(strategy).get();
            allowed.addAll(chosen.optionKeys());
            chosen.check(options).forEach(p -> problems.add("label " + prefix + p));
        }
        for (String key : options.keySet()) {
            if (!allowed.contains(key)) {
                problems.add(label(key) + " is not a label the sidecar knows" + (strategy.isEmpty() ? "" :
                        " for strategy " + strategy) + " (known: " + known(allowed) + ")");
            }
        }

        ExecHooks.check(options).forEach(p -> problems.add("label " + prefix + p));
        String startApp = options.get(DRILL_START_APP);
        if (startApp != null && !startApp.equals("true") && !startApp.equals("false")) {
            problems.add(label(DRILL_START_APP) + "='" + startApp + "': write true or false");
        } else if ("true".equals(startApp) && !strategy.isEmpty() && !APP_KINDS.contains(strategy)) {
            problems.add(label(DRILL_START_APP) + "=true: only a target whose files are restored as they were ("
                    + known(APP_KINDS) + ") can have its app started in a drill, not strategy " + strategy);
        }
        Duration timeout = duration(options, "timeout", DEFAULT_TIMEOUT, problems);
        Duration maxDowntime = duration(options, "max-downtime", DEFAULT_MAX_DOWNTIME, problems);
        Optional<String> swarmService = Optional.ofNullable(labels.get(SWARM_SERVICE)).filter(s -> !s.isBlank());
        String name = swarmService.map(s -> serviceInStack(s, labels.get(STACK_NAMESPACE)))
                .orElseGet(() -> stripSlash(labels.getOrDefault(COMPOSE_SERVICE, containerName)));
        if (name.isBlank()) {
            name = stripSlash(containerName);
        }
        return new Target(name, containerId, stripSlash(containerName), plan, strategy, state, timeout, maxDowntime,
                options, problems, swarmService);
    }

    /**
     * The service's name as the stack file writes it: a target keeps its name, and so its snapshots,
     * when the stack moves from Compose to Swarm, and whichever node runs it.
     */
    static String serviceInStack(String service, String namespace) {
        if (namespace != null && !namespace.isEmpty() && service.startsWith(namespace + "_")
                && service.length() > namespace.length() + 1) {
            return service.substring(namespace.length() + 1);
        }
        return service;
    }

    /** The Compose project or the Swarm stack the container belongs to (composeProject matches either). */
    public static Optional<String> project(Map<String, String> labels) {
        return Optional.ofNullable(labels.getOrDefault("com.docker.compose.project", labels.get(STACK_NAMESPACE)));
    }

    private Duration duration(Map<String, String> options, String key, Duration fallback, List<String> problems) {
        if (!options.containsKey(key)) {
            return fallback;
        }
        try {
            return DurationText.parse(options.get(key));
        } catch (IllegalArgumentException e) {
            problems.add(label(key) + ": " + e.getMessage());
            return fallback;
        }
    }

    private String label(String key) {
        return "label " + prefix + key;
    }

    private static String known(Set<String> names) {
        return String.join(", ", new TreeSet<>(names));
    }

    private static String stripSlash(String name) {
        return name != null && name.startsWith("/") ? name.substring(1) : name == null ? "" : name;
    }
}
