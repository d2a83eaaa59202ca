package org.backrestsidecar.health;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.backrestsidecar.config.PlanConfig;
import org.backrestsidecar.run.RunRegistry;
import org.backrestsidecar.schedule.PlanScheduler;

/**
 * Is a plan's newest good backup recent enough? The recovery-point objective is the plan's
 * {@code rpo}, or one and a half times its schedule's longest interval.
 */
@ApplicationScoped
public class Freshness {
    private final RunRegistry runs;
    private final PlanScheduler scheduler;
    private final Instant started = Instant.now();

    public Freshness(RunRegistry runs, PlanScheduler scheduler) {
        this.runs = runs;
        this.scheduler = scheduler;
    }

    public Duration objective(PlanConfig plan) {
        return plan.recoveryPointObjective().orElseGet(() -> scheduler.schedule(plan.id())
                .map(s -> s.defaultRecoveryPointObjective(Instant.now()))
                .orElse(Duration.ofHours(36)));
    }

    /** Why the plan is stale, or empty when it is fresh. */
    public Optional<String> staleness(PlanConfig plan, Instant now) {
        Duration objective = objective(plan);
        Optional<Instant> last = runs.lastSuccess(plan.id());
        if (last.isEmpty()) {
            // a sidecar that just started has had no chance to run yet
            Duration up = Duration.between(started, now);
            return up.compareTo(objective) > 0
                    ? Optional.of("no good backup since the sidecar started " + up.toHours() + "h ago (objective "
                    + objective + ")")
                    : Optional.empty();
        }
        Duration age = Duration.between(last.get(), now);
        return age.compareTo(objective) > 0
                ? Optional.of("last good backup " + last.get() + " is " + age + " old, over the objective " + objective)
                : Optional.empty();
    }
}
