package org.backrestsidecar.quiesce;

import com.github.dockerjava.api.model.Container;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A container as the stop order sees it: who it is, and whom it depends on, read from what Compose
 * writes (depends_on label, {@code network_mode: service:X}) and from {@code backup.stop.after}.
 */
public record ContainerNode(String id, String name, String service, String project, boolean running,
                            Set<String> dependsOnServices, String networkContainer, Set<String> stopAfter) {

    static final String COMPOSE_DEPENDS_ON = "com.docker.compose.depends_on";

    public static ContainerNode of(Container c, String labelPrefix) {
        Map<String, String> labels = c.getLabels() == null ? Map.of() : c.getLabels();
        String name = c.getNames() == null || c.getNames().length == 0 ? c.getId() : c.getNames()[0].replaceFirst("^/", "");
        String network = c.getHostConfig() == null ? null : c.getHostConfig().getNetworkMode();
        return new ContainerNode(c.getId(), name, labels.getOrDefault("com.docker.compose.service", name),
                labels.getOrDefault("com.docker.compose.project", ""), "running".equals(c.getState()),
                // Compose v2 writes "db:service_started:false,cache:service_healthy:true"
                names(labels.get(COMPOSE_DEPENDS_ON)).stream().map(d -> d.split(":")[0]).collect(Collectors.toSet()),
                network != null && network.startsWith("container:") ? network.substring("container:".length()) : null,
                names(labels.get(labelPrefix + ".stop.after")));
    }

    static Set<String> names(String list) {
        if (list == null || list.isBlank()) {
            return Set.of();
        }
        return Arrays.stream(list.split(",")).map(String::strip).filter(s -> !s.isEmpty()).collect(Collectors.toSet());
    }

    /** Does this container need {@code other} up to work? */
    boolean dependsOn(ContainerNode other) {
        boolean sameProject = project.equals(other.project);
        return sameProject && dependsOnServices.contains(other.service)
                || other.id.equals(networkContainer) || other.name.equals(networkContainer)
                || sameProject && (other.stopAfter.contains(service) || other.stopAfter.contains(name));
    }
}
