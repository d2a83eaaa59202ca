package org.backrestsidecar.drill;

import java.time.Instant;
import java.util.List;

/**
 * What one drill of one target showed: which backup, its outcome ({@link #PASSED}, {@link #FAILED}:
 * the backup did not restore or did not match, {@link #COULD_NOT_RUN}: nothing was learnt about the
 * backup), how long the restore took (the measured recovery time), and each check that passed.
 * {@code lastRan} is when a drill of this target last ran to a verdict, carried over by a drill that
 * could not run, so that "unproven for too long" still shows. {@code unproven}: what a passed drill
 * could not compare with recorded facts ({@link TargetDrill.Outcome#unproven}).
 */
public record DrillResult(String plan, String target, String strategy, String backup, Instant backupTime,
                          Instant at, boolean passed, String outcome, Double restoreSeconds, List<String> checks,
                          String failure, Instant lastRan, List<String> unproven) {
    public static final String PASSED = "passed";
    public static final String FAILED = "failed";
    public static final String COULD_NOT_RUN = "could not run";

    public DrillResult {
        checks = checks == null ? List.of() : List.copyOf(checks);
        // a journal written before drills said what they could not prove
        unproven = unproven == null ? List.of() : List.copyOf(unproven);
        // a journal written before outcomes existed
        outcome = outcome != null ? outcome : passed ? PASSED : FAILED;
        lastRan = lastRan != null || COULD_NOT_RUN.equals(outcome) ? lastRan : at;
    }

    /** The same result, saying where the backup was read from (a drill from an offsite copy). */
    public DrillResult readFrom(String source) {
        List<String> more = new java.util.ArrayList<>(checks);
        more.add(0, "read from " + source);
        return new DrillResult(plan, target, strategy, backup, backupTime, at, passed, outcome, restoreSeconds, more,
                failure, lastRan, unproven);
    }

    public boolean couldNotRun() {
        return COULD_NOT_RUN.equals(outcome);
    }

    /** What the metrics keep of it. */
    public org.backrestsidecar.metrics.BackupMetrics.Drill measured() {
        return new org.backrestsidecar.metrics.BackupMetrics.Drill(couldNotRun(), at, passed, restoreSeconds);
    }
}
