package org.backrestsidecar.api;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.NoSuchElementException;
import org.backrestsidecar.config.SidecarConfig;
import org.backrestsidecar.run.PlanRun;
import org.backrestsidecar.run.RunRegistry;
import org.backrestsidecar.run.RunReport;

@Path("/api/runs")
@Produces(MediaType.APPLICATION_JSON)
public class RunsResource {
    private final RunRegistry runs;
    private final SidecarConfig config;

    public RunsResource(RunRegistry runs, SidecarConfig config) {
        this.runs = runs;
        this.config = config;
    }

    /** Newest first, optionally of one plan. */
    @GET
    public List<RunReport> list(@QueryParam("plan") String plan) {
        if (plan != null) {
            config.requirePlan(plan);
        }
        return runs.list(plan).stream().map(PlanRun::report).toList();
    }

    @GET
    @Path("{id}")
    public RunReport get(@PathParam("id") String id) {
        return runs.get(id).map(PlanRun::report).orElseThrow(() -> new NoSuchElementException("no run " + id));
    }
}
