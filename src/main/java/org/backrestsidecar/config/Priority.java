package org.backrestsidecar.config;

import java.util.Arrays;
import java.util.Optional;

/**
 * How hard a plan's backups compete with the services for CPU and disk while they run
 * ({@code plans[].priority}). Measured in bench/results.md "What a backup costs the service".
 */
public enum Priority {
    /**
     * The default: what the backup starts runs at nice 19, in the idle I/O class and in the SCHED_IDLE
     * policy (restic, and in a Postgres container pg_dump and the server process that serves it),
     * helper containers at the lowest CPU weight. Idle CPU is still used in full; only under load
     * does the backup yield.
     */
    LOW,
    /** Competes as an equal: for a window when nothing else runs, or a backup that must end soon. */
    FULL;

    public String word() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static Optional<Priority> of(String word) {
        return Arrays.stream(values()).filter(p -> p.word().equals(word.strip())).findFirst();
    }
}
