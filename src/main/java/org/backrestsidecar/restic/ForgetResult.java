package org.backrestsidecar.restic;

import java.util.List;

/** What {@code restic forget} kept (each snapshot whole) and removed (ids) for one plan. */
public record ForgetResult(List<Snapshot> kept, List<String> removed) {
    public ForgetResult {
        kept = List.copyOf(kept);
        removed = List.copyOf(removed);
    }
}
