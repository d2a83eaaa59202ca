package org.backrestsidecar.config;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Loads the YAML once; a bad file fails start-up with the loader's message. */
@ApplicationScoped
public class ConfigProducer {
    private final Path file;

    public ConfigProducer(@ConfigProperty(name = "sidecar.config", defaultValue = "/config/sidecar.yml") Path file) {
        this.file = file;
    }

    @Produces
    @Singleton
    SidecarConfig config() {
        return ConfigLoader.load(file);
    }
}
