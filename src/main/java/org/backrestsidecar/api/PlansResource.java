package org.backrestsidecar.api;

import jakarta.ws.rs.GET;
import org.backrestsidecar.access.Needs;
import org.backrestsidecar.config.Role;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.core.Context;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.backrestsidecar.backrest.BackrestSync;
import org.backrestsidecar.config.PlanConfig;
import org.backrestsidecar.drill.DrillRun;
import org.backrestsidecar.drill.DrillRunner;
import org.backrestsidecar.restore.TargetBusy;
import org.backrestsidecar.config.Retention;
import org.backrestsidecar.config.SidecarConfig;
import org.backrestsidecar.health.Freshness;
import org.backrestsidecar.health.RepoReadiness;
import org.eclipse.microprofile.health.Readiness;
import org.backrestsidecar.run.PlanBusyException;
import org.backrestsidecar.run.PlanRun;
import org.backrestsidecar.run.PlanRunner;
import org.backrestsidecar.run.RunRegistry;
import org.backrestsidecar.run.RunReport;
import org.backrestsidecar.schedule.PlanScheduler;

@Path("/api/plans")
@Produces(MediaType.APPLICATION_JSON)
public class PlansResource {

    /**
     * @param scheduleWords the schedule as said in words ("daily at 02:00"), null for a cron it cannot word
     * @param restoreTime   the latest drills' restore times added up, held against {@code recoveryTimeObjective}
     *                      (drill/RecoveryTime); null before a drill measured one
     */
    public record PlanView(String id, String repo, String schedule, String scheduleWords, String timeZone, Instant nextRun,
                           Retention retention, List<String> paths, Duration recoveryPointObjective,
                           Instant lastSuccess, String runningRun, RunReport lastRun,
                           BackrestSync.Status backrestSync, String drillSchedule, Instant nextDrill,
                           String repoState, List<org.backrestsidecar.offsite.CopyState> copies,
                           String freshness, Long repoBytes, List<org.backrestsidecar.drill.DrillResult> lastDrills,
                           Duration recoveryTimeObjective, String restoreTime) {
    }

    public record RunStarted(String id, String plan, String location) {
    }

    private final SidecarConfig config;
    private final PlanScheduler scheduler;
    private final PlanRunner runner;
    private final RunRegistry runs;
    private final Freshness freshness;
    private final BackrestSync backrestSync;
    private final DrillRunner drills;
    private final RepoReadiness repos;
    private final org.backrestsidecar.offsite.Copies copies;
    private final org.backrestsidecar.metrics.BackupMetrics metrics;
    private final org.backrestsidecar.drill.DrillJournal journal;

    public PlansResource(SidecarConfig config, PlanScheduler scheduler, PlanRunner runner, RunRegistry runs,
                         Freshness freshness, BackrestSync backrestSync, DrillRunner drills,
                         @Readiness RepoReadiness repos, org.backrestsidecar.offsite.Copies copies,
                         org.backrestsidecar.metrics.BackupMetrics metrics, org.backrestsidecar.drill.DrillJournal journal) {
        this.metrics = metrics;
        this.journal = journal;
        this.copies = copies;
        this.repos = repos;
        this.drills = drills;
        this.backrestSync = backrestSync;
        this.config = config;
        this.scheduler = scheduler;
        this.runner = runner;
        this.runs = runs;
        this.freshness = freshness;
    }

    @GET
    public List<PlanView> list() {
        Map<String, String> repoStates = repos.states();
        return config.plans().stream().map(p -> view(p, repoStates)).toList();
    }

    @GET
    @Path("{id}")
    public PlanView get(@PathParam("id") String id) {
        return view(config.requirePlan(id), repos.states());
    }

    /** Starts a run now: 202 with the run's id, 409 while the plan runs, 404 for an unknown plan. */
    @POST
    @Path("{id}/runs")
    @Needs(Role.OPERATOR)
    public Response run(@PathParam("id") String id, @Context UriInfo uri) throws PlanBusyException {
        PlanRun run = runner.start(id, PlanRun.Trigger.MANUAL);
        var location = uri.getBaseUriBuilder().path("api/runs").path(run.id()).build();
        return Response.accepted(new RunStarted(run.id(), id, location.getPath())).location(location).build();
    }

    /**
     * Starts the plan's restore drill now: 202 with the drill run; 409 while one runs; {@code from}
     * drills from that offsite copy of the plan's repo (404 when it has none of that name);
     * {@code target} drills that one of the plan's targets only (404, naming those it has, when the
     * plan has no such target here).
     */
    @POST
    @Path("{id}/drills")
    @Needs(Role.OPERATOR)
    public Response drill(@PathParam("id") String id, @QueryParam("from") String from,
                          @QueryParam("target") String target, @Context UriInfo uri) {
        DrillRun run = drills.start(id, "MANUAL", Optional.ofNullable(from).filter(f -> !f.isBlank()),
                        Optional.ofNullable(target).filter(t -> !t.isBlank()))
                .orElseThrow(() -> new TargetBusy("a drill of plan " + id + " is running already"));
        var location = uri.getBaseUriBuilder().path("api/drills/runs").path(run.id()).build();
        return Response.accepted(run.report()).location(location).build();
    }

    private PlanView view(PlanConfig p, Map<String, String> repoStates) {
        return new PlanView(p.id(), p.repo(), p.schedule(),
                org.backrestsidecar.config.CronSchedule.words(p.schedule()).orElse(null), config.timeZone().getId(),
                scheduler.nextRun(p.id()).orElse(null), p.retention(),
                p.paths().stream().map(java.nio.file.Path::toString).toList(), freshness.objective(p),
                runs.lastSuccess(p.id()).orElse(null), runs.running(p.id()).map(PlanRun::id).orElse(null),
                runs.lastFinished(p.id()).map(PlanRun::report).orElse(null), backrestSync.status().orElse(null),
                config.drills().scheduleOf(p.id()).orElse(null),
                scheduler.drillSchedule(p.id()).flatMap(d -> d.nextAfter(Instant.now())).orElse(null),
                repoStates.get(p.repo()), copies.statesOf(p.repo()),
                freshness.staleness(p, Instant.now()).orElse("fresh"), metrics.repoSize(p.repo()).orElse(null),
                journal.latestOf(p.id()), p.recoveryTimeObjective(),
                org.backrestsidecar.drill.RecoveryTime.of(journal.latestOf(p.id()), p.recoveryTimeObjective())
                        .map(org.backrestsidecar.drill.RecoveryTime::said).orElse(null));
    }
}
