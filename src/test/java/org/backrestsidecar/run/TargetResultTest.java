package org.backrestsidecar.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.backrestsidecar.metrics.BackupMetrics;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What each outcome of a target's backup counts as: failed or not, stored or not, and how the metrics show it. */
class TargetResultTest {

    @ParameterizedTest(name = "{0}: succeeded {1}, backed up {2}, counted as {3}")
    @CsvSource({
            "SUCCEEDED, true,  true,  success",
            "SKIPPED,   true,  false, skipped",
            "FAILED,    false, false, failure",
    })
    void eachOutcomeCountsAsWhatItIs(TargetResult.Outcome outcome, boolean succeeded, boolean backedUp, String counted) {
        TargetResult result = new TargetResult("host-paths", "", "paths", outcome, List.of(), 0, 0, Duration.ZERO,
                Duration.ZERO, 0, List.of("a note"), outcome == TargetResult.Outcome.FAILED ? "it failed" : null);
        assertEquals(succeeded, result.succeeded());
        assertEquals(backedUp, result.backedUp());

        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new BackupMetrics(registry).targetRun("critical", result.measured(), Instant.ofEpochSecond(1_700_000_000));
        assertEquals(1.0, registry.get(BackupMetrics.TARGET_RUNS).tag("result", counted).counter().count());
        var lastSuccess = registry.find(BackupMetrics.TARGET_LAST_SUCCESS).gauge();
        if (backedUp) {
            assertEquals(1_700_000_000.0, lastSuccess.value());
        } else {
            // a skip stores nothing: the time of the last backup that stored something stays what it was
            assertNull(lastSuccess, "no last-success time for a " + outcome);
        }
    }

    @org.junit.jupiter.api.Test
    void aSkippedItemKeepsItsNotesAndHasNoError() {
        TargetResult noted = new TargetResult("host-paths", "", "paths", TargetResult.Outcome.SUCCEEDED, List.of(), 0, 0,
                Duration.ZERO, Duration.ZERO, 0, List.of("not in this Swarm task, skipped: /stack/config"), null);
        TargetResult skipped = noted.skipped();
        assertEquals(TargetResult.Outcome.SKIPPED, skipped.outcome());
        assertEquals(noted.notes(), skipped.notes());
        assertNull(skipped.error());
    }
}
