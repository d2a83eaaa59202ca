package org.backrestsidecar.api;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.backrestsidecar.access.Needs;
import org.backrestsidecar.config.Role;
import org.backrestsidecar.prune.Prunes;

/** {@code restic prune} of the repos: the latest results, and a prune of one repo now. */
@Path("/api/repos")
@Produces(MediaType.APPLICATION_JSON)
public class PrunesResource {
    private final Prunes prunes;

    public PrunesResource(Prunes prunes) {
        this.prunes = prunes;
    }

    @GET
    @Path("prunes")
    public List<Prunes.Result> latest() {
        return prunes.latest();
    }

    /** Prunes the repo and its copies now (after a run or restore of it has ended); their results. */
    @POST
    @Path("{repo}/prunes")
    @Needs(Role.OPERATOR)
    public List<Prunes.Result> prune(@PathParam("repo") String repo) throws InterruptedException {
        return prunes.prune(repo);
    }
}
