package org.backrestsidecar.api;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import org.backrestsidecar.config.SidecarConfig;
import org.backrestsidecar.nodes.AllNodes;

/**
 * The plans as a table for people ({@code backrest-management.sh status}); machines read /api/plans. In a
 * swarm, every node's (NodesTable).
 */
@Path("/api/status")
public class StatusResource {
    private final PlansResource plans;
    private final SidecarConfig config;
    private final org.backrestsidecar.discovery.Discovery discovery;
    private final WindowResource windows;
    private final NodesResource nodes;
    private final AllNodes swarm;

    public StatusResource(PlansResource plans, SidecarConfig config, org.backrestsidecar.discovery.Discovery discovery,
                          WindowResource windows, NodesResource nodes, AllNodes swarm) {
        this.nodes = nodes;
        this.swarm = swarm;
        this.plans = plans;
        this.config = config;
        this.discovery = discovery;
        this.windows = windows;
    }

    @GET
    @Produces(MediaType.TEXT_PLAIN)
    public String table(@jakarta.ws.rs.core.Context jakarta.ws.rs.core.HttpHeaders headers,
                        @jakarta.ws.rs.core.Context jakarta.ws.rs.container.ContainerRequestContext request) {
        if (swarm.inSwarm()) {
            return NodesTable.render(nodes.gather(headers, request), Instant.now(), config.timeZone());
        }
        java.util.List<WindowResource.WindowView> wal = new java.util.ArrayList<>();
        for (var t : discovery.targets()) {
            if (t.usable() && t.walMode()) {
                try {
                    wal.add(windows.window(t.name()));
                } catch (RuntimeException e) {
                    wal.add(WindowResource.WindowView.unread(t.name()));
                }
            }
        }
        return StatusTable.render(plans.list(), wal, Instant.now(), config.timeZone());
    }
}
