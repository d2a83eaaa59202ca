package org.backrestsidecar.health;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.config.SidecarConfig;
import org.backrestsidecar.restic.Repository;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Every repo opens with its key. Each probe would otherwise start one restic per repo, so an
 * answer is reused for a short while; a failure is re-checked at once on the next probe.
 */
@Readiness
@ApplicationScoped
public class RepoReadiness implements HealthCheck {
    private final Duration reuse;
    private final SidecarConfig config;
    private final Repository repository;
    private volatile Instant checkedAt = Instant.EPOCH;
    private volatile Map<String, Optional<String>> lastAnswer = Map.of();

    public RepoReadiness(SidecarConfig config, Repository repository,
                         @ConfigProperty(name = "sidecar.health.repo-recheck", defaultValue = "30s") Duration reuse) {
        this.reuse = reuse;
        this.config = config;
        this.repository = repository;
    }

    /**
     * Each repo's problem, empty when it opens with its key; a good answer is reused for a while,
     * a bad one never.
     */
    public Map<String, Optional<String>> problems() {
        Map<String, Optional<String>> answer = lastAnswer;
        boolean reusable = Instant.now().isBefore(checkedAt.plus(reuse))
                && answer.values().stream().allMatch(Optional::isEmpty) && !answer.isEmpty();
        if (!reusable) {
            Map<String, Optional<String>> fresh = new LinkedHashMap<>();
            for (RepoConfig repo : config.repos()) {
                fresh.put(repo.id(), repository.openProblem(repo));
            }
            answer = fresh;
            lastAnswer = fresh;
            checkedAt = Instant.now();
        }
        return answer;
    }

    /** Each repo's state, read once: {@code ready}, {@code not created yet}, or why it does not open. */
    public Map<String, String> states() {
        Map<String, String> states = new LinkedHashMap<>();
        problems().forEach((id, problem) -> states.put(id,
                problem.map(p -> org.backrestsidecar.restic.ResticException.saysNoRepository(p) ? "not created yet" : p.strip()).orElse("ready")));
        return states;
    }

    @Override
    public HealthCheckResponse call() {
        Map<String, Optional<String>> answer = problems();
        var builder = HealthCheckResponse.named("repos").up();
        answer.forEach((id, problem) -> {
            builder.withData(id, problem.orElse("opens"));
            if (problem.isPresent()) {
                builder.down();
            }
        });
        return builder.build();
    }
}
