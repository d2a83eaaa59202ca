package org.backrestsidecar.api;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import org.backrestsidecar.access.ApiError;
import org.backrestsidecar.access.Needs;
import org.backrestsidecar.config.Role;
import org.backrestsidecar.config.SidecarConfig;
import org.backrestsidecar.docker.SwarmServices;
import org.backrestsidecar.volumes.SelfMounts;

/**
 * A service of this sidecar's own stack scaled, asked of a sidecar on a manager (the repos task) by
 * a node's sidecar that restores a target of it: {@code POST /api/swarm/services/{service}/replicas}
 * {@code {"replicas": 0}}. Only a replicated service of the stack the sidecar itself runs in, whose
 * containers carry the backup enable label (docs/swarm.md "Restoring in a swarm").
 */
@Path("/api/swarm/services")
@Produces(MediaType.APPLICATION_JSON)
public class SwarmServicesResource {
    /** The replicas asked for. */
    public record Replicas(int replicas) {
    }

    /** What was done: the replicas before (-1 when only asked) and now. */
    public record Scaled(String service, int before, int now) {
    }

    private final SwarmServices services;
    private final SelfMounts self;
    private final SidecarConfig config;

    public SwarmServicesResource(SwarmServices services, SelfMounts self, SidecarConfig config) {
        this.services = services;
        this.self = self;
        this.config = config;
    }

    @GET
    @Path("{service}")
    @Needs(Role.ADMIN)
    public Response replicas(@PathParam("service") String service) {
        try {
            return Response.ok(new Scaled(service, -1, services.replicas(service, stack(), enableLabel()))).build();
        } catch (IOException e) {
            return ApiError.response(Response.Status.BAD_GATEWAY, e.getMessage());
        }
    }

    @POST
    @Path("{service}/replicas")
    @Consumes(MediaType.APPLICATION_JSON)
    @Needs(Role.ADMIN)
    public Response scale(@PathParam("service") String service, Replicas body) {
        if (body == null || body.replicas() < 0 || body.replicas() > 100) {
            throw new SwarmServices.Refused("replicas must be a number from 0 to 100");
        }
        try {
            int before = services.setReplicas(service, body.replicas(), stack(), enableLabel());
            return Response.ok(new Scaled(service, before, body.replicas())).build();
        } catch (IOException e) {
            // the engine's own answer (not a manager, the update refused) is the caller's to read
            return ApiError.response(Response.Status.BAD_GATEWAY, e.getMessage());
        }
    }

    /** The stack this sidecar runs in, from its own task's labels. */
    private String stack() {
        return self.self().map(me -> me.getConfig().getLabels())
                .map(labels -> labels.get(SwarmServices.STACK_LABEL))
                .orElseThrow(() -> new SwarmServices.Refused("this sidecar is not a task of a Swarm stack: it scales "
                        + "no service"));
    }

    private String enableLabel() {
        return config.labelPrefix() + ".enable";
    }
}
