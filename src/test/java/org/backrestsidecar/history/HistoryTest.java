package org.backrestsidecar.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The state folder's history: what a restart reads back, bounded, and never lost to a bad file. */
class HistoryTest {
    record Work(String id, Instant at, String state) {
    }

    private static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");
    private final ObjectMapper json = new ObjectMapper().registerModule(new JavaTimeModule());

    @TempDir
    Path dir;

    private History<Work> open() {
        return new History<>(dir.resolve("history/work.json"), json, Work.class, Work::id, Work::at,
                Clock.fixed(NOW, ZoneOffset.UTC));
    }

    @Test
    void whatWasWrittenIsReadBackOnceInOrderWithItsLatestState() {
        History<Work> history = open();
        history.put(new Work("a", NOW.minusSeconds(60), "RUNNING"));
        history.put(new Work("b", NOW.minusSeconds(30), "RUNNING"));
        history.put(new Work("a", NOW.minusSeconds(60), "SUCCEEDED"));
        assertEquals(List.of(new Work("a", NOW.minusSeconds(60), "SUCCEEDED"), new Work("b", NOW.minusSeconds(30), "RUNNING")),
                open().entries());
    }

    @Test
    void keepsTheNewestEntriesNoneTooOld() {
        History<Work> history = open();
        history.put(new Work("old", NOW.minus(History.MAX_AGE).minusSeconds(1), "SUCCEEDED"));
        for (int i = 0; i < History.KEEP + 5; i++) {
            history.put(new Work("w" + i, NOW.minus(Duration.ofMinutes(History.KEEP + 5 - i)), "SUCCEEDED"));
        }
        List<Work> kept = open().entries();
        assertEquals(History.KEEP, kept.size());
        assertEquals("w5", kept.get(0).id(), "the oldest five went, and the one past the age limit");
        assertEquals("w" + (History.KEEP + 4), kept.get(kept.size() - 1).id());
    }

    @Test
    void aFileThatCannotBeReadIsKeptAsideAndTheHistoryStartsAfresh() throws Exception {
        Path file = dir.resolve("history/work.json");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "[{\"id\":\"a\",\"at\":\"2026-11-22T11:00:00Z\",\"state\":\"SUCC");
        History<Work> history = open();
        assertEquals(List.of(), history.entries());
        assertTrue(Files.readString(dir.resolve("history/work.json.unreadable")).startsWith("[{\"id\":\"a\""));
        history.put(new Work("b", NOW, "SUCCEEDED"));
        assertEquals(List.of(new Work("b", NOW, "SUCCEEDED")), open().entries());
    }
}
