package org.backrestsidecar.run;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.backrestsidecar.history.Histories;
import org.backrestsidecar.history.History;

/**
 * The runs the API can show (the newest 500) and, per plan, the running one and when it last
 * succeeded. Runs are kept in the state folder's history, so a restart shows them all again; at
 * start-up the last success is also seeded from the repo's snapshots, so a restart of the sidecar does
 * not make a plan look stale or fresh.
 */
@ApplicationScoped
public class RunRegistry {
    private static final int KEEP = History.KEEP;
    private final Map<String, PlanRun> runs = Collections.synchronizedMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, PlanRun> eldest) {
            return size() > KEEP;
        }
    });
    private final Map<String, PlanRun> active = new ConcurrentHashMap<>();
    private final Map<String, Instant> lastSuccess = new ConcurrentHashMap<>();
    private final Map<String, PlanRun> lastFinished = new ConcurrentHashMap<>();
    private final History<RunReport> history;

    public RunRegistry(Histories histories) {
        history = histories.open("runs", RunReport.class, RunReport::id, RunReport::queuedAt);
        for (RunReport saved : history.readBack(r -> r.endedAt() != null, r -> PlanRun.restored(r).report())) {
            PlanRun run = PlanRun.restored(saved);
            runs.put(run.id(), run);
            lastFinished.put(run.plan(), run);
            if (run.succeeded() && run.trigger() != PlanRun.Trigger.RECOVERY) {
                seedLastSuccess(run.plan(), saved.endedAt());
            }
        }
    }

    /** Registers a new run, or refuses when the plan already has one that has not finished. */
    PlanRun open(String id, String plan, String repo, PlanRun.Trigger trigger) throws PlanBusyException {
        PlanRun run = new PlanRun(id, plan, repo, trigger);
        PlanRun existing = active.putIfAbsent(plan, run);
        if (existing != null) {
            throw new PlanBusyException(plan, existing.id());
        }
        runs.put(id, run);
        history.put(run.report());
        return run;
    }

    void close(PlanRun run) {
        active.remove(run.plan(), run);
        lastFinished.put(run.plan(), run);
        history.put(run.report());
        if (run.succeeded() && run.trigger() != PlanRun.Trigger.RECOVERY) {
            run.endedAt().ifPresent(t -> lastSuccess.merge(run.plan(), t, (a, b) -> a.isAfter(b) ? a : b));
        }
    }

    /**
     * Records what crash recovery put back as a finished RECOVERY run of the plan, so that the API
     * shows it; it never counts as a backup.
     */
    /** What a start-up put back after a crash, as a RECOVERY run of each plan (GET /api/runs). */
    void crashRecovered(@jakarta.enterprise.event.Observes org.backrestsidecar.quiesce.CrashRecovery.Recovered recovered) {
        recovered.byPlan().forEach((plan, putBack) -> recordRecovery(plan, putBack.stream()
                .map(p -> TargetResult.action(p.container(), "recovery", p.succeeded(), p.message())).toList()));
    }

    public void recordRecovery(String plan, List<TargetResult> results) {
        PlanRun run = new PlanRun(UUID.randomUUID().toString(), plan, "", PlanRun.Trigger.RECOVERY);
        run.phase("resuming containers left paused or stopped");
        results.forEach(run::add);
        run.finish();
        runs.put(run.id(), run);
        history.put(run.report());
        lastFinished.putIfAbsent(plan, run);
    }

    void seedLastSuccess(String plan, Instant time) {
        lastSuccess.merge(plan, time, (a, b) -> a.isAfter(b) ? a : b);
    }

    public Optional<PlanRun> get(String id) {
        return Optional.ofNullable(runs.get(id));
    }

    /** Newest first; {@code plan} null means every plan. */
    public List<PlanRun> list(String plan) {
        List<PlanRun> out;
        synchronized (runs) {
            out = new ArrayList<>(runs.values());
        }
        Collections.reverse(out);
        return plan == null ? out : out.stream().filter(r -> r.plan().equals(plan)).toList();
    }

    /** A target's outcome in the last finished run of its plan that had it, and when that run ended. */
    public record LastResult(TargetResult result, Instant at) {
    }

    public Optional<LastResult> lastResultOf(String plan, String target) {
        for (PlanRun run : list(plan)) {
            Optional<TargetResult> mine = run.targets().stream().filter(t -> t.target().equals(target)).findFirst();
            if (run.finished() && mine.isPresent() && run.trigger() != PlanRun.Trigger.RECOVERY) {
                return Optional.of(new LastResult(mine.get(), run.endedAt().orElseThrow()));
            }
        }
        return Optional.empty();
    }

    /**
     * The newest finished run of the plan (a recovery's record aside) that stored a backup of
     * {@code target} in full: the target succeeded, which it does only once its facts are stored too.
     */
    public Optional<PlanRun> lastBackedUp(String plan, String target) {
        return list(plan).stream().filter(PlanRun::finished).filter(r -> r.trigger() != PlanRun.Trigger.RECOVERY)
                .filter(r -> r.targets().stream().anyMatch(t -> t.target().equals(target) && t.succeeded()
                        && !t.snapshots().isEmpty()))
                .findFirst();
    }

    /** What restic read for a target in its plan's last run that backed it up, if one is remembered. */
    public OptionalLong previousBytes(String plan, String target) {
        return list(plan).stream().filter(PlanRun::finished)
                .flatMap(r -> r.targets().stream())
                .filter(t -> t.target().equals(target) && t.succeeded() && t.bytesRead() > 0)
                .mapToLong(TargetResult::bytesRead).findFirst();
    }

    /** What restic read for a target in one run, if the run is remembered and backed it up. */
    public OptionalLong bytesRead(String runId, String target) {
        return get(runId).stream().flatMap(r -> r.targets().stream())
                .filter(t -> t.target().equals(target) && t.bytesRead() > 0).mapToLong(TargetResult::bytesRead).findFirst();
    }

    public Optional<PlanRun> running(String plan) {
        return Optional.ofNullable(active.get(plan));
    }

    public Optional<PlanRun> lastFinished(String plan) {
        return Optional.ofNullable(lastFinished.get(plan));
    }

    public Optional<Instant> lastSuccess(String plan) {
        return Optional.ofNullable(lastSuccess.get(plan));
    }
}
