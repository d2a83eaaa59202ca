package org.backrestsidecar.api;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import org.backrestsidecar.access.Caller;

/**
 * Who the API takes the caller for, and their role: the page shows a viewer no buttons (the API
 * refuses them anyway, with 403).
 */
@Path("/api/me")
@Produces(MediaType.APPLICATION_JSON)
public class MeResource {
    /** @param timeZone the plans' zone: the page shows every time in it, and says so */
    public record Me(String who, String role, String timeZone) {
    }

    private final org.backrestsidecar.config.SidecarConfig config;

    public MeResource(org.backrestsidecar.config.SidecarConfig config) {
        this.config = config;
    }

    @GET
    public Me get(@Context ContainerRequestContext context) {
        Caller caller = Callers.of(context);
        return new Me(caller.who(), caller.role() == null ? null : caller.role().id(), config.timeZone().getId());
    }
}
