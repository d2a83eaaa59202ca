package org.backrestsidecar.drill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which part of a repo each data check reads, what a failed read keeps, and when a full read-back ended. */
class ReadBackTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    /**
     * {@code reads}: data checks from a fresh round of {@code parts}, each of the part {@code next}
     * named, clean or not (the i-th at hour i); then the next part, red or not, and the last full
     * read-back's hour (-1: none).
     */
    private record Case(String name, int parts, List<Boolean> reads, int next, boolean red, int lastFullAt) {
    }

    private static ReadBack after(int parts, List<Boolean> reads) {
        ReadBack r = ReadBack.start("repo", parts, T0);
        for (int i = 0; i < reads.size(); i++) {
            r = r.after(r.next(), reads.get(i), T0.plus(Duration.ofHours(i + 1L)), reads.get(i) ? "ok" : "pack damaged");
        }
        return r;
    }

    @Test
    void eachCheckReadsTheNextPartAFailedPartIsReadAgainUntilCleanAndAFullRoundIsNoted() {
        List<Case> cases = List.of(
                new Case("nothing read yet", 4, List.of(), 1, false, -1),
                new Case("one part read", 4, List.of(true), 2, false, -1),
                new Case("every part read clean: a full read-back", 4, List.of(true, true, true, true), 1, false, 4),
                new Case("a part failed: read again", 4, List.of(true, false), 2, true, -1),
                new Case("failed twice: still that part, still red", 4, List.of(true, false, false), 2, true, -1),
                new Case("read clean again: on to the next", 4, List.of(true, false, true), 3, false, -1),
                new Case("a round with a repaired part ends clean", 4, List.of(true, false, true, true, true), 1, false, 5),
                new Case("the next round goes on", 4, List.of(true, true, true, true, true, true), 3, false, 4),
                new Case("one part is the whole repo", 1, List.of(true), 1, false, 1),
                new Case("one part, failed", 1, List.of(false), 1, true, -1));
        for (Case c : cases) {
            ReadBack r = after(c.parts(), c.reads());
            assertEquals(c.next(), r.next(), c.name() + ": next part");
            assertEquals(c.next() + "/" + c.parts(), r.subset(), c.name());
            assertEquals(c.red(), r.red(), c.name() + ": red");
            assertEquals(c.lastFullAt() < 0 ? null : T0.plus(Duration.ofHours(c.lastFullAt())), r.lastFull(),
                    c.name() + ": last full read-back");
        }
    }

    @Test
    void aChangedSplitBeginsAgainAndKeepsAFailureUntilAFullRoundIsClean() {
        ReadBack failed = after(4, List.of(true, false));
        assertSame(failed, failed.splitInto(4, T0), "the same N changes nothing");
        ReadBack resplit = failed.splitInto(2, T0.plusSeconds(1));
        assertEquals("1/2", resplit.subset());
        assertEquals(true, resplit.red(), "what was found stays until every part was read clean");
        ReadBack half = resplit.after(1, true, T0.plusSeconds(2), "ok");
        assertEquals(true, half.red(), "half of the repo read clean is not enough");
        ReadBack full = half.after(2, true, T0.plusSeconds(3), "ok");
        assertEquals(false, full.red());
        assertEquals(T0.plusSeconds(3), full.lastFull());
    }

    @Test
    void aFullReadBackIsDueNPlusOneIntervalsAfterTheLastOrTheRoundsStart() {
        Duration week = Duration.ofDays(7);
        assertEquals(T0.plus(week.multipliedBy(5)), ReadBack.start("repo", 4, T0).due(week), "never in full: from the start");
        ReadBack full = after(4, List.of(true, true, true, true));
        assertEquals(T0.plus(Duration.ofHours(4)).plus(week.multipliedBy(5)), full.due(week), "from the last full read-back");
    }
}
