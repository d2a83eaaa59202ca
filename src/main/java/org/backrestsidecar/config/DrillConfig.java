package org.backrestsidecar.config;

import java.util.Map;
import java.util.Optional;

/**
 * When the sidecar proves its backups without being asked: a restore drill per plan, and
 * {@code restic check} of every repo (structure, and a share of the data read back).
 *
 * @param schedule      the drill cron of every plan not named in {@code perPlan}
 * @param perPlan       a plan's own drill cron, or {@code off}
 * @param repoCheck     cron of {@code restic check} (structure and index) of every repo
 * @param repoDataCheck cron of {@code restic check --read-data-subset=k/N}: the next part of every repo
 * @param readBackIn    N: every byte of every repo is read back within that many data checks
 * @param dataSubset    how much data each files drill reads back, e.g. {@code 10%}
 */
public record DrillConfig(String schedule, Map<String, String> perPlan, String repoCheck, String repoDataCheck,
                          int readBackIn, String dataSubset, Optional<String> from) {
    public static final String OFF = "off";
    /**
     * Drills Mondays 05:00, after the weekend's backups; the structure checked Mondays 06:00; an
     * eighth of the data read back Thursdays 06:00, so every byte within about two months, each
     * check reading little more than the monthly tenth it replaced did per month.
     */
    public static final DrillConfig DEFAULT = new DrillConfig("0 5 * * 1", Map.of(), "0 6 * * 1", "0 6 * * 4", 8,
            "10%", Optional.empty());

    public DrillConfig {
        perPlan = Map.copyOf(perPlan);
    }

    /** The plan's drill cron, or empty when its drills are off. */
    public Optional<String> scheduleOf(String plan) {
        String cron = perPlan.getOrDefault(plan, schedule);
        return OFF.equals(cron) ? Optional.empty() : Optional.of(cron);
    }
}
