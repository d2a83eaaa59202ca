package org.backrestsidecar.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class CronScheduleTest {
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    @Test
    void criticalRunsAt0200LocalTime() {
        CronSchedule daily = CronSchedule.parse("0 2 * * *", BERLIN);
        // 2026-11-20 12:00 UTC = 13:00 in Berlin; next 02:00 Berlin = 01:00 UTC on the 21st
        assertEquals(Instant.parse("2026-11-21T01:00:00Z"), daily.nextAfter(Instant.parse("2026-11-20T12:00:00Z")).orElseThrow());
    }

    @Test
    void modelsRunOnSundayAt0300() {
        CronSchedule weekly = CronSchedule.parse("0 3 * * 0", ZoneId.of("UTC"));
        // 2026-11-20 is a Friday
        assertEquals(Instant.parse("2026-11-22T03:00:00Z"), weekly.nextAfter(Instant.parse("2026-11-20T12:00:00Z")).orElseThrow());
    }

    @Test
    void theDefaultObjectiveIsOneAndAHalfIntervals() {
        Instant now = Instant.parse("2026-11-20T12:00:00Z");
        assertEquals(Duration.ofHours(36), CronSchedule.parse("0 2 * * *", ZoneId.of("UTC")).defaultRecoveryPointObjective(now));
        assertEquals(Duration.ofHours(252), CronSchedule.parse("0 1 * * 0", ZoneId.of("UTC")).defaultRecoveryPointObjective(now));
        // a monthly plan is measured against its longest month
        assertEquals(Duration.ofDays(31).multipliedBy(3).dividedBy(2),
                CronSchedule.parse("0 4 1 * *", ZoneId.of("UTC")).defaultRecoveryPointObjective(now));
    }

    @Test
    void aRunInTheSpringForwardGapIsSkippedAndTheObjectiveAccountsForIt() {
        // 02:00 does not exist in Berlin on 2027-03-28: the scheduler's cron engine skips that day,
        // so the longest gap is 47 h, and the default objective must not cry wolf over it
        Instant now = Instant.parse("2026-11-20T12:00:00Z");
        CronSchedule daily = CronSchedule.parse("0 2 * * *", BERLIN);
        assertEquals(Instant.parse("2027-03-29T00:00:00Z"), daily.nextAfter(Instant.parse("2027-03-27T01:00:01Z")).orElseThrow());
        assertEquals(Duration.ofHours(47), daily.longestInterval(now));
        assertEquals(Duration.ofHours(24), CronSchedule.parse("30 3 * * *", BERLIN).longestInterval(now)
                .minusHours(1), "outside the gap the longest day is the 25 h autumn one");
    }

    @Test
    void theLongestIntervalIsWorkedOutForTheDayItIsAskedOn() {
        // worked out once a day and kept: asked again the same day, the same answer; asked on a day whose
        // coming year holds other runs, that day's own answer (Feb 29 only: none in the year from
        // 2026-11-20, the four years to 2032 from 2027-03-01)
        CronSchedule leap = CronSchedule.parse("0 4 29 2 *", ZoneId.of("UTC"));
        assertEquals(Duration.ZERO, leap.longestInterval(Instant.parse("2026-11-20T12:00:00Z")));
        assertEquals(Duration.ZERO, leap.longestInterval(Instant.parse("2026-11-20T23:59:00Z")));
        assertEquals(Duration.ofDays(4 * 365 + 1), leap.longestInterval(Instant.parse("2027-03-01T08:00:00Z")));
        assertEquals(Duration.ofDays(4 * 365 + 1), CronSchedule.parse("0 4 29 2 *", ZoneId.of("UTC"))
                .longestInterval(Instant.parse("2027-03-01T20:00:00Z")), "a schedule parsed again: the kept answer");
        assertEquals(Duration.ofHours(47), CronSchedule.parse("0 2 * * *", BERLIN)
                .longestInterval(Instant.parse("2027-03-01T08:00:00Z")), "each schedule its own answer");
    }

    @Test
    void malformedCronsAreRefusedWithTheExpectedForm() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CronSchedule.parse("0 2 * * * *", BERLIN));
        assertEquals("'0 2 * * * *' is not a 5-field cron (minute hour day-of-month month day-of-week, e.g. \"0 2 * * *\")",
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CronSchedule.parse("61 2 * * *", BERLIN));
    }

    @Test
    void schedulesReadAsWordsBesideTheirCron() {
        assertEquals(java.util.Optional.of("daily at 02:00"), CronSchedule.words("0 2 * * *"));
        assertEquals(java.util.Optional.of("Sundays at 03:00"), CronSchedule.words("0 3 * * 0"));
        assertEquals(java.util.Optional.of("Sundays at 01:00"), CronSchedule.words("0 1 * * SUN"));
        assertEquals(java.util.Optional.of("Mondays to Fridays at 22:30"), CronSchedule.words("30 22 * * 1-5"));
        assertEquals(java.util.Optional.of("Mondays and Thursdays at 05:00"), CronSchedule.words("0 5 * * 1,4"));
        assertEquals(java.util.Optional.of("monthly on day 1 at 04:00"), CronSchedule.words("0 4 1 * *"));
        assertEquals(java.util.Optional.of("every 15 minutes"), CronSchedule.words("*/15 * * * *"));
        assertEquals(java.util.Optional.of("hourly at minute 5"), CronSchedule.words("5 * * * *"));
        assertEquals(java.util.Optional.of("every 6 hours at minute 0"), CronSchedule.words("0 */6 * * *"));
        assertEquals(java.util.Optional.empty(), CronSchedule.words("0 2 1 6 *"), "a shape it does not word: the cron alone");
        assertEquals(java.util.Optional.empty(), CronSchedule.words("0 2 1 * 1"));
    }
}
