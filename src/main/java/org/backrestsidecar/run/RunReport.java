package org.backrestsidecar.run;

import java.time.Instant;
import java.util.List;
import org.backrestsidecar.progress.Progress;

/**
 * A run as the API shows it: a copy, safe to serialise while the run goes on; {@code progress} is the
 * target under way (null once the run has ended).
 */
public record RunReport(String id, String plan, String repo, PlanRun.Trigger trigger, PlanRun.State state,
                        String phase, Instant queuedAt, Instant startedAt, Instant endedAt,
                        List<TargetResult> targets, Progress.View progress, long bytesAdded, Integer snapshotsKept,
                        Integer snapshotsRemoved, String error, String failedTargets, String retentionDeferred) {
}
