package org.backrestsidecar.progress;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * How far one long job (a run, a restore, a drill, a copy) has got with the item it is on: bytes
 * done, the rate, and the time left when a total is known. The worker writes it (bytes as they pass
 * through a pipe, restic's own status lines), the API reads it while it changes.
 *
 * <p>An item's total is what restic says it has found to read, else what the caller expects (the
 * target's bytes in its previous run, a file's size in the snapshot); without either, no time left
 * is given rather than a guess.
 */
public final class Progress {
    /** What the API shows. {@code bytesTotal}, {@code secondsLeft}, {@code percent} are null when unknown. */
    public record View(String item, long bytesDone, Long bytesTotal, String totalFrom, Long bytesPerSecond,
                       Long secondsLeft, Double percent, long secondsElapsed, String line) {
    }

    /** Where an item's total came from, as the page and the CLI say it. */
    public static final String FROM_RESTIC = "restic";
    /** The size of the file being fetched, as the snapshot holds it: exact. */
    public static final String FROM_SNAPSHOT = "snapshot";

    private static final Duration TOO_SOON_FOR_RATE = Duration.ofSeconds(2);
    private final Supplier<Instant> clock;
    private String item;
    private Instant itemStart;
    private long finishedParts;
    private long part;
    private long partTotal = -1;
    private long expected = -1;
    private String expectedFrom;
    /** A total an earlier part of the item knew: it stays, so the total never turns unknown mid-item. */
    private long carriedTotal = -1;
    private Duration expectedTime;

    public Progress() {
        this(Instant::now);
    }

    /** @param clock for tests that step time by hand */
    public Progress(Supplier<Instant> clock) {
        this.clock = clock;
    }

    /**
     * Starts the next item, e.g. a target of a run or a file being restored.
     *
     * @param expectedBytes its total when one is known beforehand
     * @param from          where that total comes from ("previous run", "snapshot")
     */
    public synchronized void item(String name, OptionalLong expectedBytes, String from) {
        item = name;
        itemStart = clock.get();
        finishedParts = 0;
        part = 0;
        partTotal = -1;
        carriedTotal = -1;
        expected = expectedBytes.orElse(-1);
        expectedFrom = expectedBytes.isPresent() ? from : null;
        expectedTime = null;
    }

    /**
     * Starts an item whose bytes cannot be followed (a {@code restic copy}, which prints no progress)
     * but whose duration can be expected, e.g. from the previous time.
     */
    public synchronized void timedItem(String name, Optional<Duration> expected, String from) {
        item(name, OptionalLong.empty(), null);
        expectedTime = expected.filter(d -> !d.isZero()).orElse(null);
        expectedFrom = expectedTime == null ? null : from;
    }

    /** Nothing countable is under way (e.g. a run applies retention): the view is null again. */
    public synchronized void clear() {
        item = null;
    }

    /** The item's next stream or restic begins; what came before stays counted. */
    public synchronized void nextPart() {
        if (partTotal >= 0) {
            carriedTotal = Math.max(finishedParts + partTotal, finishedParts + part);
        }
        finishedParts += part;
        part = 0;
        partTotal = -1;
    }

    public synchronized void add(long bytes) {
        part += bytes;
    }

    /** restic's own count for the part under way ({@code total} < 0 while it does not know). */
    public synchronized void resticStatus(long done, long total) {
        part = done;
        partTotal = total;
    }

    /** Bytes written through the returned stream are counted as the current part's. */
    public OutputStream counting(OutputStream out) {
        return new FilterOutputStream(out) {
            @Override
            public void write(int b) throws IOException {
                out.write(b);
                add(1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
                add(len);
            }
        };
    }

    /** Feed restic's {@code --json} stdout here: its status lines update the part under way. */
    public OutputStream resticStatusLines(OutputStream alsoTo) {
        return new ResticStatusLines(this, alsoTo);
    }

    /** The current item's progress, or null before the first item. */
    public synchronized View view() {
        if (item == null) {
            return null;
        }
        long done = finishedParts + part;
        long total = -1;
        String from = null;
        if (partTotal >= 0) {
            total = finishedParts + partTotal;
            from = FROM_RESTIC;
        } else if (carriedTotal >= 0) {
            // the last figure is the real total: what the later parts add grows it
            total = Math.max(carriedTotal, done);
            from = FROM_RESTIC;
        } else if (expected > 0) {
            total = Math.max(expected, done);
            from = expectedFrom;
        }
        Duration elapsed = Duration.between(itemStart, clock.get());
        Long rate = elapsed.compareTo(TOO_SOON_FOR_RATE) < 0 || done == 0 ? null
                : done * 1000 / Math.max(1, elapsed.toMillis());
        Long left = total < 0 || rate == null || rate == 0 ? null : (total - done) / rate;
        Double percent = total <= 0 ? null : Math.min(100.0, Math.floor(done * 1000.0 / total) / 10.0);
        if (expectedTime != null) {
            // by the clock: never "done" before it is
            left = Math.max(0, expectedTime.minus(elapsed).toSeconds());
            percent = Math.min(99.0, Math.floor(elapsed.toMillis() * 1000.0 / expectedTime.toMillis()) / 10.0);
            from = expectedFrom;
        }
        return new View(item, done, total < 0 ? null : total, from, rate, left, percent, elapsed.toSeconds(),
                line(item, done, total, from, rate, left, percent, elapsed));
    }

    private static String line(String item, long done, long total, String from, Long rate, Long left, Double percent,
                               Duration elapsed) {
        boolean exact = FROM_RESTIC.equals(from) || FROM_SNAPSHOT.equals(from);
        List<String> parts = new ArrayList<>();
        if (done > 0 || total >= 0) {
            parts.add(bytes(done) + (total < 0 ? "" : " of " + (exact ? "" : "~") + bytes(total)));
        }
        if (percent != null) {
            parts.add(String.format(Locale.ROOT, "%.0f %%", percent));
        }
        if (rate != null) {
            parts.add(bytes(rate) + "/s");
        }
        parts.add(duration(elapsed.toSeconds()) + " so far");
        if (left != null) {
            parts.add("about " + duration(left) + " left" + (from == null || exact ? ""
                    : " (going by the " + from + ")"));
        }
        return item + ": " + String.join(", ", parts);
    }

    /** 1536 as "1.5 KiB": how every size is written for people. */
    public static String bytes(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    static String duration(long seconds) {
        if (seconds < 60) {
            return seconds + " s";
        }
        if (seconds < 3600) {
            return seconds / 60 + " min " + seconds % 60 + " s";
        }
        return seconds / 3600 + " h " + seconds % 3600 / 60 + " min";
    }
}
