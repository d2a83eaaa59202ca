package org.backrestsidecar.drill;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.backrestsidecar.progress.Progress;

/** One drill of one plan: every target's latest backup restored and checked. */
public final class DrillRun {
    /** The JSON view. */
    public record Report(String id, String plan, String trigger, Instant startedAt, Instant endedAt, String phase,
                         Boolean passed, List<DrillResult> results, String problem, Progress.View progress) {
    }

    private final String id;
    private final String plan;
    private final String trigger;
    private final Instant startedAt = Instant.now();
    private final List<DrillResult> results = new ArrayList<>();
    private String phase = "queued";
    private Instant endedAt;
    private String problem;
    private final Progress progress = new Progress();

    DrillRun(String id, String plan, String trigger) {
        this.id = id;
        this.plan = plan;
        this.trigger = trigger;
    }

    /** A drill run the history held as under way: the sidecar stopped before it ended. */
    static Report interrupted(Report r) {
        return new Report(r.id(), r.plan(), r.trigger(), r.startedAt(), r.startedAt(), "interrupted", false,
                r.results(), "the sidecar stopped during this drill (a restart or a crash): it did not finish", null);
    }

    public String id() {
        return id;
    }

    /** The target being drilled: the backup's files fetched into its throwaway. */
    Progress progress() {
        return progress;
    }

    synchronized void phase(String phase) {
        this.phase = phase;
        progress.clear();
    }

    synchronized void add(DrillResult result) {
        results.add(result);
    }

    /** Why the drill proved nothing as a whole (no target to drill, a broken run): never a pass. */
    synchronized void problem(String why) {
        problem = why;
    }

    synchronized void finish() {
        phase = "done";
        endedAt = Instant.now();
    }

    public synchronized Report report() {
        String why = problem != null || endedAt == null || !results.isEmpty() ? problem
                : "no target of plan " + plan + " was found to drill: nothing was proven";
        return new Report(id, plan, trigger, startedAt, endedAt, phase,
                endedAt == null ? null : why == null && results.stream().allMatch(DrillResult::passed),
                List.copyOf(results), why, endedAt == null ? progress.view() : null);
    }
}
