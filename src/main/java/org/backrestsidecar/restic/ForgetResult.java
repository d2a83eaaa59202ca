package org.backrestsidecar.restic;

import java.util.List;

/** What {@code restic forget} kept and removed for one plan. */
public record ForgetResult(List<String> kept, List<String> removed) {
    public ForgetResult {
        kept = List.copyOf(kept);
        removed = List.copyOf(removed);
    }
}
