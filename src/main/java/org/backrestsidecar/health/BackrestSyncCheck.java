package org.backrestsidecar.health;

import io.smallrye.health.api.Wellness;
import jakarta.enterprise.context.ApplicationScoped;
import org.backrestsidecar.backrest.BackrestSync;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;

/**
 * Whether Backrest shows the sidecar's repos and plans. Backrest being away never stops a backup,
 * so this stays UP and carries the warning in its data instead.
 */
@Wellness
@ApplicationScoped
public class BackrestSyncCheck implements HealthCheck {
    private final BackrestSync sync;

    public BackrestSyncCheck(BackrestSync sync) {
        this.sync = sync;
    }

    @Override
    public HealthCheckResponse call() {
        var builder = HealthCheckResponse.named("backrest sync").up();
        sync.status().ifPresentOrElse(s -> {
            builder.withData("state", s.warning().isEmpty() ? "in step" : "warning");
            s.warning().ifPresent(w -> builder.withData("warning", w));
            if (s.lastSuccess() != null) {
                builder.withData("lastSuccess", s.lastSuccess().toString());
            }
        }, () -> builder.withData("state", "not configured"));
        return builder.build();
    }
}
