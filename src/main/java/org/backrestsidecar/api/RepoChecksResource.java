package org.backrestsidecar.api;

import jakarta.ws.rs.GET;
import org.backrestsidecar.access.Needs;
import org.backrestsidecar.config.Role;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.backrestsidecar.drill.RepoChecks;

/** {@code restic check} of the repos: the latest results, and a check of one repo run now. */
@Path("/api/repos")
@Produces(MediaType.APPLICATION_JSON)
public class RepoChecksResource {
    private final RepoChecks checks;

    public RepoChecksResource(RepoChecks checks) {
        this.checks = checks;
    }

    @GET
    @Path("checks")
    public List<RepoChecks.Result> latest() {
        return checks.latest();
    }

    /** Runs the check now and answers with its result; {@code data=true} also reads data back. */
    @POST
    @Path("{repo}/checks")
    @Needs(Role.OPERATOR)
    public RepoChecks.Result check(@PathParam("repo") String repo, @QueryParam("data") boolean data) {
        return checks.check(repo, data);
    }
}
