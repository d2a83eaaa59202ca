package org.backrestsidecar.health;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.backrestsidecar.config.CopyConfig;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.config.SidecarConfig;
import org.backrestsidecar.offsite.Copies;
import org.backrestsidecar.offsite.CopyState;
import org.backrestsidecar.config.CronSchedule;

/**
 * Is a copy recent enough? Its newest snapshot may be as old as the strictest objective of the plans
 * on its repo, plus the copy's own schedule interval when it has one (a copy made on Sundays is a
 * week behind on Saturday by design).
 */
@ApplicationScoped
public class CopyFreshness {
    private final SidecarConfig config;
    private final Freshness freshness;
    private final Copies copies;
    private final Instant started = Instant.now();

    public CopyFreshness(SidecarConfig config, Freshness freshness, Copies copies) {
        this.config = config;
        this.freshness = freshness;
        this.copies = copies;
    }

    public Duration objective(RepoConfig repo, CopyConfig copy) {
        Duration plans = config.plans().stream().filter(p -> p.repo().equals(repo.id())).map(freshness::objective)
                .min(Duration::compareTo).orElse(Duration.ofHours(36));
        Duration own = copy.schedule().map(c -> CronSchedule.parse(c, config.timeZone()).longestInterval(Instant.now()))
                .orElse(Duration.ZERO);
        return plans.plus(own);
    }

    /** Why the copy is behind, or empty when it is recent enough. */
    public Optional<String> staleness(RepoConfig repo, CopyConfig copy, Instant now) {
        Duration objective = objective(repo, copy);
        CopyState state = copies.state(repo.id(), copy.id()).orElseThrow();
        if (state.newestSnapshotTime() == null) {
            Duration up = Duration.between(started, now);
            return up.compareTo(objective) > 0
                    ? Optional.of("no snapshot copied since the sidecar started " + up.toHours() + "h ago (objective "
                    + objective + ")" + (state.error() == null ? "" : "; last error: " + state.error()))
                    : Optional.empty();
        }
        Duration age = Duration.between(state.newestSnapshotTime(), now);
        return age.compareTo(objective) > 0
                ? Optional.of("newest copied snapshot " + state.newestSnapshotTime() + " is " + age + " old, over "
                + objective + (state.error() == null ? "" : "; last error: " + state.error()))
                : Optional.empty();
    }
}
