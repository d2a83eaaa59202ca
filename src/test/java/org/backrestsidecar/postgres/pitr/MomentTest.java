package org.backrestsidecar.postgres.pitr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.ZoneId;
import java.util.Optional;
import org.backrestsidecar.restore.RestoreRefused;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The {@code to} of a point-in-time restore, as users and the page's time picker write it. */
class MomentTest {
    private static final ZoneId PLANS = ZoneId.of("Europe/Berlin");

    @ParameterizedTest(name = "''{0}'' is {1}")
    @CsvSource(delimiter = '|', value = {
            // with an offset: taken as written, whatever the plans' zone
            "2026-11-22T18:00:52Z           | 2026-11-22T18:00:52Z",
            "2026-11-22 19:00:52+01:00      | 2026-11-22T18:00:52Z",
            "2026-11-22T18:00:52.123456Z    | 2026-11-22T18:00:52.123456Z",
            // local: in the plans' zone (UTC+1 in November), to the minute, second or fraction
            "2026-11-22 19:00               | 2026-11-22T18:00:00Z",
            "2026-11-22T19:00:52            | 2026-11-22T18:00:52Z",
            "2026-11-22 19:00:52.250        | 2026-11-22T18:00:52.250Z",
            "'  2026-11-22 19:00  '         | 2026-11-22T18:00:00Z",
            // summer time: the same wall clock is UTC+2
            "2026-07-01 12:00               | 2026-07-01T10:00:00Z",
    })
    void aMomentIsReadAsWritten(String to, String instant) {
        assertEquals(Optional.of(Instant.parse(instant)), Moment.parse(to, PLANS));
    }

    @ParameterizedTest
    @ValueSource(strings = {"latest", " latest ", "", "  "})
    void latestOrNothingMeansTheNewestMoment(String to) {
        assertEquals(Optional.empty(), Moment.parse(to, PLANS));
    }

    @ParameterizedTest
    @ValueSource(strings = {"yesterday", "2026-11-22", "22.11.2026 19:00", "2026-13-01 10:00", "2026-11-22 25:00",
            "1732298452", "latest-1"})
    void anythingElseIsRefusedNamingWhatToWrite(String to) {
        RestoreRefused refused = assertThrows(RestoreRefused.class, () -> Moment.parse(to, PLANS));
        assertTrue(refused.getMessage().contains("'" + to + "' is not a moment"), refused.getMessage());
        assertTrue(refused.getMessage().contains("Europe/Berlin"), "names the zone a local time is read in");
    }

    @ParameterizedTest(name = "''{0}'' names kept folder {1}")
    @CsvSource(delimiter = '|', value = {
            "kept                                        | ''",
            "' kept '                                    | ''",
            "kept:0123abcd                               | 0123abcd",
            "kept:0123abcd-4567-89ab-cdef-0123456789ab   | 0123abcd",
    })
    void keptNamesTheNewestOrOneRestoresFolder(String to, String id) {
        assertTrue(Moment.isKept(to));
        assertEquals(id.isEmpty() ? Optional.empty() : Optional.of(id), Moment.keptId(to));
    }

    @ParameterizedTest
    @ValueSource(strings = {"kept:", "kept:xyz", "kept:0123", "kept:0123ABCD"})
    void aKeptThatNamesNoRestoreIsRefused(String to) {
        assertTrue(Moment.isKept(to));
        assertThrows(RestoreRefused.class, () -> Moment.keptId(to));
    }

    @ParameterizedTest
    @ValueSource(strings = {"latest", "2026-11-22 19:00", "keptx"})
    void aMomentIsNotAKeptFolder(String to) {
        assertFalse(Moment.isKept(to));
    }
}
