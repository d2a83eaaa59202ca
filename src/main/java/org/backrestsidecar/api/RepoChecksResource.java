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

    /**
     * Where each repo's read-back of its data stands: the part the next data check reads, the last
     * full read-back, when the next is due, and a failed part not yet read clean again.
     */
    @GET
    @Path("read-back")
    public List<ReadBackView> readBack() {
        java.time.Instant now = java.time.Instant.now();
        return checks.readBacks().stream().map(r -> {
            java.time.Instant due = checks.dataCheckInterval().map(r::due).orElse(null);
            return new ReadBackView(r.repo(), r.subset(), r.lastFull(), due, due != null && due.isBefore(now),
                    r.failed(), r.failure());
        }).toList();
    }

    /** {@link org.backrestsidecar.drill.ReadBack} as the page shows it. */
    public record ReadBackView(String repo, String next, java.time.Instant lastFull, java.time.Instant due,
                               boolean overdue, Integer failedPart, String failure) {
    }

    /** Runs the check now and answers with its result; {@code data=true} also reads data back. */
    @POST
    @Path("{repo}/checks")
    @Needs(Role.OPERATOR)
    public RepoChecks.Result check(@PathParam("repo") String repo, @QueryParam("data") boolean data) {
        return checks.check(repo, data);
    }
}
