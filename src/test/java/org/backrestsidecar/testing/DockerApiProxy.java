package org.backrestsidecar.testing;

import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.Volume;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The Docker API proxy as the bundle runs it: the shipped config (docker-proxy/docker-api.cfg) in the
 * image standing in for Tecnativa's docker-socket-proxy (haproxy, root, its entrypoint), published on
 * 127.0.0.1 for a sidecar that runs on the host.
 */
public final class DockerApiProxy {
    public static final String IMAGE = "backrest-sidecar-offline/docker-proxy:local";
    private final String name;
    private final String host;

    private DockerApiProxy(String name, String host) {
        this.name = name;
        this.host = host;
    }

    /**
     * @param bindFrom the host folders helpers may bind (DOCKER_API_BIND_FROM), e.g. a host-run
     *                 sidecar's repos
     */
    public static DockerApiProxy start(String name, String bindFrom) throws IOException, InterruptedException {
        return start(name, bindFrom, Path.of("docker-proxy/docker-api.cfg"));
    }

    /** The same with another haproxy config than the shipped one (a test's changed setting). */
    public static DockerApiProxy start(String name, String bindFrom, Path haproxyConfig)
            throws IOException, InterruptedException {
        TestDocker.run(List.of("docker", "build", "-q", "--build-arg", "BASE_IMAGE=" + TestDocker.IMAGE,
                "-t", IMAGE, "scripts/offline/docker-proxy"), Map.of());
        var docker = TestDocker.client();
        remove(name);
        var port = ExposedPort.tcp(2375);
        var ports = new Ports();
        ports.bind(port, Ports.Binding.bindIp("127.0.0.1"));
        String config = haproxyConfig.toAbsolutePath().toString();
        String judge = Path.of("docker-proxy/docker-api.lua").toAbsolutePath().toString();
        docker.createContainerCmd(IMAGE).withName(name)
                .withCmd("haproxy", "-f", "/usr/local/etc/haproxy/docker-api.cfg")
                .withEnv("DOCKER_API_BIND=:2375", "DOCKER_API_TIMEOUT=10m", "DOCKER_API_BIND_FROM=" + bindFrom)
                .withExposedPorts(port)
                .withHostConfig(HostConfig.newHostConfig().withPortBindings(ports)
                        .withBinds(new Bind("/var/run/docker.sock", new Volume("/var/run/docker.sock")),
                                new Bind(config, new Volume("/usr/local/etc/haproxy/docker-api.cfg"), AccessMode.ro),
                                new Bind(judge, new Volume("/usr/local/etc/haproxy/docker-api.lua"), AccessMode.ro)))
                .exec();
        docker.startContainerCmd(name).exec();
        var bound = docker.inspectContainerCmd(name).exec().getNetworkSettings().getPorts().getBindings().get(port);
        String host = "tcp://127.0.0.1:" + bound[0].getHostPortSpec();
        var http = java.net.http.HttpClient.newHttpClient();
        var ping = java.net.http.HttpRequest.newBuilder(java.net.URI.create(host.replace("tcp:", "http:") + "/_ping")).build();
        TestDocker.await("the Docker API proxy answering", Duration.ofSeconds(30), () -> {
            try {
                return http.send(ping, java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
            } catch (IOException notYet) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        });
        return new DockerApiProxy(name, host);
    }

    /** Where a sidecar reaches it: {@code tcp://127.0.0.1:<port>}. */
    public String host() {
        return host;
    }

    public String name() {
        return name;
    }

    public void remove() {
        remove(name);
    }

    private static void remove(String name) {
        try {
            TestDocker.client().removeContainerCmd(name).withForce(true).exec();
        } catch (RuntimeException e) {
            // not there
        }
    }
}
