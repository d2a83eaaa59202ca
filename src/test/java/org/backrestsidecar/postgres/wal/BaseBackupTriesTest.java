package org.backrestsidecar.postgres.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The schedule of base backups the archiver owes (a hole in the chain, a new timeline): each failed
 * try doubles the wait from the first, never beyond an hour, and a plan run already under way is
 * waited for without counting as a try.
 */
class BaseBackupTriesTest {

    @ParameterizedTest(name = "after {0} tries of a first wait of {1}: the next in {2}")
    @CsvSource({
            "1,  PT1M,  PT1M",
            "2,  PT1M,  PT2M",
            "3,  PT1M,  PT4M",
            "6,  PT1M,  PT32M",
            "7,  PT1M,  PT1H",
            "40, PT1M,  PT1H",
            "2,  PT45M, PT1H",
    })
    void eachTryDoublesTheWaitUpToAnHour(int tries, Duration first, Duration expected) {
        Archiver.BaseBackupTries schedule = Archiver.BaseBackupTries.NONE;
        for (int i = 0; i < tries; i++) {
            schedule = schedule.tried(first);
        }
        Instant before = Instant.now();
        Archiver.BaseBackupTries next = schedule;
        assertEquals(tries, next.tries());
        Duration wait = Duration.between(before, next.nextTry());
        // the last try's wait was taken from Instant.now() just before `before`
        assertTrue(wait.compareTo(expected) <= 0 && wait.compareTo(expected.minusSeconds(5)) > 0,
                "wait " + wait + " after " + tries + " tries, expected about " + expected);
    }

    @org.junit.jupiter.api.Test
    void aRunAlreadyUnderWayIsWaitedForWithoutCountingATry() {
        Archiver.BaseBackupTries once = Archiver.BaseBackupTries.NONE.tried(Duration.ofMinutes(1));
        Archiver.BaseBackupTries waited = once.waited();
        assertEquals(1, waited.tries());
        assertTrue(!waited.nextTry().isAfter(Instant.now()), "looked at again at the next round");
    }
}
