package org.backrestsidecar.config;

import java.nio.file.Path;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;

/**
 * The whole configuration, read once at start-up from one YAML file (or the built-in defaults).
 *
 * @param instance       the name restic records as host and Backrest shows as instance
 * @param labelPrefix    label namespace, {@code backup} gives {@code backup.enable=true}
 * @param composeProject when present, only containers of this Compose project are targets
 * @param stateDir       where the sidecar keeps its restic cache and journal
 * @param helperImage    image of the containers that read targets' volumes (default: the sidecar's own)
 * @param backrest       Backrest's API, to keep the sidecar's repos and plans there
 * @param drills         when restore drills and repo checks run
 * @param notifications  where failures are told
 * @param access         roles of users and API tokens
 * @param prune          when repos are pruned
 */
public record SidecarConfig(Path source, String instance, String labelPrefix, Optional<String> composeProject,
                            ZoneId timeZone, Path stateDir, Optional<String> helperImage,
                            Optional<BackrestConnection> backrest, List<RepoConfig> repos, List<PlanConfig> plans,
                            DrillConfig drills, NotificationsConfig notifications, AccessConfig access,
                            PruneConfig prune) {

    public SidecarConfig {
        repos = List.copyOf(repos);
        plans = List.copyOf(plans);
    }

    /** With the default prune schedule (tools and tests that build a configuration by hand). */
    public SidecarConfig(Path source, String instance, String labelPrefix, Optional<String> composeProject,
                         ZoneId timeZone, Path stateDir, Optional<String> helperImage,
                         Optional<BackrestConnection> backrest, List<RepoConfig> repos, List<PlanConfig> plans,
                         DrillConfig drills, NotificationsConfig notifications, AccessConfig access) {
        this(source, instance, labelPrefix, composeProject, timeZone, stateDir, helperImage, backrest, repos, plans,
                drills, notifications, access, PruneConfig.DEFAULT);
    }

    /** The same configuration under another instance name (each node of a swarm is its own instance). */
    public SidecarConfig asInstance(String name) {
        return new SidecarConfig(source, name, labelPrefix, composeProject, timeZone, stateDir, helperImage, backrest,
                repos, plans, drills, notifications, access, prune);
    }

    public Optional<PlanConfig> plan(String id) {
        return plans.stream().filter(p -> p.id().equals(id)).findFirst();
    }

    /** @throws java.util.NoSuchElementException naming the plan, which the API answers with 404 */
    public PlanConfig requirePlan(String id) {
        return plan(id).orElseThrow(() -> new java.util.NoSuchElementException("no plan " + id));
    }

    public Optional<RepoConfig> repo(String id) {
        return repos.stream().filter(r -> r.id().equals(id)).findFirst();
    }

    public RepoConfig repoOf(PlanConfig plan) {
        return repo(plan.repo()).orElseThrow(() -> new IllegalStateException("plan " + plan.id()
                + " names repo " + plan.repo() + " that the loader should have refused"));
    }
}
