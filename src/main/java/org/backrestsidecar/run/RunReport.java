package org.backrestsidecar.run;

import java.time.Instant;
import java.util.List;

/** A run as the API shows it: a copy, safe to serialise while the run goes on. */
public record RunReport(String id, String plan, String repo, PlanRun.Trigger trigger, PlanRun.State state,
                        String phase, Instant queuedAt, Instant startedAt, Instant endedAt,
                        List<TargetResult> targets, long bytesAdded, Integer snapshotsKept,
                        Integer snapshotsRemoved, String error, String failedTargets) {
}
