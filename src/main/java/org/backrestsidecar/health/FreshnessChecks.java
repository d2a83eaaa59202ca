package org.backrestsidecar.health;

import io.quarkus.runtime.StartupEvent;
import io.smallrye.health.api.HealthRegistry;
import io.smallrye.health.api.Wellness;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Instant;
import java.util.Optional;
import org.backrestsidecar.config.PlanConfig;
import org.backrestsidecar.config.SidecarConfig;
import org.backrestsidecar.config.SwarmRole;
import org.backrestsidecar.run.RunRegistry;
import org.eclipse.microprofile.health.HealthCheckResponse;

/**
 * One freshness check per plan, in the wellness group: a stale backup is an alarm for the operator,
 * not a reason for Docker to restart or unroute the sidecar, so it stays out of live and ready.
 */
@ApplicationScoped
public class FreshnessChecks {
    private final SidecarConfig config;
    private final Freshness freshness;
    private final RunRegistry runs;
    private final HealthRegistry registry;

    private final SwarmRole role;

    public FreshnessChecks(SidecarConfig config, Freshness freshness, RunRegistry runs,
                           @Wellness HealthRegistry registry, SwarmRole role) {
        this.role = role;
        this.config = config;
        this.freshness = freshness;
        this.runs = runs;
        this.registry = registry;
    }

    void register(@Observes StartupEvent ignored) {
        for (PlanConfig plan : role.backsUp() ? config.plans() : java.util.List.<PlanConfig>of()) {
            registry.register("freshness-" + plan.id(), () -> check(plan));
        }
    }

    private HealthCheckResponse check(PlanConfig plan) {
        Optional<String> stale = freshness.staleness(plan, Instant.now());
        var builder = HealthCheckResponse.named("backup freshness of plan " + plan.id())
                .status(stale.isEmpty())
                .withData("objective", freshness.objective(plan).toString())
                .withData("lastSuccess", runs.lastSuccess(plan.id()).map(Instant::toString).orElse("never"));
        stale.ifPresent(why -> builder.withData("reason", why));
        return builder.build();
    }
}
