package org.backrestsidecar.config;

import java.util.Arrays;
import java.util.Locale;

/**
 * What this sidecar does in a Docker Swarm, where one runs on every node ({@code SIDECAR_SWARM_ROLE}).
 * Work on a repo as a whole (prune, {@code restic check}, offsite copies) is done once for the swarm by
 * the one task of a replicated service, so Swarm, not the sidecars, decides who does it; every node's
 * sidecar backs up, forgets and drills what runs on its node.
 */
public enum SwarmRole {
    /** Not in a swarm (Compose): everything. */
    ALL,
    /** One per node (a global service): its node's targets, retention of its own snapshots, drills. */
    NODE,
    /** One for the swarm (replicas: 1): prune, repo checks and offsite copies of every repo. */
    REPOS;

    public boolean backsUp() {
        return this != REPOS;
    }

    public boolean keepsRepos() {
        return this != NODE;
    }

    /** Forget only this host's snapshots: other nodes' series are theirs to thin. */
    public boolean forgetsOwnHostOnly() {
        return this == NODE;
    }

    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws ConfigException naming the variable and the words it takes */
    public static SwarmRole parse(String text) {
        return Arrays.stream(values()).filter(r -> r.word().equals(text.strip().toLowerCase(Locale.ROOT)))
                .findFirst().orElseThrow(() -> new ConfigException(java.util.List.of("SIDECAR_SWARM_ROLE='" + text
                        + "': write node (one sidecar per node, a global service), repos (the one task that "
                        + "prunes, checks and copies the repos) or all (not in a swarm)")));
    }
}
