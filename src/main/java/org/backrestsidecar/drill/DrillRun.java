package org.backrestsidecar.drill;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.backrestsidecar.jobs.JobLife;
import org.backrestsidecar.progress.Progress;

/** One drill of one plan: every target's latest backup restored and checked. */
public final class DrillRun {
    /** The JSON view. */
    public record Report(String id, String plan, String trigger, String target, Instant startedAt, Instant endedAt, String phase,
                         Boolean passed, List<DrillResult> results, String problem, Progress.View progress) {
    }

    private final String id;
    private final String plan;
    private final String trigger;
    /** The one target this run drills, or null for every target of the plan. */
    private final String only;
    private final JobLife life = new JobLife(JobLife.QUEUED);
    private final List<DrillResult> results = new ArrayList<>();
    private String problem;

    DrillRun(String id, String plan, String trigger, String only) {
        this.id = id;
        this.plan = plan;
        this.trigger = trigger;
        this.only = only;
    }

    /** Whether this run drills every target of its plan, not one it was asked for. */
    boolean whole() {
        return only == null;
    }

    /** Whether this run drills {@code target}: every target of the plan, or the one it was asked for. */
    boolean covers(org.backrestsidecar.discovery.Target target) {
        return only == null || only.equals(target.name());
    }

    /** A drill run the history held as under way: the sidecar stopped before it ended. */
    static Report interrupted(Report r) {
        return new Report(r.id(), r.plan(), r.trigger(), r.target(), r.startedAt(), r.startedAt(), "interrupted", false,
                r.results(), "the sidecar stopped during this drill (a restart or a crash): it did not finish", null);
    }

    public String id() {
        return id;
    }

    /** The target being drilled: the backup's files fetched into its throwaway. */
    Progress progress() {
        return life.progress();
    }

    void phase(String phase) {
        life.phase(phase);
    }

    synchronized void add(DrillResult result) {
        results.add(result);
    }

    /** Why the drill proved nothing as a whole (no target to drill, a broken run): never a pass. */
    synchronized void problem(String why) {
        problem = why;
    }

    void finish() {
        life.end("done");
    }

    public synchronized Report report() {
        boolean ended = life.ended();
        String why = problem != null || !ended || !results.isEmpty() ? problem
                : (only == null ? "no target of plan " + plan : "target " + only + " of plan " + plan + " was not")
                        + " found to drill: nothing was proven";
        return new Report(id, plan, trigger, only, life.madeAt(), life.endedAt(), life.phase(),
                !ended ? null : why == null && results.stream().allMatch(DrillResult::passed),
                List.copyOf(results), why, life.progressShown());
    }
}
