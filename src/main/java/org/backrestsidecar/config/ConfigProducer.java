package org.backrestsidecar.config;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.backrestsidecar.state.StateFormat;
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

    private final String version;

    public ConfigProducer(@ConfigProperty(name = "sidecar.config", defaultValue = "/config/sidecar.yml") Path file,
                          @ConfigProperty(name = "sidecar.instance") Optional<String> instance,
                          @ConfigProperty(name = "sidecar.swarm.role", defaultValue = "all") String role,
                          @ConfigProperty(name = "quarkus.application.version") String version) {
        this.file = file;
        this.instance = instance.map(String::strip).filter(s -> !s.isEmpty());
        this.role = role;
        this.version = version;
    }

    @Produces
    @Singleton
    SidecarConfig config() {
        SidecarConfig config = named(ConfigLoader.load(file));
        // here, because every part that reads the state folder is handed this config first: a folder
        // a newer version wrote is refused before anything reads it
        try {
            StateFormat.check(config.stateDir(), version);
        } catch (IOException e) {
            throw new UncheckedIOException("the state folder " + config.stateDir() + " cannot be stamped: " + e.getMessage(), e);
        }
        return config;
    }

    private SidecarConfig named(SidecarConfig loaded) {
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
