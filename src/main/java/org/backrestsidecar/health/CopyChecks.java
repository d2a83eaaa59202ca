package org.backrestsidecar.health;

import io.quarkus.runtime.StartupEvent;
import io.smallrye.health.api.HealthRegistry;
import io.smallrye.health.api.Wellness;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Instant;
import java.util.Optional;
import org.backrestsidecar.config.CopyConfig;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.config.SidecarConfig;
import org.backrestsidecar.config.SwarmRole;
import org.backrestsidecar.offsite.CopyState;
import org.backrestsidecar.offsite.Copies;
import org.eclipse.microprofile.health.HealthCheckResponse;

/** One wellness check per copy: DOWN when its newest snapshot is older than it may be. */
@ApplicationScoped
public class CopyChecks {
    private final SidecarConfig config;
    private final CopyFreshness freshness;
    private final Copies copies;
    private final HealthRegistry registry;

    private final SwarmRole role;

    public CopyChecks(SidecarConfig config, CopyFreshness freshness, Copies copies, @Wellness HealthRegistry registry,
                      SwarmRole role) {
        this.role = role;
        this.config = config;
        this.freshness = freshness;
        this.copies = copies;
        this.registry = registry;
    }

    void register(@Observes StartupEvent ignored) {
        for (RepoConfig repo : role.keepsRepos() ? config.repos() : java.util.List.<RepoConfig>of()) {
            for (CopyConfig copy : repo.copies()) {
                registry.register("copy-" + repo.id() + "-" + copy.id(), () -> check(repo, copy));
            }
        }
    }

    private HealthCheckResponse check(RepoConfig repo, CopyConfig copy) {
        Optional<String> stale = freshness.staleness(repo, copy, Instant.now());
        CopyState state = copies.state(repo.id(), copy.id()).orElseThrow();
        var builder = HealthCheckResponse.named("copy " + copy.id() + " of repo " + repo.id())
                .status(stale.isEmpty())
                .withData("objective", freshness.objective(repo, copy).toString())
                .withData("newestSnapshot", state.newestSnapshotTime() == null ? "none" : state.newestSnapshotTime().toString());
        if (state.error() != null) {
            builder.withData("lastError", state.error());
        }
        if (state.appendOnly()) {
            builder.withData("retention", CopyState.APPEND_ONLY);
            if (state.pastRetention() != null) {
                builder.withData("snapshotsPastRetentionForAWeek", state.pastRetention());
            }
        }
        stale.ifPresent(why -> builder.withData("reason", why));
        return builder.build();
    }
}
