package org.backrestsidecar.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.Volume;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.backrestsidecar.testing.TestDocker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The sidecar's Docker client talking through the socket proxy of the Compose bundle: our stand-in
 * for Tecnativa's docker-socket-proxy 0.3.0 is haproxy with the real image's configuration, so it
 * closes a keep-alive connection after 10 idle seconds exactly as the real one does.
 */
class ThroughSocketProxyTest {
    /** As {@link TestDocker#remove} names it: without the prefix. */
    private static final String PROXY_NAME = "docker-proxy";
    private static final String PROXY = TestDocker.PREFIX + PROXY_NAME;
    private static final String IMAGE = "backrest-sidecar-offline/docker-proxy:local";
    private static String host;

    @BeforeAll
    static void startProxy() throws Exception {
        TestDocker.removeLeftovers();
        TestDocker.run(List.of("docker", "build", "-q", "--build-arg", "BASE_IMAGE=" + TestDocker.IMAGE,
                "-t", IMAGE, "scripts/offline/docker-proxy"), Map.of());
        var docker = TestDocker.client();
        var port = ExposedPort.tcp(2375);
        var ports = new Ports();
        ports.bind(port, Ports.Binding.bindIp("127.0.0.1"));
        docker.createContainerCmd(IMAGE).withName(PROXY)
                .withEnv("CONTAINERS=1", "POST=1", "DISABLE_IPV6=1")
                .withExposedPorts(port)
                .withHostConfig(HostConfig.newHostConfig().withPortBindings(ports)
                        .withBinds(new Bind("/var/run/docker.sock", new Volume("/var/run/docker.sock"))))
                .exec();
        docker.startContainerCmd(PROXY).exec();
        var bound = docker.inspectContainerCmd(PROXY).exec().getNetworkSettings().getPorts().getBindings().get(port);
        host = "tcp://127.0.0.1:" + bound[0].getHostPortSpec();
        TestDocker.await("the proxy answering", Duration.ofSeconds(30), () -> {
            try (var client = new DockerClientProducer(host).docker()) {
                client.pingCmd().exec();
                return true;
            } catch (Exception notYet) {
                return false;
            }
        });
    }

    @AfterAll
    static void removeProxy() {
        TestDocker.remove(PROXY_NAME);
    }

    @Test
    void aPostAfterTheProxyClosedAnIdleConnectionStillGoesThrough() throws Exception {
        String helper = TestDocker.PREFIX + "after-idle";
        // TestDocker.remove adds the prefix itself
        try (var docker = new DockerClientProducer(host).docker()) {
            docker.listContainersCmd().exec();
            // Longer than haproxy's `timeout http-keep-alive 10s`: the pooled connection is now closed.
            Thread.sleep(12_000);
            String id = docker.createContainerCmd(TestDocker.IMAGE).withName(helper)
                    .withCmd("true").exec().getId();
            assertEquals(helper, docker.inspectContainerCmd(id).exec().getName().substring(1),
                    "the container asked for after the quiet spell exists, once");
        } finally {
            TestDocker.remove("after-idle");
        }
    }
}
