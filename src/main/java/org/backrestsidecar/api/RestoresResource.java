package org.backrestsidecar.api;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.List;
import java.util.NoSuchElementException;
import org.backrestsidecar.access.Needs;
import org.backrestsidecar.config.Role;
import org.backrestsidecar.restic.ResticException;
import org.backrestsidecar.restore.RestoreJob;
import org.backrestsidecar.restore.RestoreRequest;
import org.backrestsidecar.restore.RestoreService;

/**
 * Restores: 202 with the restore's id and Location; 400 when the request cannot be carried out as
 * sent (no confirm, a field that does not fit the target); 404 for an unknown target or snapshot;
 * 409 while the target is being restored. A dry run answers 202 too, already finished.
 */
@Path("/api/restores")
@Produces(MediaType.APPLICATION_JSON)
public class RestoresResource {
    private final RestoreService restores;

    public RestoresResource(RestoreService restores) {
        this.restores = restores;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Needs(Role.ADMIN)
    public Response start(RestoreRequest request, @Context UriInfo uri, @Context ContainerRequestContext context)
            throws ResticException {
        RestoreJob job = restores.start(request, Callers.of(context).who());
        var location = uri.getBaseUriBuilder().path("api/restores").path(job.id()).build();
        return Response.accepted(job.report()).location(location).build();
    }

    @GET
    public List<RestoreJob.Report> list() {
        return restores.list();
    }

    @GET
    @Path("{id}")
    public RestoreJob.Report get(@PathParam("id") String id) {
        return restores.report(id).orElseThrow(() -> new NoSuchElementException("no restore " + id));
    }
}
