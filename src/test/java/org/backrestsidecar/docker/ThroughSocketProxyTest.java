package org.backrestsidecar.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.model.HostConfig;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.backrestsidecar.testing.DockerApiProxy;
import org.backrestsidecar.testing.TestDocker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Docker API proxy with the config the bundle and the Swarm stack ship (docker-proxy/docker-api.cfg)
 * in the image the tests stand in for Tecnativa's docker-socket-proxy 0.3.0 (haproxy, root, the same
 * entrypoint): on an internal network of its own as in compose.yml.example, with a container there
 * standing in for a taken sidecar and one on the stack's network beside it.
 */
class ThroughSocketProxyTest {
    /** As {@link TestDocker#remove} names them: without the prefix. */
    private static final String PROXY_NAME = "docker-proxy";
    private static final String TAKEN_NAME = "taken-sidecar";
    private static final String STACK_NAME = "stack-neighbour";
    private static final String PROXY = TestDocker.PREFIX + PROXY_NAME;
    private static final String API_NET = TestDocker.PREFIX + "docker-api";
    private static final String STACK_NET = TestDocker.PREFIX + "stack";
    /** What a create that the proxy would take carries: our name prefix and label (helpers, throwaways). */
    private static final String OURS = "backrest-sidecar-" + TestDocker.PREFIX;
    private static final String LABEL = "\"Labels\":{\"backrest-sidecar.helper\":\"taken\"}";
    private static String host;

    @BeforeAll
    static void startProxy() throws Exception {
        TestDocker.removeLeftovers();
        removeNetworks();
        TestDocker.run(List.of("docker", "network", "create", "--internal", API_NET), Map.of());
        TestDocker.run(List.of("docker", "network", "create", STACK_NET), Map.of());
        // published on the default bridge (an internal network publishes nothing) for the client
        // tests; the sidecar's side, as in the bundle, is API_NET
        host = DockerApiProxy.start(PROXY, "/srv/stack").host();
        var docker = TestDocker.client();
        docker.connectToNetworkCmd().withContainerId(PROXY).withNetworkId(API_NET).exec();
        for (String[] c : List.of(new String[] {TAKEN_NAME, API_NET}, new String[] {STACK_NAME, STACK_NET})) {
            docker.createContainerCmd(TestDocker.IMAGE).withName(TestDocker.PREFIX + c[0])
                    .withCmd("sleep", "3600").withHostConfig(HostConfig.newHostConfig().withNetworkMode(c[1])).exec();
            docker.startContainerCmd(TestDocker.PREFIX + c[0]).exec();
        }
    }

    @AfterAll
    static void removeProxy() throws Exception {
        for (String name : List.of(PROXY_NAME, TAKEN_NAME, STACK_NAME)) {
            TestDocker.remove(name);
        }
        removeNetworks();
    }

    @Test
    void aPostAfterTheProxyClosedAnIdleConnectionStillGoesThrough() throws Exception {
        String helper = OURS + "after-idle";
        try (var docker = new DockerClientProducer(host).docker()) {
            docker.listContainersCmd().exec();
            // Longer than haproxy's `timeout http-keep-alive 10s`: the pooled connection is now closed.
            Thread.sleep(12_000);
            String id = docker.createContainerCmd(TestDocker.IMAGE).withName(helper)
                    .withLabels(Map.of("backrest-sidecar.helper", "test")).withCmd("true").exec().getId();
            assertEquals(helper, docker.inspectContainerCmd(id).exec().getName().substring(1),
                    "the container asked for after the quiet spell exists, once");
        } finally {
            TestDocker.client().removeContainerCmd(helper).withForce(true).exec();
        }
    }

    /**
     * The sidecar's own exec (its keep-alive beat included, every second here) and a file copied in,
     * through the proxy into a container named by its id, as the strategies and helpers make them.
     */
    @Test
    void theSidecarsExecAndFileCopyGoThrough() throws Exception {
        try (var docker = new DockerClientProducer(host).docker()) {
            String id = docker.inspectContainerCmd(TestDocker.PREFIX + TAKEN_NAME).exec().getId();
            byte[] text = "copied".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            new ContainerFiles(docker).put(id, "/tmp", "through-proxy.txt", text.length, out -> out.write(text));
            String out = new ContainerExec(docker, Duration.ofSeconds(1)).output(id,
                    List.of("sh", "-c", "sleep 3; cat /tmp/through-proxy.txt"), Duration.ofSeconds(30));
            assertEquals("copied", out.strip());
        }
    }

    /**
     * What whoever took the sidecar would try first, each refused before Docker sees it: nothing of
     * it exists afterwards. A create of ours with the same body but for the refused part goes through,
     * so each 403 is that part's.
     */
    @Test
    void aTakenSidecarCannotBecomeRootOnTheHost() throws Exception {
        String image = "\"Image\":\"" + TestDocker.IMAGE + "\",\"Cmd\":[\"true\"]";
        // each a create of ours but for one thing
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("privileged", "\"HostConfig\":{\"Privileged\":true}");
        settings.put("privileged, spelt in lower case", "\"hostconfig\":{\"privileged\" : true}");
        settings.put("privileged behind a JSON escape", "\"HostConfig\":{\"Privil\\u0065ged\":true}");
        settings.put("a bind of /", "\"HostConfig\":{\"Binds\":[\"backrest-sidecar-vol:/v\",\"/:/host\"]}");
        settings.put("a bind climbing out of an allowed folder", "\"HostConfig\":{\"Binds\":[\"/srv/stack/../../etc:/host\"]}");
        settings.put("a bind of a folder named like an allowed one", "\"HostConfig\":{\"Binds\":[\"/srv/stackx:/host\"]}");
        settings.put("a bind mount by Mounts",
                "\"HostConfig\":{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/\",\"Target\":\"/host\"}]}");
        settings.put("the proxy's volumes (its Docker socket)", "\"HostConfig\":{\"VolumesFrom\":[\"" + PROXY + "\"]}");
        settings.put("the host's network", "\"HostConfig\":{\"NetworkMode\":\"host\"}");
        settings.put("the host's processes", "\"HostConfig\":{\"PidMode\":\"host\"}");
        settings.put("an added capability", "\"HostConfig\":{\"CapAdd\":[\"SYS_ADMIN\"]}");
        settings.put("a device", "\"HostConfig\":{\"Devices\":[{\"PathOnHost\":\"/dev/mem\",\"PathInContainer\":\"/dev/mem\"}]}");
        // past what the proxy holds of a body (64 KiB): its regexes would read only the padding
        settings.put("privileged after 100 kB of padding", "\"Env\":[\"PAD=" + "x".repeat(100_000)
                + "\"],\"HostConfig\":{\"Privileged\":true}");
        Map<String, String[]> refused = new LinkedHashMap<>();
        settings.forEach((what, setting) -> refused.put(what, create(OURS + "refused", image + "," + LABEL + "," + setting)));
        refused.put("a create of ours sent in chunks (not all of it seen when judged)", taken("-X", "POST",
                "-H", "Content-Type: application/json", "-H", "Transfer-Encoding: chunked", "-d", "{" + image + ","
                        + LABEL + "}", "http://" + PROXY + ":2375/v1.41/containers/create?name=" + OURS + "chunked"));
        refused.put("a name without our prefix", create(TestDocker.PREFIX + "not-ours", image + "," + LABEL));
        refused.put("a create without our label", create(OURS + "no-label", image));
        refused.put("an image pull", taken("-X", "POST", "http://" + PROXY + ":2375/images/create?fromImage=alpine&tag=3"));
        refused.put("a build", taken("-X", "POST", "-H", "Content-Type: application/x-tar",
                "http://" + PROXY + ":2375/build?t=" + OURS + "built"));
        refused.put("the swarm's secrets", taken("http://" + PROXY + ":2375/secrets"));
        refused.put("a volume bound to a host folder", taken("-X", "POST", "-H", "Content-Type: application/json",
                "-d", "{\"Name\":\"" + OURS + "vol\",\"DriverOpts\":{\"type\":\"none\",\"o\":\"bind\",\"device\":\"/\"}}",
                "http://" + PROXY + ":2375/volumes/create"));
        String proxyId = TestDocker.client().inspectContainerCmd(PROXY).exec().getId();
        refused.put("an exec into the proxy", taken("-X", "POST", "-H", "Content-Type: application/json",
                "-d", "{\"Cmd\":[\"id\"]}", "http://" + PROXY + ":2375/containers/" + proxyId + "/exec"));
        refused.put("a file into the proxy", taken("-X", "PUT", "-H", "Content-Type: application/x-tar",
                "--data-binary", "x", "http://" + PROXY + ":2375/containers/" + proxyId + "/archive?path=/"));
        refused.put("a start with API 1.23's settings", taken("-X", "POST", "-H", "Content-Type: application/json",
                "-d", "{\"Binds\":[\"/:/host\"]}", "http://" + PROXY + ":2375/containers/" + proxyId + "/start"));
        refused.forEach((what, answer) -> assertEquals("403", answer[0], what + ": " + answer[1]));

        List<String> made = TestDocker.client().listContainersCmd().withShowAll(true).exec().stream()
                .map(c -> c.getNames()[0].substring(1)).filter(n -> n.contains(TestDocker.PREFIX))
                .filter(n -> !List.of(PROXY, TestDocker.PREFIX + TAKEN_NAME, TestDocker.PREFIX + STACK_NAME).contains(n))
                .toList();
        assertEquals(List.of(), made, "nothing was created");
        var volumes = TestDocker.client().listVolumesCmd().exec().getVolumes();
        assertTrue(volumes == null || volumes.stream().noneMatch(v -> v.getName().startsWith(OURS)), "no volume either");

        // the same create of ours, less what was refused, is what the sidecar does: Docker makes it
        String[] ours = create(OURS + "helper", image + "," + LABEL
                + ",\"HostConfig\":{\"Binds\":[\"/srv/stack/data:/data:ro\"],\"NetworkMode\":\"none\"}");
        try {
            assertEquals("201", ours[0], ours[1]);
        } finally {
            TestDocker.client().removeContainerCmd(OURS + "helper").withForce(true).exec();
        }
    }

    @Test
    void theStacksNetworkCannotReachTheProxy() throws Exception {
        TestDocker.Result fromStack = TestDocker.exec(TestDocker.PREFIX + STACK_NAME, "curl", "-sS", "-m", "5",
                "http://" + PROXY + ":2375/_ping");
        assertNotEquals(0, fromStack.exit(), "a stack container reached the proxy: " + fromStack.stdout());
        assertEquals("OK", TestDocker.exec(TestDocker.PREFIX + TAKEN_NAME, "curl", "-sS", "-m", "5",
                "http://" + PROXY + ":2375/_ping").out(), "while the sidecar's network does");
    }

    private static String[] create(String name, String body) {
        return taken("-X", "POST", "-H", "Content-Type: application/json", "-d", "{" + body + "}",
                "http://" + PROXY + ":2375/v1.41/containers/create?name=" + name);
    }

    /** curl from the taken sidecar's container: the status, then what the proxy or Docker said. */
    private static String[] taken(String... args) {
        List<String> command = new java.util.ArrayList<>(List.of("curl", "-sS", "-m", "20", "-o", "/tmp/answer",
                "-w", "%{http_code}"));
        command.addAll(List.of(args));
        String status = TestDocker.exec(TestDocker.PREFIX + TAKEN_NAME, command.toArray(String[]::new)).out();
        String said = TestDocker.exec(TestDocker.PREFIX + TAKEN_NAME, "cat", "/tmp/answer").stdout();
        return new String[] {status, said};
    }

    private static void removeNetworks() throws Exception {
        for (String net : List.of(API_NET, STACK_NET)) {
            try {
                TestDocker.run(List.of("docker", "network", "rm", net), Map.of());
            } catch (Exception absent) {
                // not there
            }
        }
    }
}
