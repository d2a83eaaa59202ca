package org.backrestsidecar.api;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import org.backrestsidecar.config.SidecarConfig;

/** The plans as a table for people ({@code backrest-management.sh status}); machines read /api/plans. */
@Path("/api/status")
public class StatusResource {
    private final PlansResource plans;
    private final SidecarConfig config;

    public StatusResource(PlansResource plans, SidecarConfig config) {
        this.plans = plans;
        this.config = config;
    }

    @GET
    @Produces(MediaType.TEXT_PLAIN)
    public String table() {
        return StatusTable.render(plans.list(), Instant.now(), config.timeZone());
    }
}
