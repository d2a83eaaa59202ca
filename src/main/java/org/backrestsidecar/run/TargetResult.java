package org.backrestsidecar.run;

import java.time.Duration;
import java.util.List;

/**
 * How one target fared in one run. {@code error} is empty when it succeeded; {@code bytesRead} is what
 * restic read for it (the dumps' or files' size: the next run's expected total); {@code downtime} is
 * how long its containers were paused or stopped; {@code notes} are what went wrong without failing
 * it (a post hook with on-error=continue) or what was done for it (a crash recovery).
 */
public record TargetResult(String target, String container, String strategy, Outcome outcome,
                           List<String> snapshots, long bytesAdded, long bytesRead, Duration duration, Duration downtime,
                           int hookFailures, List<String> notes, String error) {

    /**
     * SKIPPED: there was nothing of it to back up here and nothing failed (a Swarm task lacks every host
     * path of the plan, the notes say which); not a failure, not a backup either.
     */
    public enum Outcome { SUCCEEDED, SKIPPED, FAILED }

    public TargetResult {
        snapshots = List.copyOf(snapshots);
        notes = List.copyOf(notes);
    }

    /** A result that records something done for a container rather than a backup of it. */
    public static TargetResult action(String container, String what, boolean ok, String message) {
        return new TargetResult(container, container, what, ok ? Outcome.SUCCEEDED : Outcome.FAILED, List.of(), 0, 0,
                Duration.ZERO, Duration.ZERO, 0, List.of(message), ok ? null : message);
    }

    /** The same result, nothing stored and nothing failed: {@link Outcome#SKIPPED}. */
    TargetResult skipped() {
        return new TargetResult(target, container, strategy, Outcome.SKIPPED, snapshots, bytesAdded, bytesRead, duration,
                downtime, hookFailures, notes, null);
    }

    /** Did not fail: backed up, or skipped with a note. */
    public boolean succeeded() {
        return outcome != Outcome.FAILED;
    }

    /** Something was stored for it: the last-success time of a backup moves only then. */
    public boolean backedUp() {
        return outcome == Outcome.SUCCEEDED;
    }

    /** What the metrics keep of it. */
    public org.backrestsidecar.metrics.BackupMetrics.TargetRun measured() {
        return new org.backrestsidecar.metrics.BackupMetrics.TargetRun(target, strategy, duration, bytesAdded, downtime,
                backedUp(), outcome == Outcome.SKIPPED, succeeded(), hookFailures);
    }
}
