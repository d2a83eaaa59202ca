package org.backrestsidecar.api;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import org.backrestsidecar.access.Needs;
import org.backrestsidecar.config.Role;
import org.backrestsidecar.offsite.CopyState;
import org.backrestsidecar.offsite.Copies;

/** The repos' offsite copies: their state, and a copy brought up to date now. */
@Path("/api/repos")
@Produces(MediaType.APPLICATION_JSON)
public class CopiesResource {
    private final Copies copies;

    public CopiesResource(Copies copies) {
        this.copies = copies;
    }

    @GET
    @Path("copies")
    public List<CopyState> all() {
        return copies.states();
    }

    /**
     * An append-only copy's retention, as the shell script its owner runs where the copy lives (the
     * sidecar never deletes there); 404 for a copy the sidecar keeps the tiers of itself.
     */
    @GET
    @Path("{repo}/copies/{copy}/retention")
    @Produces(MediaType.TEXT_PLAIN)
    public String retention(@PathParam("repo") String repo, @PathParam("copy") String copy) {
        return copies.retentionScript(repo, copy);
    }

    /** 202: queued (or already queued); GET /api/repos/copies shows when it has ended. */
    @POST
    @Path("{repo}/copies/{copy}/runs")
    @Needs(Role.OPERATOR)
    public Response copy(@PathParam("repo") String repo, @PathParam("copy") String copy) {
        return Response.accepted(copies.start(repo, copy)).build();
    }
}
