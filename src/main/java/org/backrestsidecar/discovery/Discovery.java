package org.backrestsidecar.discovery;

import org.backrestsidecar.jobs.Daemons;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventType;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.backrestsidecar.config.PlanConfig;
import org.backrestsidecar.config.SidecarConfig;
import org.backrestsidecar.strategy.Strategies;
import org.jboss.logging.Logger;

/**
 * Finds the labelled containers and keeps the list current by following Docker's container events,
 * so a container started after the sidecar is a target without a restart.
 */
@ApplicationScoped
public class Discovery {
    private static final Logger LOG = Logger.getLogger(Discovery.class);
    private static final long RECONNECT_MILLIS = 5000;

    private final DockerClient docker;
    private final SidecarConfig config;
    private final TargetLabels labels;
    private volatile List<Target> targets = List.of();
    private volatile boolean stopping;
    private volatile ResultCallback.Adapter<Event> events;

    public Discovery(DockerClient docker, SidecarConfig config, Strategies strategies) {
        this.docker = docker;
        this.config = config;
        this.labels = new TargetLabels(config.labelPrefix(),
                config.plans().stream().map(PlanConfig::id).collect(Collectors.toSet()), strategies);
    }

    void start(@Observes StartupEvent ignored) {
        try {
            refresh();
        } catch (RuntimeException e) {
            LOG.errorf("cannot list containers yet (%s); will retry on the event stream", e.getMessage());
        }
        Daemons.start("docker-events", this::follow);
    }

    void stop(@Observes ShutdownEvent ignored) {
        stopping = true;
        ResultCallback.Adapter<Event> current = events;
        if (current != null) {
            try {
                current.close();
            } catch (Exception e) {
                // shutting down
            }
        }
    }

    public List<Target> targets() {
        return targets;
    }

    public List<Target> targetsOf(String plan) {
        return targets.stream().filter(t -> t.plan().equals(plan)).toList();
    }

    public Optional<Target> target(String name) {
        return targets.stream().filter(t -> t.name().equals(name)).findFirst();
    }

    /** Lists every container that carries the enable label (any value, so a wrong value is reported). */
    public synchronized List<Target> refresh() {
        long start = System.nanoTime();
        var list = docker.listContainersCmd().withShowAll(true)
                .withLabelFilter(List.of(config.labelPrefix() + ".enable"));
        List<Target> found = new ArrayList<>();
        for (Container c : list.exec()) {
            Map<String, String> l = c.getLabels() == null ? Map.of() : c.getLabels();
            if ("false".equals(l.get(config.labelPrefix() + ".enable"))) {
                continue;
            }
            if (config.composeProject().isPresent()
                    && !config.composeProject().equals(TargetLabels.project(l))) {
                continue;
            }
            // Swarm keeps the containers of tasks it ended (its task history): the task that runs is the target
            if (l.containsKey("com.docker.swarm.task.id") && !"running".equals(c.getState())
                    && !"paused".equals(c.getState())) {
                continue;
            }
            String name = c.getNames() == null || c.getNames().length == 0 ? c.getId() : c.getNames()[0];
            found.add(labels.parse(c.getId(), name, c.getImage(), c.getState(), l));
        }
        targets = uniqueNames(found);
        // bench/scale.sh reads this line (DEBUG for this category)
        LOG.debugf("discovery: %d targets in %d ms", targets.size(), (System.nanoTime() - start) / 1_000_000);
        return targets;
    }

    /**
     * Two containers of one service (replicas, or two Compose projects) would share snapshot tags;
     * those fall back to their container names, which Docker keeps unique.
     */
    static List<Target> uniqueNames(List<Target> found) {
        Map<String, Integer> count = new HashMap<>();
        found.forEach(t -> count.merge(t.name(), 1, Integer::sum));
        return found.stream()
                .map(t -> count.get(t.name()) > 1 ? t.renamed(t.containerName()) : t)
                .sorted((a, b) -> a.name().compareTo(b.name()))
                .toList();
    }

    private void follow() {
        while (!stopping) {
            ResultCallback.Adapter<Event> callback = new ResultCallback.Adapter<>() {
                @Override
                public void onNext(Event event) {
                    rescan();
                }
            };
            events = callback;
            try {
                docker.eventsCmd().withEventTypeFilter(EventType.CONTAINER).exec(callback);
                rescan();
                callback.awaitCompletion();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                if (!stopping) {
                    LOG.warnf("Docker event stream ended (%s); reconnecting", e.getMessage());
                }
            }
            try {
                Thread.sleep(RECONNECT_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void rescan() {
        try {
            refresh();
        } catch (RuntimeException e) {
            LOG.warnf("cannot list containers: %s", e.getMessage());
        }
    }
}
