package org.backrestsidecar.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Which keys are keys, and what a change asked again finds: the first answer, a first still being answered, or nothing. */
class RepeatedChangesTest {
    private static final RepeatedChanges.Answer STARTED = new RepeatedChanges.Answer(202, "run 1", null, "/api/runs/1");

    static Stream<Arguments> keys() {
        return Stream.of(
                Arguments.of("8e03978e-40d5-43e8-bc93-6894a57f9324", "8e03978e-40d5-43e8-bc93-6894a57f9324"),
                Arguments.of("\"8e03978e-40d5-43e8-bc93-6894a57f9324\"", "8e03978e-40d5-43e8-bc93-6894a57f9324"),
                Arguments.of("  0123456789abcdef  ", "0123456789abcdef"),
                Arguments.of("run:critical.2026_11", "run:critical.2026_11"),
                Arguments.of("x".repeat(128), "x".repeat(128)),
                Arguments.of("x".repeat(129), null),
                Arguments.of("short", null),
                Arguments.of("", null),
                Arguments.of("\"\"", null),
                Arguments.of("has a space in it", null),
                Arguments.of("line\r\nbreak-0123", null),
                // a Unicode letter is no ASCII letter: a key is compared as written, so none that folds
                Arguments.of("ſchlüssel-0123", null),
                Arguments.of("\"unclosed-0123456", null));
    }

    @ParameterizedTest
    @MethodSource("keys")
    void aKeyIsEightTo128PlainCharactersOptionallyQuoted(String given, String key) {
        assertEquals(Optional.ofNullable(key), RepeatedChanges.key(given));
    }

    @Test
    void aRepeatFindsTheFirstStillBeingAnsweredThenItsAnswer() {
        MovableClock clock = new MovableClock();
        RepeatedChanges.Kept kept = new RepeatedChanges.Kept(clock);
        RepeatedChanges.Kept.Seen first = kept.begin("admin POST /api/plans/critical/runs k1");
        assertNull(first.answer());
        assertFalse(first.pending(), "the first goes on");
        assertTrue(kept.begin("admin POST /api/plans/critical/runs k1").pending(), "a repeat meanwhile waits");
        kept.answered("admin POST /api/plans/critical/runs k1", STARTED);
        assertEquals(STARTED, kept.begin("admin POST /api/plans/critical/runs k1").answer());
        assertFalse(kept.begin("otto POST /api/plans/critical/runs k1").pending(), "another scope is its own request");

        clock.now = clock.now.plus(RepeatedChanges.KEPT_FOR).plusSeconds(1);
        RepeatedChanges.Kept.Seen late = kept.begin("admin POST /api/plans/critical/runs k1");
        assertNull(late.answer(), "an answer is kept for " + RepeatedChanges.KEPT_FOR + " only");
        assertFalse(late.pending());
    }

    @Test
    void aFullStoreMakesRoomFromTheOldestAnswered() {
        RepeatedChanges.Kept kept = new RepeatedChanges.Kept(new MovableClock());
        kept.begin("still answering");
        for (int i = 0; i < RepeatedChanges.AT_MOST - 1; i++) {
            kept.begin("k" + i);
            kept.answered("k" + i, STARTED);
        }
        assertEquals(RepeatedChanges.AT_MOST, kept.size());
        kept.begin("one more");
        assertEquals(RepeatedChanges.AT_MOST, kept.size());
        assertNull(kept.begin("k0").answer(), "the oldest answered made room (and k0 is now a request of its own)");
        assertTrue(kept.begin("still answering").pending(), "one still being answered is never dropped for room");
        assertEquals(STARTED, kept.begin("k5").answer());
    }

    @Test
    void aStoreFullOfRequestsStillBeingAnsweredKeepsNoMore() {
        RepeatedChanges.Kept kept = new RepeatedChanges.Kept(new MovableClock());
        for (int i = 0; i < RepeatedChanges.AT_MOST; i++) {
            kept.begin("k" + i);
        }
        RepeatedChanges.Kept.Seen extra = kept.begin("extra");
        assertFalse(extra.pending(), "it goes on");
        kept.answered("extra", STARTED);
        assertNull(kept.begin("extra").answer(), "but is not kept");
    }

    private static final class MovableClock extends Clock {
        Instant now = Instant.parse("2026-11-30T12:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
