package org.backrestsidecar.drill;

import java.time.Instant;
import java.util.List;

/**
 * What one drill of one target showed: which backup, whether it restored and matched, how long the
 * restore took (the measured recovery time), and each check that passed.
 */
public record DrillResult(String plan, String target, String strategy, String backup, Instant backupTime,
                          Instant at, boolean passed, Double restoreSeconds, List<String> checks, String failure) {
    public DrillResult {
        checks = checks == null ? List.of() : List.copyOf(checks);
    }
}
