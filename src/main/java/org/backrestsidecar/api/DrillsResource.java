package org.backrestsidecar.api;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.NoSuchElementException;
import org.backrestsidecar.drill.DrillJournal;
import org.backrestsidecar.drill.DrillResult;
import org.backrestsidecar.drill.DrillRun;
import org.backrestsidecar.drill.DrillRunner;

/** Restore drills: each target's latest, and a drill run followed by id (started at /api/plans/{id}/drills). */
@Path("/api/drills")
@Produces(MediaType.APPLICATION_JSON)
public class DrillsResource {
    private final DrillRunner drills;
    private final DrillJournal journal;

    public DrillsResource(DrillRunner drills, DrillJournal journal) {
        this.drills = drills;
        this.journal = journal;
    }

    /** Every target's latest drill. */
    @GET
    public List<DrillResult> latest() {
        return journal.latest();
    }

    /** The drill runs of late (as many as are kept), newest first, those under way with their progress. */
    @GET
    @Path("runs")
    public List<DrillRun.Report> runs() {
        return drills.list();
    }

    @GET
    @Path("runs/{id}")
    public DrillRun.Report run(@PathParam("id") String id) {
        return drills.report(id).orElseThrow(() -> new NoSuchElementException("no drill run " + id));
    }
}
