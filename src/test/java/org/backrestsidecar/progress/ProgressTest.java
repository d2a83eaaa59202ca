package org.backrestsidecar.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ProgressTest {
    private static final long MIB = 1024 * 1024;
    private Instant now = Instant.parse("2026-11-21T02:00:00Z");
    private final Progress progress = new Progress(() -> now);

    @Test
    void aDumpIsMeasuredAgainstTheTargetsPreviousRun() throws IOException {
        assertNull(progress.view(), "nothing to show before the first target");
        progress.item("postgres-main", OptionalLong.of(400 * MIB), "previous run");
        OutputStream restic = progress.counting(OutputStream.nullOutputStream());
        progress.nextPart();
        restic.write(new byte[(int) (100 * MIB)]);
        now = now.plusSeconds(10);

        Progress.View v = progress.view();
        assertEquals(100 * MIB, v.bytesDone());
        assertEquals(400 * MIB, v.bytesTotal());
        assertEquals(10 * MIB, v.bytesPerSecond());
        assertEquals(30, v.secondsLeft());
        assertEquals(25.0, v.percent());
        assertEquals("postgres-main: 100.0 MiB of ~400.0 MiB, 25 %, 10.0 MiB/s, 10 s so far, "
                + "about 30 s left (going by the previous run)", v.line());
    }

    @Test
    void aTargetThatGrewPastItsPreviousSizeNeverShowsMoreThanAllDone() throws IOException {
        progress.item("db", OptionalLong.of(MIB), "previous run");
        progress.counting(OutputStream.nullOutputStream()).write(new byte[(int) (2 * MIB)]);
        now = now.plusSeconds(4);
        assertEquals(100.0, progress.view().percent());
        assertEquals(0, progress.view().secondsLeft());
    }

    @Test
    void resticsStatusLinesGiveTheTotalAndEveryLineStillReachesTheSummaryReader() throws IOException {
        progress.item("open-webui", OptionalLong.empty(), null);
        ByteArrayOutputStream kept = new ByteArrayOutputStream();
        OutputStream out = progress.resticStatusLines(kept);
        String lines = """
                {"message_type":"status","percent_done":0,"total_files":1,"total_bytes":300000000}
                {"message_type":"status","percent_done":0.37,"total_files":1,"total_bytes":300000000,"bytes_done":111554794,"current_files":["/data/a"]}
                {"message_type":"summary","files_new":1,"data_added":300013393,"total_bytes_processed":300000000,"snapshot_id":"6bddafd0"}
                """;
        // as the pipe delivers them: lines cut anywhere
        byte[] bytes = lines.getBytes(StandardCharsets.UTF_8);
        out.write(bytes, 0, 130);
        out.write(bytes, 130, bytes.length - 130);
        now = now.plusSeconds(3);

        Progress.View v = progress.view();
        assertEquals(111554794, v.bytesDone());
        assertEquals(300000000, v.bytesTotal());
        assertEquals(Progress.FROM_RESTIC, v.totalFrom());
        assertEquals(lines, kept.toString(StandardCharsets.UTF_8));
        assertEquals("open-webui: 106.4 MiB of 286.1 MiB, 37 %, 35.5 MiB/s, 3 s so far, about 5 s left", v.line());
    }

    @Test
    void partsOfOneTargetAddUp() throws IOException {
        progress.item("postgres", OptionalLong.empty(), null);
        progress.nextPart();
        progress.counting(OutputStream.nullOutputStream()).write(new byte[1000]);
        progress.nextPart();
        progress.resticStatus(500, 2000);
        Progress.View v = progress.view();
        assertEquals(1500, v.bytesDone());
        assertEquals(3000, v.bytesTotal());
        assertNull(v.bytesPerSecond(), "no rate in the first two seconds");
        assertNull(v.secondsLeft());
    }

    /** A first backup of a volume: restic's files, then the target's facts file streamed after them. */
    @Test
    void aTotalOnceKnownStaysToTheEndAndEndsAsTheRealTotal() throws IOException {
        progress.item("models", OptionalLong.empty(), null);
        progress.resticStatus(522 * MIB, 600 * MIB);
        now = now.plusSeconds(8);
        assertEquals(600 * MIB, progress.view().bytesTotal());
        progress.resticStatus(600 * MIB, 600 * MIB);
        progress.nextPart();
        progress.counting(OutputStream.nullOutputStream()).write(new byte[4096]);
        Progress.View facts = progress.view();
        assertEquals(600 * MIB + 4096, facts.bytesTotal(), "the facts file adds to the total, which stays known");
        assertEquals(100.0, facts.percent());
        assertEquals(Progress.FROM_RESTIC, facts.totalFrom());
    }

    @Test
    void withoutATotalNoTimeLeftIsMadeUp() {
        progress.item("writing /data", OptionalLong.empty(), null);
        now = now.plusSeconds(75);
        Progress.View v = progress.view();
        assertNull(v.bytesTotal());
        assertNull(v.secondsLeft());
        assertNull(v.percent());
        assertEquals("writing /data: 1 min 15 s so far", v.line());
    }

    @Test
    void aCopyGoesByTheClockOfTheLastGoodCopy() {
        progress.timedItem("copying to offsite", Optional.of(Duration.ofMinutes(10)), "previous copy");
        now = now.plusSeconds(150);
        Progress.View v = progress.view();
        assertEquals(450, v.secondsLeft());
        assertEquals(25.0, v.percent());
        assertEquals("copying to offsite: 25 %, 2 min 30 s so far, about 7 min 30 s left (going by the previous copy)",
                v.line());
        now = now.plus(Duration.ofHours(1));
        assertEquals(0, progress.view().secondsLeft());
        assertEquals(99.0, progress.view().percent(), "a copy that overruns is not called done");
    }

    @Test
    void sizesReadLikeAPersonWouldSayThem() {
        assertEquals("512 B", Progress.bytes(512));
        assertEquals("10.0 GiB", Progress.bytes(10L * 1024 * 1024 * 1024));
        assertEquals("2 h 5 min", Progress.duration(7500));
    }
}
