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
    public static final String DEFAULT_MAX_RETAINED = "2GB";
    public static final List<String> KEYS = List.of(MODE, MAX_RETAINED, CHECKPOINT, MAX_RATE);
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
        return problems;
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
