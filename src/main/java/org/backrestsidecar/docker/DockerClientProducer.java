package org.backrestsidecar.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import com.github.dockerjava.transport.DockerHttpClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The Docker engine the sidecar works on. The API version is left to negotiation so that an older
 * engine (API 1.41 here) and a newer one both answer.
 */
@ApplicationScoped
public class DockerClientProducer {
    private static final int POOLED = 50;
    private final String host;

    public DockerClientProducer(@ConfigProperty(name = "sidecar.docker.host",
            defaultValue = "unix:///var/run/docker.sock") String host) {
        this.host = host;
    }

    @Produces
    @Singleton
    DockerClient docker(DockerHttpClient http) {
        var config = DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(host).build();
        return DockerClientImpl.getInstance(config, http);
    }

    /**
     * The engine's HTTP API itself, for the calls docker-java's models would change in passing: a
     * Swarm service's spec is read and sent back as the engine wrote it (docker/SwarmServices).
     */
    @Produces
    @Singleton
    DockerHttpClient http() {
        var http = new ApacheDockerHttpClient.Builder()
                .dockerHost(URI.create(host))
                .maxConnections(POOLED)
                .connectionTimeout(Duration.ofSeconds(10))
                .build();
        return new ClosedIdleConnectionRetry(http, POOLED);
    }

    /** A client with an HTTP client of its own, made outside CDI (the tests that point it at a relay or a proxy). */
    DockerClient standalone() {
        return docker(http());
    }

    void close(@Disposes DockerClient docker) throws IOException {
        docker.close();
    }
}
