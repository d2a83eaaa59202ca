package org.backrestsidecar.api;

import jakarta.ws.rs.GET;
import org.backrestsidecar.access.ApiError;
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

/**
 * {@code restic check} of the repos and their copies: the latest results (a copy's under {@code repo/copy}),
 * and a check of one repo or copy run now.
 */
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
        if (repo.contains("/")) {
            throw new java.util.NoSuchElementException("no repo " + repo + " (a copy: /api/repos/<repo>/copies/<copy>/checks)");
        }
        return checks.check(repo, data);
    }

    /**
     * A copy's check run now, with its own key; {@code data=true} reads back its next part. 400 for the
     * data check of a copy that says {@code readBack: false}.
     */
    @POST
    @Path("{repo}/copies/{copy}/checks")
    @Needs(Role.OPERATOR)
    public jakarta.ws.rs.core.Response checkCopy(@PathParam("repo") String repo, @PathParam("copy") String copy,
                                                 @QueryParam("data") boolean data) {
        String id = repo + "/" + copy;
        if (repo.contains("/") || copy.contains("/") || checks.checked(id).isEmpty()) {
            throw new java.util.NoSuchElementException("no copy " + copy + " of repo " + repo);
        }
        try {
            return jakarta.ws.rs.core.Response.ok(checks.check(id, data)).build();
        } catch (IllegalArgumentException e) {
            return ApiError.response(jakarta.ws.rs.core.Response.Status.BAD_REQUEST, e.getMessage());
        }
    }
}
