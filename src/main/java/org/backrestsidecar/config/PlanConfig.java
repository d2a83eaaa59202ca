package org.backrestsidecar.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A backup plan: which repo, when (5-field cron), what to keep, and extra host paths to store.
 * {@code recoveryPointObjective} is empty when it should follow the schedule (1.5 x interval);
 * {@code recoveryTimeObjective} is how long restoring every target of the plan may take, held against
 * what each drill measures.
 */
public record PlanConfig(String id, String repo, String schedule, Retention retention, List<Path> paths,
                         Optional<Duration> recoveryPointObjective, Priority priority, Duration recoveryTimeObjective) {
    /** What the users of a stack ask of it: back in under two hours. */
    public static final Duration DEFAULT_RTO = Duration.ofHours(2);

    public PlanConfig {
        paths = List.copyOf(paths);
    }

    /** A plan at the default priority (low) and recovery-time objective. */
    public PlanConfig(String id, String repo, String schedule, Retention retention, List<Path> paths,
                      Optional<Duration> recoveryPointObjective) {
        this(id, repo, schedule, retention, paths, recoveryPointObjective, Priority.LOW, DEFAULT_RTO);
    }
}
