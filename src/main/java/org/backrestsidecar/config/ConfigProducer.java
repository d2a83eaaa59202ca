package org.backrestsidecar.config;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Loads the YAML once; a bad file fails start-up with the loader's message. In a swarm every node
 * reads the same file, so what differs per node comes from the environment: the instance
 * ({@code SIDECAR_INSTANCE}, the stack gives it the node's host name) and the role.
 */
@ApplicationScoped
public class ConfigProducer {
    private final Path file;
    private final Optional<String> instance;
    private final String role;

    public ConfigProducer(@ConfigProperty(name = "sidecar.config", defaultValue = "/config/sidecar.yml") Path file,
                          @ConfigProperty(name = "sidecar.instance") Optional<String> instance,
                          @ConfigProperty(name = "sidecar.swarm.role", defaultValue = "all") String role) {
        this.file = file;
        this.instance = instance.map(String::strip).filter(s -> !s.isEmpty());
        this.role = role;
    }

    @Produces
    @Singleton
    SidecarConfig config() {
        SidecarConfig loaded = ConfigLoader.load(file);
        if (instance.isEmpty()) {
            return loaded;
        }
        if (!ConfigLoader.ID.matcher(instance.get()).matches()) {
            throw new ConfigException(List.of("SIDECAR_INSTANCE='" + instance.get()
                    + "' must be 1-50 of A-Z a-z 0-9 _ . - (Backrest's rule)"));
        }
        return loaded.asInstance(instance.get());
    }

    @Produces
    @Singleton
    SwarmRole role() {
        return SwarmRole.parse(role);
    }
}
