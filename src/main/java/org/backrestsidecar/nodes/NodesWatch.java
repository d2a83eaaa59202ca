package org.backrestsidecar.nodes;

import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.Scheduler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Map;
import org.backrestsidecar.access.Tokens;
import org.backrestsidecar.config.SidecarConfig;

/**
 * In a swarm, asks the other sidecars every {@link #EVERY} from start-up on, whether or not anyone
 * looks at the view: a node is only shown down by a sidecar that has seen it answer, so each must see
 * every node soon after the deploy. At the lookout's pace (a minute) a sidecar once went three minutes
 * without seeing a node that answered everyone else, and left it out when it was lost.
 */
@ApplicationScoped
public class NodesWatch {
    static final String EVERY = "15s";
    private final AllNodes nodes;
    private final SidecarConfig config;
    private final Tokens tokens;
    private final Scheduler scheduler;

    public NodesWatch(AllNodes nodes, SidecarConfig config, Tokens tokens, Scheduler scheduler) {
        this.nodes = nodes;
        this.config = config;
        this.tokens = tokens;
        this.scheduler = scheduler;
    }

    void schedule(@Observes StartupEvent ignored) {
        if (!nodes.inSwarm()) {
            return;
        }
        scheduler.newJob("nodes-watch").setInterval(EVERY).setDelayed("2s")
                .setConcurrentExecution(Scheduled.ConcurrentExecution.SKIP)
                .setTask(e -> nodes.others(config.instance(), Map.of("Authorization", tokens.ownBearer()),
                        AllNodes.WATCH_WITHIN))
                .schedule();
    }
}
