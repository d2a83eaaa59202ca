package org.backrestsidecar.api;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import org.backrestsidecar.access.Needs;
import org.backrestsidecar.config.Role;
import org.backrestsidecar.recovery.Holdings;
import org.backrestsidecar.recovery.Recovery;
import org.backrestsidecar.recovery.RecoveryJob;
import org.backrestsidecar.recovery.RecoveryRecord;
import org.backrestsidecar.recovery.RecoveryText;
import org.backrestsidecar.recovery.SwarmRecovery;

/**
 * Recovery onto a new host from an offsite copy (docs/offsite.md): what the copy holds, the copy
 * brought back into the repos, every target restored. Both steps answer 202 and are followed by id.
 * In a swarm the sidecar asked recovers the whole swarm (docs/swarm.md): the repos task pulls, every
 * node restores what runs on it ({@code ?thisNode=true}: a node's own part).
 */
@Path("/api/recovery")
@Produces(MediaType.APPLICATION_JSON)
public class RecoveryResource {
    private final Recovery recovery;
    private final SwarmRecovery swarm;

    public RecoveryResource(Recovery recovery, SwarmRecovery swarm) {
        this.recovery = recovery;
        this.swarm = swarm;
    }

    /** @param confirm the copy's id; @param skip targets an earlier attempt restored already */
    public record RestoreAll(String confirm, List<String> skip) {
    }

    @GET
    @Path("{copy}")
    public Holdings holdings(@PathParam("copy") String copy) {
        return recovery.holdings(copy);
    }

    /** The same for a person at a terminal. */
    @GET
    @Path("{copy}/text")
    @Produces(MediaType.TEXT_PLAIN)
    public String holdingsText(@PathParam("copy") String copy) {
        return RecoveryText.holdings(recovery.holdings(copy), java.time.Instant.now());
    }

    /** The targets the copy holds a backup of, for the management script: "TARGET PLAN" a line. */
    @GET
    @Path("{copy}/held")
    @Produces(MediaType.TEXT_PLAIN)
    public String held(@PathParam("copy") String copy) {
        return RecoveryText.held(recovery.holdings(copy));
    }

    /**
     * The management script's record of a recovery across its attempts ({@code .recovery/<copy>.done}
     * on the host), its lines as written ({@link RecoveryRecord}).
     */
    public record Record(List<String> lines) {
        RecoveryRecord read() {
            return RecoveryRecord.parse(lines == null ? List.of() : lines);
        }
    }

    /**
     * The drills the recovery owes that have not passed yet, what the script runs next: {@code PLAN}
     * a line, in a swarm {@code PLAN NODE} (the node that restored the plan's target drills it).
     */
    @POST
    @Path("{copy}/drills-owed")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.TEXT_PLAIN)
    @Needs(Role.VIEWER)
    public String drillsOwed(@PathParam("copy") String copy, Record record) {
        Map<String, String> held = RecoveryRecord.held(recovery.holdings(copy));
        StringBuilder out = new StringBuilder();
        for (RecoveryRecord.Done d : record(record).drillsToRun(held, swarm.coordinates())) {
            out.append(d.name()).append(d.node() == null ? "" : " " + d.node()).append('\n');
        }
        return out.toString();
    }

    /** The recovery's verdict, one line: RECOVERED only when the record and what the copy holds say so. */
    @POST
    @Path("{copy}/verdict")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.TEXT_PLAIN)
    @Needs(Role.VIEWER)
    public String verdict(@PathParam("copy") String copy, Record record) {
        Holdings holdings = recovery.holdings(copy);
        return record(record).verdict(RecoveryRecord.held(holdings), RecoveryRecord.unreadable(holdings),
                swarm.coordinates()) + "\n";
    }

    private static RecoveryRecord record(Record record) {
        return record == null ? RecoveryRecord.parse(List.of()) : record.read();
    }

    /** Adds to the repos only what they lack: safe to repeat, and needs no confirmation. */
    @POST
    @Path("{copy}/pulls")
    @Needs(Role.ADMIN)
    public Response pull(@PathParam("copy") String copy, @Context HttpHeaders headers,
                         @Context ContainerRequestContext context) {
        RecoveryJob job = swarm.coordinates() ? swarm.pull(copy, Callers.forwardable(headers, context))
                : recovery.pull(copy);
        return Response.accepted(job.report()).build();
    }

    @POST
    @Path("{copy}/restores")
    @Consumes(MediaType.APPLICATION_JSON)
    @Needs(Role.ADMIN)
    public Response restoreAll(@PathParam("copy") String copy, @QueryParam("thisNode") boolean thisNode,
                               RestoreAll request, @Context HttpHeaders headers,
                               @Context ContainerRequestContext context) {
        RestoreAll asked = request == null ? new RestoreAll(null, List.of()) : request;
        Set<String> skip = Set.copyOf(asked.skip() == null ? List.of() : asked.skip());
        RecoveryJob job = swarm.coordinates() && !thisNode
                ? swarm.restoreAll(copy, asked.confirm(), skip, Callers.forwardable(headers, context))
                : recovery.restoreAll(copy, asked.confirm(), skip,
                        "recovery from " + copy + " (" + Callers.of(context).who() + ")", thisNode);
        return Response.accepted(job.report()).build();
    }

    @GET
    @Path("jobs/{id}")
    public RecoveryJob.Report job(@PathParam("id") String id) {
        return recovery.job(id).map(RecoveryJob::report).orElseThrow(() -> new NoSuchElementException("no recovery job " + id));
    }

    /** One line per step, the outcome first; the last line is the job's state. */
    @GET
    @Path("jobs/{id}/text")
    @Produces(MediaType.TEXT_PLAIN)
    public String jobText(@PathParam("id") String id) {
        return RecoveryText.job(job(id));
    }

    /** What the job did to each target, for the management script's record: "restored|skipped TARGET [on NODE]". */
    @GET
    @Path("jobs/{id}/ledger")
    @Produces(MediaType.TEXT_PLAIN)
    public String jobLedger(@PathParam("id") String id) {
        return RecoveryText.ledger(job(id));
    }
}
