package org.backrestsidecar.config;

import java.util.Optional;

/**
 * When repos are pruned. A run only forgets (cheap: it rewrites snapshot files); {@code restic prune}
 * reads every index and repacks, which on a repo holding months of snapshots can cost more than the
 * backup itself, so it runs on its own schedule.
 *
 * @param schedule  5-field cron, or {@code off} (never: prune by hand or from Backrest)
 * @param maxUnused restic's {@code --max-unused} (e.g. {@code 10%}): how much unused data may stay
 *                  rather than be repacked; empty: restic's own default (5 %)
 */
public record PruneConfig(String schedule, Optional<String> maxUnused) {
    /** Sundays 04:00: after the default plans' runs (01:00, 02:00, 03:00), before Monday's drills. */
    public static final PruneConfig DEFAULT = new PruneConfig("0 4 * * 0", Optional.empty());
}
