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
    private final org.backrestsidecar.discovery.Discovery discovery;
    private final WindowResource windows;

    public StatusResource(PlansResource plans, SidecarConfig config, org.backrestsidecar.discovery.Discovery discovery,
                          WindowResource windows) {
        this.plans = plans;
        this.config = config;
        this.discovery = discovery;
        this.windows = windows;
    }

    @GET
    @Produces(MediaType.TEXT_PLAIN)
    public String table() {
        java.util.List<WindowResource.WindowView> wal = new java.util.ArrayList<>();
        for (var t : discovery.targets()) {
            if (t.usable() && org.backrestsidecar.wal.WalMode.of(t)) {
                try {
                    wal.add(windows.window(t.name()));
                } catch (RuntimeException e) {
                    wal.add(new WindowResource.WindowView(t.name(), null, null, java.util.List.of(), null));
                }
            }
        }
        return StatusTable.render(plans.list(), wal, Instant.now(), config.timeZone());
    }
}
