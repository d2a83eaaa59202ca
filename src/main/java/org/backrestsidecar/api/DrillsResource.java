package org.backrestsidecar.api;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.List;
import java.util.NoSuchElementException;
import org.backrestsidecar.drill.DrillJournal;
import org.backrestsidecar.drill.DrillResult;
import org.backrestsidecar.drill.DrillRun;
import org.backrestsidecar.drill.DrillRunner;
import org.backrestsidecar.drill.RepoChecks;
import org.backrestsidecar.restore.TargetBusy;

/**
 * Restore drills and repo checks: each target's latest drill, a drill of a plan started now, a
 * drill run followed by id, and {@code restic check} of a repo run now.
 */
@Path("/api")
@Produces(MediaType.APPLICATION_JSON)
public class DrillsResource {
    private final DrillRunner drills;
    private final DrillJournal journal;
    private final RepoChecks checks;

    public DrillsResource(DrillRunner drills, DrillJournal journal, RepoChecks checks) {
        this.drills = drills;
        this.journal = journal;
        this.checks = checks;
    }

    /** Every target's latest drill. */
    @GET
    @Path("drills")
    public List<DrillResult> latest() {
        return journal.latest();
    }

    /** 202 with the drill run's id; 409 while this plan's drill runs. */
    @POST
    @Path("plans/{plan}/drills")
    public Response start(@PathParam("plan") String plan, @Context UriInfo uri) {
        DrillRun run = drills.start(plan, "MANUAL")
                .orElseThrow(() -> new TargetBusy("a drill of plan " + plan + " is running already"));
        var location = uri.getBaseUriBuilder().path("api/drills/runs").path(run.id()).build();
        return Response.accepted(run.report()).location(location).build();
    }

    @GET
    @Path("drills/runs/{id}")
    public DrillRun.Report run(@PathParam("id") String id) {
        return drills.get(id).map(DrillRun::report).orElseThrow(() -> new NoSuchElementException("no drill run " + id));
    }

    /** Latest {@code restic check} of every repo. */
    @GET
    @Path("checks")
    public List<RepoChecks.Result> checks() {
        return checks.latest();
    }

    /** Runs {@code restic check} of one repo now and answers with its result; {@code data=true} reads data back. */
    @POST
    @Path("repos/{repo}/checks")
    public RepoChecks.Result check(@PathParam("repo") String repo, @QueryParam("data") boolean data) {
        return checks.check(repo, data);
    }
}
