package org.backrestsidecar.restic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * restic 0.14 reads a lock file that another restic removed after it was listed ten times, about a
 * minute, then goes on: the watch stops it at the first such line, to be run again at once. A process
 * that prints restic's own words stands in for restic at that moment (the race cannot be timed with a
 * real one); every other retry line is left to the backend watch, as before.
 */
class VanishedLockTest {
    private static final String VANISHED = "Load(<lock/1f3a9c2e7d>, 0, 0) returned error, retrying after 552.330144ms: "
            + "open /repo/locks/1f3a9c2e7d: no such file or directory";

    private static ResticProcess restic(String stderrLine, String stdout) throws ResticException {
        // as restic does, it ends at once on SIGINT (after removing its own lock)
        return new ResticProcess(new ProcessBuilder(List.of("sh", "-c", "trap 'exit 130' INT; printf '%s' \"$1\"; "
                + "echo \"$0\" >&2; sleep 60 & wait $!", stderrLine, stdout)), "dump on repo r", null, Duration.ofMinutes(2));
    }

    @Test
    void aLockGoneAsItWasReadStopsResticAtOnceToBeRunAgain() throws Exception {
        Instant start = Instant.now();
        ResticException e = assertThrows(ResticException.class, () -> restic(VANISHED, "").await(Duration.ofMinutes(1)));
        assertEquals(ResticException.Kind.LOCKED, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("met another restic's lock, gone as it was read"), e.getMessage());
        assertTrue(Duration.between(start, Instant.now()).compareTo(Duration.ofSeconds(20)) < 0,
                "not the minute restic would retry it");
    }

    @Test
    void aBackendThatFailsIsNotTakenForAVanishedLock() throws Exception {
        ResticProcess process = restic("Load(<data/8a7b6c>, 0, 0) returned error, retrying after 552ms: "
                + "connection refused", "");
        ResticException e = assertThrows(ResticException.class, () -> process.await(Duration.ofSeconds(4)));
        assertTrue(e.getMessage().contains("did not finish within"), "left to the backend watch: " + e.getMessage());
    }

    @Test
    void aResticThatHasWrittenIsLeftToFinish() throws Exception {
        ResticProcess process = restic(VANISHED, "{\"message_type\":\"status\"}");
        ResticException e = assertThrows(ResticException.class, () -> process.await(Duration.ofSeconds(4)));
        assertTrue(e.getMessage().contains("did not finish within"), "never stopped mid-way: " + e.getMessage());
    }
}
