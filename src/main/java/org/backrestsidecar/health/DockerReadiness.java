package org.backrestsidecar.health;

import com.github.dockerjava.api.DockerClient;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Without the Docker engine the sidecar can neither find nor copy anything. */
@Readiness
@ApplicationScoped
public class DockerReadiness implements HealthCheck {
    private final DockerClient docker;

    public DockerReadiness(DockerClient docker) {
        this.docker = docker;
    }

    @Override
    public HealthCheckResponse call() {
        try {
            docker.pingCmd().exec();
            return HealthCheckResponse.up("docker");
        } catch (RuntimeException e) {
            return HealthCheckResponse.named("docker").down().withData("error", String.valueOf(e.getMessage())).build();
        }
    }
}
