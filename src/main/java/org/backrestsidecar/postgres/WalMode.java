package org.backrestsidecar.postgres;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.backrestsidecar.discovery.Target;

/**
 * The labels of a Postgres target backed up physically: {@code backup.postgres.mode=wal} (base
 * backups on the plan's schedule, WAL streamed in between) instead of the default nightly dump.
 */
public final class WalMode {
    /** {@code dump} (default) or {@code wal}. */
    public static final String MODE = Target.WAL_MODE_LABEL;
    /**
     * The bound set as the server's {@code max_slot_wal_keep_size} when it has none (-1): past it the
     * server gives up our slot rather than fill its disk, and the sidecar starts a new chain.
     */
    public static final String MAX_RETAINED = "postgres.wal.max-retained";
    /** The base backup's checkpoint: {@code spread} (default, gentle on the service) or {@code fast}. */
    public static final String CHECKPOINT = "postgres.checkpoint";
    /**
     * The base backup's pace: pg_basebackup's {@code --max-rate}, in kB/s or with {@code k} or {@code M}
     * (32k to 1024M, pg_basebackup's own bounds). Unset, it reads as fast as the server gives.
     */
    public static final String MAX_RATE = "postgres.base.max-rate";
    /**
     * On Postgres 17 and later, how many base backups a chain holds at most: a full one, then
     * incremental ones ({@code pg_basebackup --incremental}) against the one before, until the next
     * full. 1 makes every base backup full. See {@link #DEFAULT_FULL_EVERY}.
     */
    public static final String FULL_EVERY = "postgres.base.full-every";
    /**
     * A full base backup every 7th: with the default daily schedule, a full one a week. A restore lays
     * down and combines at most 7 base backups, and one damaged link costs the moments of the days
     * after it only up to the next full; the parent of each incremental is a day old, well inside the
     * 10 days the server keeps its WAL summaries by default ({@code wal_summary_keep_time}).
     */
    public static final int DEFAULT_FULL_EVERY = 7;
    /** The first Postgres whose pg_basebackup takes incremental backups (server_version_num). */
    public static final int INCREMENTAL_SINCE = 170000;
    public static final String DEFAULT_MAX_RETAINED = "2GB";
    public static final List<String> KEYS = List.of(MODE, MAX_RETAINED, CHECKPOINT, MAX_RATE, FULL_EVERY);
    /** The server's own tools, where the official images and Debian's packages put them. */
    /** A shell's first words: the server's tools (pg_checksums, pg_basebackup) on the PATH of a Debian-based image. */
    public static final String PG_BIN = "PATH=\"$PATH:$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)\"; ";
    private static final Pattern SIZE = Pattern.compile("\\d+(MB|GB|TB)");
    private static final Pattern RATE = Pattern.compile("(\\d{1,7})([kM]?)");

    private WalMode() {
    }

    public static List<String> check(Map<String, String> options) {
        List<String> problems = new ArrayList<>();
        String mode = options.get(MODE);
        if (mode != null && !List.of("dump", "wal").contains(mode.strip())) {
            problems.add(MODE + "='" + mode + "': write dump (a logical dump each run) or wal (base backups and "
                    + "WAL streamed in between, restorable to any moment)");
        }
        String max = options.get(MAX_RETAINED);
        if (max != null && !SIZE.matcher(max.strip()).matches()) {
            problems.add(MAX_RETAINED + "='" + max + "': a size such as 2GB or 512MB");
        }
        String checkpoint = options.get(CHECKPOINT);
        if (checkpoint != null && !List.of("spread", "fast").contains(checkpoint.strip())) {
            problems.add(CHECKPOINT + "='" + checkpoint + "': write spread or fast");
        }
        String rate = options.get(MAX_RATE);
        if (rate != null && kilobytesPerSecond(rate).isEmpty()) {
            problems.add(MAX_RATE + "='" + rate + "': a rate such as 32M (MB/s) or 512k (kB/s), from 32k to 1024M");
        }
        String every = options.get(FULL_EVERY);
        if (every != null && !every.strip().matches("[1-9][0-9]{0,2}")) {
            problems.add(FULL_EVERY + "='" + every + "': a count of base backups from 1 (every one full) to 999, "
                    + "such as " + DEFAULT_FULL_EVERY + " (a full one, then 6 incremental ones; Postgres 17 and later)");
        }
        return problems;
    }

    /** How many base backups a chain holds at most: a full one and the incremental ones after it. */
    public static int fullEvery(Target target) {
        return target.option(FULL_EVERY).map(String::strip).map(Integer::parseInt).orElse(DEFAULT_FULL_EVERY);
    }

    public static String maxRetained(Target target) {
        return target.option(MAX_RETAINED).orElse(DEFAULT_MAX_RETAINED);
    }

    /** pg_basebackup's option for the target's pace, or none. */
    public static Optional<String> maxRate(Target target) {
        return target.option(MAX_RATE).flatMap(WalMode::kilobytesPerSecond).map(k -> "--max-rate=" + k + "k");
    }

    private static Optional<Long> kilobytesPerSecond(String rate) {
        var m = RATE.matcher(rate.strip());
        if (!m.matches()) {
            return Optional.empty();
        }
        long k = Long.parseLong(m.group(1)) * (m.group(2).equals("M") ? 1024 : 1);
        return k >= 32 && k <= 1024 * 1024 ? Optional.of(k) : Optional.empty();
    }

    public static String checkpoint(Target target) {
        return target.option(CHECKPOINT).orElse("spread");
    }

    /** The replication slot that holds the server's WAL for our stream (one per target). */
    public static String slot(Target target) {
        return "backrest_sidecar_" + target.name().toLowerCase().replaceAll("[^a-z0-9_]", "_");
    }
}
