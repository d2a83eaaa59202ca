package org.backrestsidecar.recovery;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.backrestsidecar.jobs.JobLife;

/**
 * One step of a recovery as it runs: bringing the copies back ({@code pull}), or putting every target
 * back ({@code restore}). Each step is timed, so the report is the measured recovery time; a step
 * that fails is recorded and the others go on.
 */
public final class RecoveryJob {
    public enum State { RUNNING, SUCCEEDED, FAILED }

    public enum Outcome { SUCCEEDED, FAILED, SKIPPED }

    /**
     * @param target     the target a restore step is about, else null
     * @param node       in a swarm, the node whose sidecar took the step, else null
     * @param backup     what it was restored from (run label), when a backup was the source
     * @param backupTime when that backup was taken: the data lost is everything after it
     */
    public record Step(String name, String target, String node, Outcome outcome, String backup, Instant backupTime,
                       double seconds, String detail) {
        /** The same step as a node of a swarm took it, named with its node. */
        Step on(String node) {
            return new Step(name + " on " + node, target, node, outcome, backup, backupTime, seconds, detail);
        }
    }

    /** @param staged where the host paths' files were put to be taken out (pull), or null */
    public record Report(String id, String copy, String kind, State state, String phase, List<Step> steps,
                         String staged, Instant startedAt, Instant endedAt, Double durationSeconds) {
    }

    private final String id;
    private final String copy;
    private final String kind;
    private final List<Step> steps = new ArrayList<>();
    private final JobLife life = new JobLife("starting");
    private String staged;

    RecoveryJob(String id, String copy, String kind) {
        this.id = id;
        this.copy = copy;
        this.kind = kind;
    }

    void phase(String phase) {
        life.phase(phase);
    }

    public String id() {
        return id;
    }

    /** A step that concerns no backup (reading a repo, bringing a copy back, a refusal). */
    void step(String name, Outcome outcome, Instant started, String detail) {
        step(name, outcome, null, null, started, detail);
    }

    synchronized void step(String name, Outcome outcome, String backup, Instant backupTime, Instant started,
                           String detail) {
        steps.add(stepOf(name, null, outcome, backup, backupTime, started, detail));
    }

    /** A target's restore, "restore &lt;target&gt;", from no backup (skipped, or refused before one was found). */
    void restore(String target, Outcome outcome, Instant started, String detail) {
        restore(target, outcome, null, null, started, detail);
    }

    /** A target's restore, "restore &lt;target&gt;", from {@code backup} taken at {@code backupTime}. */
    synchronized void restore(String target, Outcome outcome, String backup, Instant backupTime, Instant started,
                              String detail) {
        steps.add(stepOf(RESTORE + target, target, outcome, backup, backupTime, started, detail));
    }

    private static Step stepOf(String name, String target, Outcome outcome, String backup, Instant backupTime,
                               Instant started, String detail) {
        return new Step(name, target, null, outcome, backup, backupTime,
                Duration.between(started, Instant.now()).toMillis() / 1000.0, detail);
    }

    private static final String RESTORE = "restore ";

    /** Whether this job recorded a restore step of {@code target}, on this sidecar or on a node. */
    synchronized boolean restoreRecorded(String target) {
        return steps.stream().anyMatch(s -> target.equals(s.target()));
    }

    /** A step another node recorded (a swarm's recovery), as it was. */
    synchronized void add(Step step) {
        steps.add(step);
    }

    synchronized void staged(String folder) {
        staged = folder;
    }

    void finish() {
        life.end("done");
    }

    public synchronized Report report() {
        State state = !life.ended() ? State.RUNNING
                : steps.stream().anyMatch(s -> s.outcome() == Outcome.FAILED) ? State.FAILED : State.SUCCEEDED;
        return new Report(id, copy, kind, state, life.phase(), List.copyOf(steps), staged, life.madeAt(),
                life.endedAt(), life.seconds());
    }
}
