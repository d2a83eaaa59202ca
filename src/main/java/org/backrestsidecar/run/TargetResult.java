package org.backrestsidecar.run;

import java.time.Duration;
import java.util.List;

/** How one target fared in one run. {@code error} is empty when it succeeded. */
public record TargetResult(String target, String container, String strategy, Outcome outcome,
                           List<String> snapshots, long bytesAdded, Duration duration, String error) {

    public enum Outcome { SUCCEEDED, FAILED }

    public TargetResult {
        snapshots = List.copyOf(snapshots);
    }

    public boolean succeeded() {
        return outcome == Outcome.SUCCEEDED;
    }
}
