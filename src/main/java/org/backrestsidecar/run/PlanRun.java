package org.backrestsidecar.run;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.backrestsidecar.jobs.JobLife;
import org.backrestsidecar.progress.Progress;

/**
 * One run of one plan, as it goes: which phase it is in, each target's result, how it ended. Read
 * by the API while the runner writes it, hence synchronized and handed out as {@link RunReport}s.
 */
public final class PlanRun {
    public enum State { QUEUED, RUNNING, SUCCEEDED, FAILED }

    public enum Trigger { MANUAL, SCHEDULE, RECOVERY }

    private final String id;
    private final String plan;
    private final String repo;
    private final Trigger trigger;
    private JobLife life = new JobLife(JobLife.QUEUED);
    private State state = State.QUEUED;
    private final List<TargetResult> targets = new ArrayList<>();
    private final List<String> errors = new ArrayList<>();
    private Integer snapshotsKept;
    private Integer snapshotsRemoved;

    PlanRun(String id, String plan, String repo, Trigger trigger) {
        this.id = id;
        this.plan = plan;
        this.repo = repo;
        this.trigger = trigger;
    }

    /**
     * A run read back from the history after a restart; one that had not ended then was cut short by
     * the stop, and is shown as failed for that reason.
     */
    static PlanRun restored(RunReport r) {
        PlanRun run = new PlanRun(r.id(), r.plan(), r.repo(), r.trigger());
        run.state = r.state();
        run.life = JobLife.restored(r.queuedAt(), r.startedAt(), r.endedAt(), r.phase());
        run.targets.addAll(r.targets());
        if (r.error() != null) {
            run.errors.add(r.error());
        }
        run.snapshotsKept = r.snapshotsKept();
        run.snapshotsRemoved = r.snapshotsRemoved();
        run.retentionDeferred = r.retentionDeferred();
        if (r.endedAt() == null) {
            run.errors.add("the sidecar stopped during this run (a restart or a crash): it did not finish");
            run.state = State.FAILED;
            run.life = JobLife.restored(r.queuedAt(), r.startedAt(), r.startedAt() != null ? r.startedAt() : r.queuedAt(),
                    "interrupted");
        }
        return run;
    }

    public String id() {
        return id;
    }

    public String plan() {
        return plan;
    }

    public Trigger trigger() {
        return trigger;
    }

    /** The target under way: bytes read, rate, time left. */
    public Progress progress() {
        return life.progress();
    }
    private String retentionDeferred;

    synchronized void phase(String name) {
        if (state == State.QUEUED && !name.equals(JobLife.QUEUED)) {
            state = State.RUNNING;
        }
        life.phase(name);
    }

    synchronized void add(TargetResult result) {
        targets.add(result);
    }

    synchronized void error(String message) {
        errors.add(message);
    }

    /** The backups are stored, but retention waits for the next run (why: another restic's lock). */
    synchronized void retentionDeferred(String why) {
        retentionDeferred = why;
    }

    synchronized void retention(int kept, int removed) {
        snapshotsKept = kept;
        snapshotsRemoved = removed;
    }

    synchronized void finish() {
        life.end("done");
        state = errors.isEmpty() && targets.stream().allMatch(TargetResult::succeeded) ? State.SUCCEEDED : State.FAILED;
    }

    public synchronized boolean finished() {
        return life.ended();
    }

    public synchronized boolean succeeded() {
        return state == State.SUCCEEDED;
    }

    public synchronized Optional<Instant> endedAt() {
        return Optional.ofNullable(life.endedAt());
    }

    public synchronized List<TargetResult> targets() {
        return List.copyOf(targets);
    }

    public synchronized RunReport report() {
        long bytes = targets.stream().mapToLong(TargetResult::bytesAdded).sum();
        return new RunReport(id, plan, repo, trigger, state, life.phase(), life.madeAt(), life.startedAt(),
                life.endedAt(), List.copyOf(targets), life.progressShown(), bytes, snapshotsKept, snapshotsRemoved, errors.isEmpty() ? null : String.join("; ", errors),
                failedSummary(), retentionDeferred);
    }

    private String failedSummary() {
        List<String> failed = targets.stream().filter(t -> !t.succeeded()).map(TargetResult::target).toList();
        return failed.isEmpty() ? null : "failed targets: " + String.join(", ", failed);
    }
}
