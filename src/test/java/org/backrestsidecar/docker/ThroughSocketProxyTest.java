package org.backrestsidecar.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.model.HostConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.backrestsidecar.testing.DockerApiProxy;
import org.backrestsidecar.testing.TestDocker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * The Docker API proxy with the config the bundle and the Swarm stack ship (docker-proxy/docker-api.cfg)
 * in the image the tests stand in for Tecnativa's docker-socket-proxy 0.3.0 (haproxy, root, the same
 * entrypoint): on an internal network of its own as in compose.yml.example, with a container there
 * standing in for a taken sidecar and one on the stack's network beside it.
 */
// In the end-to-end suite (pom.xml engine.only.tests), beside its chain as the Swarm test is: it needs
// the engine and no sidecar. Its own cases one after the other.
@Execution(ExecutionMode.CONCURRENT)
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
        // its own leftovers only: it runs in the end-to-end suite, beside the Swarm's containers
        removeContainers();
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
        removeContainers();
        removeNetworks();
    }

    private static void removeContainers() {
        for (String name : List.of(PROXY_NAME, TAKEN_NAME, STACK_NAME)) {
            TestDocker.remove(name);
        }
    }

    @Test
    @Execution(ExecutionMode.SAME_THREAD)
    void aPostAfterTheProxyClosedAnIdleConnectionStillGoesThrough() throws Exception {
        String helper = OURS + "after-idle";
        try (var docker = new DockerClientProducer(host).standalone()) {
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
     * haproxy 2.6 before 2.6.16 (the image's is Debian 12's 2.6.12) starts a Lua socket's connection
     * when the socket is made, not at connect(): interrupted between the two, the judge's own check of
     * what Docker made failed, on a Swarm node the same request each time ("socket: not yet
     * initialised"). With haproxy interrupting the script every 3 instructions (it does so every
     * tune.lua.forced-yield), every create is still checked and goes through; before the fix each of
     * them was refused.
     */
    @Test
    @Execution(ExecutionMode.SAME_THREAD)
    void theJudgesOwnCallsToDockerHoldWhereverHaproxyInterruptsIt() throws Exception {
        String shipped = Files.readString(Path.of("docker-proxy/docker-api.cfg"));
        assertTrue(shipped.contains("    tune.bufsize 65536\n"), "the shipped config's global section moved");
        Path config = Files.createTempFile("docker-api-interrupted", ".cfg");
        Files.writeString(config, shipped.replace("    tune.bufsize 65536\n",
                "    tune.bufsize 65536\n    tune.lua.forced-yield 3\n"));
        DockerApiProxy interrupted = DockerApiProxy.start(TestDocker.PREFIX + "docker-proxy-interrupted", "", config);
        try (var docker = new DockerClientProducer(interrupted.host()).standalone()) {
            for (int i = 0; i < 20; i++) {
                String id = docker.createContainerCmd(TestDocker.IMAGE).withName(OURS + "interrupted-" + i)
                        .withLabels(Map.of("backrest-sidecar.helper", "test")).withCmd("true").exec().getId();
                docker.removeContainerCmd(id).withForce(true).exec();
            }
        } finally {
            interrupted.remove();
            Files.deleteIfExists(config);
        }
    }

    /**
     * The sidecar's own exec (its keep-alive beat included, every second here) and a file copied in,
     * through the proxy into a container named by its id, as the strategies and helpers make them.
     */
    @Test
    @Execution(ExecutionMode.SAME_THREAD)
    void theSidecarsExecAndFileCopyGoThrough() throws Exception {
        try (var docker = new DockerClientProducer(host).standalone()) {
            String id = docker.inspectContainerCmd(TestDocker.PREFIX + TAKEN_NAME).exec().getId();
            byte[] text = "copied".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            new ContainerFiles(docker).put(id, "/tmp", "through-proxy.txt", text.length, out -> out.write(text));
            String out = new ContainerExec(docker, Duration.ofSeconds(1)).output(id,
                    List.of("sh", "-c", "sleep 3; cat /tmp/through-proxy.txt"), Duration.ofSeconds(30));
            assertEquals("copied", out.strip());
        }
    }

    /**
     * What whoever took the sidecar would try, each refused before it could be started: nothing of it
     * exists afterwards. A create of ours with the same body but for the refused part goes through,
     * so each 403 is that part's. Bodies go as raw bytes (UTF-8 where they hold ſ or K): Docker's Go
     * reader folds those to s and k, an ASCII-only filter does not.
     */
    @Test
    @Execution(ExecutionMode.SAME_THREAD)
    void aTakenSidecarCannotBecomeRootOnTheHost() throws Exception {
        String proxyId = TestDocker.client().inspectContainerCmd(PROXY).exec().getId();
        String image = "\"Image\":\"" + TestDocker.IMAGE + "\",\"Cmd\":[\"true\"]";
        // each a create of ours but for one thing
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("privileged", "\"HostConfig\":{\"Privileged\":true}");
        settings.put("privileged, spelt in lower case", "\"hostconfig\":{\"privileged\" : true}");
        settings.put("privileged behind a JSON escape", "\"HostConfig\":{\"Privil\\u0065ged\":true}");
        settings.put("privileged, the key given twice", "\"HostConfig\":{\"Privileged\":false,\"Privileged\":true}");
        settings.put("a bind of /", "\"HostConfig\":{\"Binds\":[\"backrest-sidecar-vol:/v:rw\",\"/:/host:rw\"]}");
        settings.put("a bind climbing out of an allowed folder", "\"HostConfig\":{\"Binds\":[\"/srv/stack/../../etc:/host:rw\"]}");
        settings.put("a bind of a folder named like an allowed one", "\"HostConfig\":{\"Binds\":[\"/srv/stackx:/host:rw\"]}");
        settings.put("a bind of a folder under an allowed one", "\"HostConfig\":{\"Binds\":[\"/srv/stack/escape:/host:rw\"]}");
        settings.put("a bind with ] inside a quoted path", "\"HostConfig\":{\"Binds\":[\"ho-vol:/x]y\",\"/:/host\"]}");
        settings.put("a bind with mount propagation", "\"HostConfig\":{\"Binds\":[\"backrest-sidecar-vol:/v:rshared\"]}");
        settings.put("a bind mount by Mounts",
                "\"HostConfig\":{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/\",\"Target\":\"/host\"}]}");
        settings.put("the proxy's volumes (its Docker socket)", "\"HostConfig\":{\"VolumesFrom\":[\"" + PROXY + "\"]}");
        settings.put("the host's network", "\"HostConfig\":{\"NetworkMode\":\"host\"}");
        settings.put("the host's processes", "\"HostConfig\":{\"PidMode\":\"host\"}");
        settings.put("the proxy's network", "\"HostConfig\":{\"NetworkMode\":\"container:" + proxyId + "\"}");
        settings.put("an added capability", "\"HostConfig\":{\"CapAdd\":[\"SYS_ADMIN\"]}");
        settings.put("an added capability as a bare string", "\"HostConfig\":{\"CapAdd\":\"SYS_ADMIN\"}");
        settings.put("a device", "\"HostConfig\":{\"Devices\":[{\"PathOnHost\":\"/dev/mem\",\"PathInContainer\":\"/dev/mem\"}]}");
        settings.put("/proc/sys writable (no masked or read-only paths)", "\"HostConfig\":{\"MaskedPaths\":[],\"ReadonlyPaths\":[]}");
        settings.put("a label that is not ours beside ours", "\"Labels\":{\"backrest-sidecar.helper\":\"x\",\"com.docker.compose.project\":\"x\"}");
        settings.put("a second JSON value after the first", "\"HostConfig\":{}}{\"HostConfig\":{\"Privileged\":true}");
        // Go folds U+017F to s and U+212A (Kelvin) to k in field names
        settings.put("Bind\u017f of /", "\"HostConfig\":{\"Bind\u017f\":[\"/:/host\"]}");
        settings.put("Bind\u017f of the Docker socket", "\"HostConfig\":{\"Bind\u017f\":[\"/var/run/docker.sock:/s\"]}");
        settings.put("Mount\u017f of /", "\"HostConfig\":{\"Mount\u017f\":[{\"Type\":\"bind\",\"Source\":\"/\",\"Target\":\"/host\"}]}");
        settings.put("Volume\u017fFrom the proxy", "\"HostConfig\":{\"Volume\u017fFrom\":[\"" + proxyId + "\"]}");
        settings.put("NetworKMode host (Kelvin sign)", "\"HostConfig\":{\"Networ\u212aMode\":\"host\"}");
        settings.put("UT\u017fMode host", "\"HostConfig\":{\"UT\u017fMode\":\"host\"}");
        settings.put("\u017fecurityOpt unconfined", "\"HostConfig\":{\"\u017fecurityOpt\":[\"seccomp=unconfined\",\"apparmor=unconfined\"]}");
        settings.put("Device\u017f of the root disk", "\"HostConfig\":{\"Device\u017f\":[{\"PathOnHost\":\"/dev/vda\",\"PathInContainer\":\"/dev/vda\",\"CgroupPermissions\":\"rwm\"}]}");
        settings.put("DeviceCgroupRule\u017f of block devices", "\"HostConfig\":{\"DeviceCgroupRule\u017f\":[\"b 254:* r\"]}");
        settings.put("the same escaped as \\u017f", "\"HostConfig\":{\"Bind\\u017f\":[\"/:/host\"]}");
        // past what the proxy holds of a body (64 KiB): its checks would read only the padding
        settings.put("privileged after 70 kB of padding", "\"Env\":[\"PAD=" + "x".repeat(70_000)
                + "\"],\"HostConfig\":{\"Privileged\":true}");
        Map<String, String[]> refused = new LinkedHashMap<>();
        settings.forEach((what, setting) -> refused.put(what, create(OURS + "refused", image + "," + LABEL + "," + setting)));
        refused.put("a create of ours sent in chunks (not all of it seen when judged)", taken("-X", "POST",
                "-H", "Content-Type: application/json", "-H", "Transfer-Encoding: chunked", "-d", "{" + image + ","
                        + LABEL + "}", "http://" + PROXY + ":2375/v1.41/containers/create?name=" + OURS + "chunked"));
        refused.put("a name without our prefix", create(TestDocker.PREFIX + "not-ours", image + "," + LABEL));
        refused.put("a second name in the query", taken("-X", "POST", "-H", "Content-Type: application/json", "-d",
                "{" + image + "," + LABEL + "}", "http://" + PROXY + ":2375/v1.41/containers/create?name=" + OURS
                        + "first&name=" + TestDocker.PREFIX + "second"));
        refused.put("a create without our label", create(OURS + "no-label", image));
        refused.put("an image pull", taken("-X", "POST", "http://" + PROXY + ":2375/images/create?fromImage=alpine&tag=3"));
        refused.put("a build", taken("-X", "POST", "-H", "Content-Type: application/x-tar",
                "http://" + PROXY + ":2375/build?t=" + OURS + "built"));
        refused.put("the swarm's secrets", taken("http://" + PROXY + ":2375/secrets"));
        refused.put("a volume bound to a host folder", taken("-X", "POST", "-H", "Content-Type: application/json",
                "-d", "{\"Name\":\"" + OURS + "vol\",\"DriverOpts\":{\"type\":\"none\",\"o\":\"bind\",\"device\":\"/\"}}",
                "http://" + PROXY + ":2375/volumes/create"));
        refused.put("an exec into the proxy", taken("-X", "POST", "-H", "Content-Type: application/json",
                "-d", "{\"Cmd\":[\"id\"]}", "http://" + PROXY + ":2375/containers/" + proxyId + "/exec"));
        refused.put("a privileged exec", taken("-X", "POST", "-H", "Content-Type: application/json",
                "-d", "{\"Cmd\":[\"id\"],\"Privileged\":true}", "http://" + PROXY + ":2375/containers/"
                        + TestDocker.client().inspectContainerCmd(TestDocker.PREFIX + TAKEN_NAME).exec().getId() + "/exec"));
        refused.put("a file into the proxy", taken("-X", "PUT", "-H", "Content-Type: application/x-tar",
                "--data-binary", "x", "http://" + PROXY + ":2375/containers/" + proxyId + "/archive?path=/"));
        refused.put("a start with API 1.23's settings", taken("-X", "POST", "-H", "Content-Type: application/json",
                "-d", "{\"Binds\":[\"/:/host\"]}", "http://" + PROXY + ":2375/containers/" + proxyId + "/start"));
        refused.put("the proxy stopped by its name", taken("-X", "POST", "http://" + PROXY + ":2375/containers/" + PROXY + "/stop"));
        refused.put("the proxy inspected by a short id", taken("http://" + PROXY + ":2375/containers/" + proxyId.substring(0, 5) + "/json"));
        refused.put("the proxy joined to the stack's network", taken("-X", "POST", "-H", "Content-Type: application/json",
                "-d", "{\"Container\":\"" + proxyId.substring(0, 12) + "\"}", "http://" + PROXY + ":2375/networks/" + STACK_NET + "/connect"));
        refused.put("a container not made through the proxy joined to a network", taken("-X", "POST", "-H",
                "Content-Type: application/json", "-d", "{\"Container\":\"" + TestDocker.PREFIX + STACK_NAME + "\"}",
                "http://" + PROXY + ":2375/networks/" + API_NET + "/connect"));
        refused.forEach((what, answer) -> assertEquals("403", answer[0], what + ": " + answer[1]));
        assertTrue(refused.get("Bind\u017f of /")[1].contains("printable ASCII"), "the refusal says why: "
                + refused.get("Bind\u017f of /")[1]);

        // the names asked for above (the suite's other tests run beside this one, with containers of their own)
        List<String> asked = List.of(OURS + "refused", OURS + "chunked", TestDocker.PREFIX + "not-ours", OURS + "first",
                TestDocker.PREFIX + "second", OURS + "no-label", OURS + "built");
        List<String> made = TestDocker.client().listContainersCmd().withShowAll(true).exec().stream()
                .map(c -> c.getNames()[0].substring(1)).filter(asked::contains).toList();
        assertEquals(List.of(), made, "nothing was created");
        var volumes = TestDocker.client().listVolumesCmd().exec().getVolumes();
        assertTrue(volumes == null || volumes.stream().noneMatch(v -> v.getName().startsWith(OURS)), "no volume either");
        assertEquals("running", TestDocker.client().inspectContainerCmd(PROXY).exec().getState().getStatus(),
                "the proxy itself is untouched");

        // the same create of ours, less what was refused, is what the sidecar does: Docker makes it,
        // it starts, and it joins a network
        String[] ours = create(OURS + "helper", image + "," + LABEL
                + ",\"HostConfig\":{\"Binds\":[\"/srv/stack:/data:ro\"],\"NetworkMode\":\"none\",\"Privileged\":null}");
        try {
            assertEquals("201", ours[0], ours[1]);
            String[] started = taken("-X", "POST", "http://" + PROXY + ":2375/containers/" + OURS + "helper/start");
            assertEquals("204", started[0], started[1]);
        } finally {
            TestDocker.client().removeContainerCmd(OURS + "helper").withForce(true).exec();
        }
    }

    /**
     * A drill's network (drill/DrillNetwork): the taken sidecar may make one only internal, a bridge of
     * this host, named and labelled as ours, and give a container another name (an alias) only there.
     * An alias on the user's network would take a service's name ("postgres") from the user's apps,
     * and a network with a way out would reach the host or the world.
     */
    @Test
    @Execution(ExecutionMode.SAME_THREAD)
    void aTakenSidecarsNetworksLeadNowhereAndTakeNoServicesName() throws Exception {
        String net = OURS + "drill-net";
        String ourNetwork = "\"Name\":\"" + net + "\",\"Driver\":\"bridge\",\"Options\":{}," + LABEL;
        Map<String, String> networks = new LinkedHashMap<>();
        networks.put("not internal", ourNetwork + ",\"Internal\":false");
        networks.put("without Internal", ourNetwork);
        networks.put("Internal as a string", ourNetwork + ",\"Internal\":\"true\"");
        networks.put("Internal given twice, the last false", ourNetwork + ",\"Internal\":true,\"internal\":false");
        networks.put("named other than ours", ourNetwork.replace(net, TestDocker.PREFIX + "net") + ",\"Internal\":true");
        networks.put("without our label", ourNetwork.replace("," + LABEL, "") + ",\"Internal\":true");
        networks.put("the host's bridge by an option", ourNetwork.replace("\"Options\":{}",
                "\"Options\":{\"com.docker.network.bridge.name\":\"docker0\"}") + ",\"Internal\":true");
        networks.put("Option\u017f (U+017F) of the host's bridge", ourNetwork.replace("\"Options\":{}",
                "\"Option\u017f\":{\"com.docker.network.bridge.name\":\"docker0\"}") + ",\"Internal\":true");
        networks.put("a driver reaching the host's own interface", ourNetwork.replace("bridge", "macvlan")
                + ",\"Internal\":true");
        networks.put("attachable", ourNetwork + ",\"Internal\":true,\"Attachable\":true");
        networks.put("on the host's own subnet", ourNetwork + ",\"Internal\":true,\"IPAM\":{\"Config\":[{\"Subnet\":"
                + "\"127.0.0.0/8\"}]}");
        networks.put("made from another network's config", ourNetwork + ",\"Internal\":true,\"ConfigFrom\":{\"Network\":\""
                + STACK_NET + "\"}");
        Map<String, String[]> refused = new LinkedHashMap<>();
        networks.forEach((what, body) -> refused.put("a network " + what, post("/networks/create", "{" + body + "}")));
        assertEquals(List.of(), TestDocker.client().listNetworksCmd().exec().stream().map(n -> n.getName())
                .filter(n -> n.startsWith(OURS) || n.equals(TestDocker.PREFIX + "net")).toList(), "no network was made");

        String[] made = post("/networks/create", "{" + ourNetwork + ",\"Internal\":true}");
        assertEquals("201", made[0], made[1]);
        try {
            String image = "\"Image\":\"" + TestDocker.IMAGE + "\",\"Cmd\":[\"sleep\",\"60\"]," + LABEL;
            refused.put("an alias on the user's network", create(OURS + "alias-stack", image + ",\"HostConfig\":"
                    + "{\"NetworkMode\":\"" + STACK_NET + "\"},\"NetworkingConfig\":{\"EndpointsConfig\":{\"" + STACK_NET
                    + "\":{\"Aliases\":[\"postgres\"]}}}"));
            refused.put("an alias on the user's network, the container on ours", create(OURS + "alias-other", image
                    + ",\"HostConfig\":{\"NetworkMode\":\"" + net + "\"},\"NetworkingConfig\":{\"EndpointsConfig\":{\""
                    + STACK_NET + "\":{\"Aliases\":[\"postgres\"]}}}"));
            refused.put("an alias given as a string", create(OURS + "alias-string", image + ",\"HostConfig\":"
                    + "{\"NetworkMode\":\"" + net + "\"},\"NetworkingConfig\":{\"EndpointsConfig\":{\"" + net
                    + "\":{\"Aliases\":\"postgres\"}}}"));
            refused.put("an endpoint with a fixed address", create(OURS + "alias-ip", image + ",\"HostConfig\":"
                    + "{\"NetworkMode\":\"" + net + "\"},\"NetworkingConfig\":{\"EndpointsConfig\":{\"" + net
                    + "\":{\"IPAMConfig\":{\"IPv4Address\":\"172.17.0.1\"}}}}"));
            refused.put("the user's network removed", taken("-X", "DELETE", "http://" + PROXY + ":2375/v1.41/networks/" + STACK_NET));
            refused.forEach((what, answer) -> assertEquals("403", answer[0], what + ": " + answer[1]));
            assertTrue(refused.get("a network not internal")[1].contains("Internal may only be true"),
                    "the refusal says why: " + refused.get("a network not internal")[1]);

            // what a drill does: a throwaway on the drill's network, answering there to its service's name
            String[] ours = create(OURS + "alias-ours", image + ",\"HostConfig\":{\"NetworkMode\":\"" + net
                    + "\"},\"NetworkingConfig\":{\"EndpointsConfig\":{\"" + net + "\":{\"Aliases\":[\"postgres\"]}}}");
            assertEquals("201", ours[0], ours[1]);
            assertEquals("204", taken("-X", "POST", "http://" + PROXY + ":2375/v1.41/containers/" + OURS + "alias-ours/start")[0]);
            var network = TestDocker.client().inspectNetworkCmd().withNetworkId(net).exec();
            assertEquals(Boolean.TRUE, network.getInternal(), "the network leads nowhere");
            assertEquals(List.of("postgres"), TestDocker.client().inspectContainerCmd(OURS + "alias-ours").exec()
                    .getNetworkSettings().getNetworks().get(net).getAliases().stream().filter("postgres"::equals).toList());
            TestDocker.client().removeContainerCmd(OURS + "alias-ours").withForce(true).exec();
            assertEquals("204", taken("-X", "DELETE", "http://" + PROXY + ":2375/v1.41/networks/" + net)[0]);
        } finally {
            for (String name : List.of("alias-stack", "alias-other", "alias-string", "alias-ip", "alias-ours")) {
                try {
                    TestDocker.client().removeContainerCmd(OURS + name).withForce(true).exec();
                } catch (com.github.dockerjava.api.exception.NotFoundException gone) {
                    // refused, so never made
                }
            }
            try {
                TestDocker.client().removeNetworkCmd(net).exec();
            } catch (com.github.dockerjava.api.exception.NotFoundException gone) {
                // removed through the proxy
            }
        }
        assertEquals("running", TestDocker.client().inspectContainerCmd(TestDocker.PREFIX + STACK_NAME).exec().getState()
                .getStatus(), "the user's side is untouched");
    }

    /** A POST of {@code body} (JSON) to {@code path} from the taken sidecar's container. */
    private static String[] post(String path, String body) {
        String encoded = java.util.Base64.getEncoder().encodeToString(body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        TestDocker.exec(TestDocker.PREFIX + TAKEN_NAME, "sh", "-c", "echo " + encoded + " | base64 -d > /tmp/body");
        return taken("-X", "POST", "-H", "Content-Type: application/json", "--data-binary", "@/tmp/body",
                "http://" + PROXY + ":2375/v1.41" + path);
    }

    /**
     * Where the body passes but what Docker makes of it would not: a volume of the host's whose
     * driver binds / (made by the host's owner, not through the proxy), and the network of a
     * container that has the host's. Docker's own view is inspected after the create and before any
     * start: refused, and the container made is gone.
     */
    @Test
    @Execution(ExecutionMode.SAME_THREAD)
    void whatDockerMadeIsJudgedBeforeItCanStart() throws Exception {
        var docker = TestDocker.client();
        String volume = TestDocker.PREFIX + "root-bound";
        String hostNet = TestDocker.PREFIX + "host-network";
        docker.createVolumeCmd().withName(volume).withDriverOpts(Map.of("type", "none", "o", "bind", "device", "/")).exec();
        docker.createContainerCmd(TestDocker.IMAGE).withName(hostNet).withCmd("sleep", "600")
                .withHostConfig(HostConfig.newHostConfig().withNetworkMode("host")).exec();
        try {
            String image = "\"Image\":\"" + TestDocker.IMAGE + "\",\"Cmd\":[\"true\"]," + LABEL;
            String[] rootVolume = create(OURS + "root-volume", image + ",\"HostConfig\":{\"Binds\":[\"" + volume + ":/v:rw\"]}");
            assertEquals("403", rootVolume[0], rootVolume[1]);
            assertTrue(rootVolume[1].contains("binds the host folder /"), rootVolume[1]);
            String hostNetId = docker.inspectContainerCmd(hostNet).exec().getId();
            String[] joined = create(OURS + "host-net", image + ",\"HostConfig\":{\"NetworkMode\":\"container:" + hostNetId + "\"}");
            assertEquals("403", joined[0], joined[1]);
            for (String gone : List.of(OURS + "root-volume", OURS + "host-net")) {
                assertTrue(docker.listContainersCmd().withShowAll(true).withNameFilter(List.of(gone)).exec().isEmpty(),
                        gone + " was removed");
            }
        } finally {
            docker.removeContainerCmd(hostNet).withForce(true).exec();
            docker.removeVolumeCmd(volume).exec();
        }
    }

    /**
     * A helper may write where it binds: a link it leaves in an allowed folder (ln -s / escape) would
     * be followed by the daemon at a later bind of that path. Only the allowed folder itself binds.
     */
    @Test
    @Execution(ExecutionMode.SAME_THREAD)
    void aLinkLeftInAnAllowedFolderLeadsNowhere() throws Exception {
        String image = "\"Image\":\"" + TestDocker.IMAGE + "\",\"Cmd\":[\"sh\",\"-c\",\"ln -sfn / /data/escape\"]," + LABEL;
        String[] planter = create(OURS + "planter", image + ",\"HostConfig\":{\"Binds\":[\"/srv/stack:/data:rw\"],\"NetworkMode\":\"none\"}");
        try {
            assertEquals("201", planter[0], planter[1]);
            String id = TestDocker.client().inspectContainerCmd(OURS + "planter").exec().getId();
            assertEquals("204", taken("-X", "POST", "http://" + PROXY + ":2375/containers/" + id + "/start")[0]);
            TestDocker.await("the link planted", Duration.ofSeconds(30), () -> !TestDocker.client().inspectContainerCmd(id)
                    .exec().getState().getRunning());
            String[] escape = create(OURS + "escape", "\"Image\":\"" + TestDocker.IMAGE + "\",\"Cmd\":[\"ls\",\"/host\"]," + LABEL
                    + ",\"HostConfig\":{\"Binds\":[\"/srv/stack/escape:/host:ro\"]}");
            assertEquals("403", escape[0], escape[1]);
        } finally {
            TestDocker.client().removeContainerCmd(OURS + "planter").withForce(true).exec();
            TestDocker.run(List.of("docker", "run", "--rm", "-v", "/srv/stack:/data", TestDocker.IMAGE, "rm", "-f", "/data/escape"), Map.of());
        }
    }

    /**
     * Every field of Docker's Config and HostConfig in API 1.41 (the engine's, moby's
     * api/types/container), each with a value that would matter, sent plainly, in another case, with
     * ſ or K where its name has s or k, given twice, and as a string where Docker takes a list. Each
     * is refused, or Docker's own inspect of what it made shows HostConfig as it is for our plain
     * helper but for the settings the sidecar uses, with the values it may use. Nothing is modelled:
     * the answers are the real engine's.
     */
    @Test
    @Execution(ExecutionMode.SAME_THREAD)
    void noSpellingOfAnyFieldGetsPastTheProxy() throws Exception {
        Map<String, String> hostFields = new LinkedHashMap<>();
        for (String[] f : new String[][] {
                {"Binds", "[\"/:/host:rw\"]"}, {"ContainerIDFile", "\"/tmp/id\""},
                {"LogConfig", "{\"Type\":\"syslog\",\"Config\":{}}"}, {"NetworkMode", "\"host\""},
                {"PortBindings", "{\"22/tcp\":[{\"HostPort\":\"2222\"}]}"},
                {"RestartPolicy", "{\"Name\":\"always\"}"}, {"AutoRemove", "true"}, {"VolumeDriver", "\"local\""},
                {"VolumesFrom", "[\"" + PROXY + "\"]"}, {"CapAdd", "[\"SYS_ADMIN\"]"}, {"CapDrop", "[\"CHOWN\"]"},
                {"CgroupnsMode", "\"host\""}, {"Dns", "[\"127.0.0.1\"]"}, {"DnsOptions", "[\"ndots:1\"]"},
                {"DnsSearch", "[\"example.org\"]"}, {"ExtraHosts", "[\"a:127.0.0.1\"]"}, {"GroupAdd", "[\"0\"]"},
                {"IpcMode", "\"host\""}, {"Cgroup", "\"host\""}, {"Links", "[\"" + PROXY + ":p\"]"},
                {"OomScoreAdj", "-1000"}, {"PidMode", "\"host\""}, {"Privileged", "true"}, {"PublishAllPorts", "true"},
                {"ReadonlyRootfs", "true"}, {"SecurityOpt", "[\"seccomp=unconfined\"]"},
                {"StorageOpt", "{\"size\":\"1G\"}"}, {"Tmpfs", "{\"/run\":\"\"}"}, {"UTSMode", "\"host\""},
                {"UsernsMode", "\"host\""}, {"ShmSize", "1048576"}, {"Sysctls", "{\"net.ipv4.ip_forward\":\"1\"}"},
                {"Runtime", "\"runc\""}, {"ConsoleSize", "[10,10]"}, {"Isolation", "\"default\""},
                {"CpuShares", "-1"}, {"Memory", "4194304"}, {"NanoCpus", "1000000"}, {"CgroupParent", "\"/\""},
                {"BlkioWeight", "100"}, {"BlkioWeightDevice", "[{\"Path\":\"/dev/vda\",\"Weight\":100}]"},
                {"BlkioDeviceReadBps", "[{\"Path\":\"/dev/vda\",\"Rate\":1}]"},
                {"BlkioDeviceWriteBps", "[{\"Path\":\"/dev/vda\",\"Rate\":1}]"},
                {"BlkioDeviceReadIOps", "[{\"Path\":\"/dev/vda\",\"Rate\":1}]"},
                {"BlkioDeviceWriteIOps", "[{\"Path\":\"/dev/vda\",\"Rate\":1}]"}, {"CpuPeriod", "100000"},
                {"CpuQuota", "50000"}, {"CpuRealtimePeriod", "1000"}, {"CpuRealtimeRuntime", "1000"},
                {"CpusetCpus", "\"0\""}, {"CpusetMems", "\"0\""},
                {"Devices", "[{\"PathOnHost\":\"/dev/vda\",\"PathInContainer\":\"/dev/vda\",\"CgroupPermissions\":\"rwm\"}]"},
                {"DeviceCgroupRules", "[\"b 254:* r\"]"},
                {"DeviceRequests", "[{\"Driver\":\"x\",\"Count\":-1,\"Capabilities\":[[\"gpu\"]]}]"},
                {"KernelMemory", "4194304"}, {"KernelMemoryTCP", "4194304"}, {"MemoryReservation", "4194304"},
                {"MemorySwap", "-1"}, {"MemorySwappiness", "0"}, {"OomKillDisable", "true"}, {"PidsLimit", "10"},
                {"Ulimits", "[{\"Name\":\"nofile\",\"Soft\":1,\"Hard\":1}]"}, {"CpuCount", "1"}, {"CpuPercent", "1"},
                {"IOMaximumIOps", "1"}, {"IOMaximumBandwidth", "1"},
                {"Mounts", "[{\"Type\":\"bind\",\"Source\":\"/\",\"Target\":\"/host\"}]"},
                {"MaskedPaths", "[]"}, {"ReadonlyPaths", "[]"}, {"Init", "true"}}) {
            hostFields.put(f[0], f[1]);
        }
        Map<String, String> configFields = new LinkedHashMap<>();
        for (String[] f : new String[][] {
                {"Hostname", "\"h\""}, {"Domainname", "\"d\""}, {"User", "\"0\""}, {"AttachStdin", "true"},
                {"AttachStdout", "true"}, {"AttachStderr", "true"}, {"ExposedPorts", "{\"22/tcp\":{}}"},
                {"Tty", "true"}, {"OpenStdin", "true"}, {"StdinOnce", "true"}, {"Env", "[\"A=1\"]"},
                {"Healthcheck", "{\"Test\":[\"NONE\"]}"}, {"ArgsEscaped", "true"},
                {"Volumes", "{\"/anon\":{}}"}, {"WorkingDir", "\"/tmp\""}, {"Entrypoint", "[\"sleep\"]"},
                {"NetworkDisabled", "true"}, {"MacAddress", "\"02:42:ac:11:00:99\""}, {"OnBuild", "[\"RUN x\"]"},
                {"StopSignal", "\"SIGINT\""}, {"StopTimeout", "3"}, {"Shell", "[\"/bin/sh\"]"},
                {"NetworkingConfig", "{\"EndpointsConfig\":{\"host\":{}}}"}}) {
            configFields.put(f[0], f[1]);
        }
        String base = "\"Image\":\"" + TestDocker.IMAGE + "\",\"Cmd\":[\"true\"]," + LABEL;
        var docker = TestDocker.client();
        String[] plain = createFromHost(OURS + "matrix-base", "{" + base + "}");
        assertEquals("201", plain[0], plain[1]);
        Map<String, Object> baseline = hostConfigOf(OURS + "matrix-base");
        docker.removeContainerCmd(OURS + "matrix-base").withForce(true).exec();

        List<String> passedWrongly = new java.util.ArrayList<>();
        int sent = 0;
        int refused = 0;
        for (boolean inHost : List.of(true, false)) {
            for (Map.Entry<String, String> field : (inHost ? hostFields : configFields).entrySet()) {
                for (Map.Entry<String, String> variant : spellings(field.getKey(), field.getValue()).entrySet()) {
                    String name = OURS + "matrix-" + sent++;
                    String body = inHost ? "{" + base + ",\"HostConfig\":{" + variant.getValue() + "}}"
                            : "{" + base + "," + variant.getValue() + "}";
                    String[] answer = createFromHost(name, body);
                    if (!answer[0].equals("201")) {
                        refused++;
                        continue;
                    }
                    Map<String, Object> made = hostConfigOf(name);
                    docker.removeContainerCmd(name).withForce(true).exec();
                    for (String key : made.keySet()) {
                        if (!java.util.Objects.equals(made.get(key), baseline.get(key))) {
                            passedWrongly.add(variant.getKey() + " -> HostConfig." + key + " = " + made.get(key));
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), passedWrongly, "Docker made something outside the allow-list");
        assertTrue(refused > 400 && refused <= sent, sent + " sent, " + refused + " refused");
        // the settings the sidecar uses, with values it uses, still pass and do what they say
        String[] allowed = createFromHost(OURS + "matrix-allowed", "{" + base + ",\"HostConfig\":{\"Binds\":"
                + "[\"backrest-sidecar-matrix:/v:ro\"],\"NetworkMode\":\"none\",\"CpuShares\":2}}");
        try {
            assertEquals("201", allowed[0], allowed[1]);
            Map<String, Object> made = hostConfigOf(OURS + "matrix-allowed");
            assertEquals(List.of("backrest-sidecar-matrix:/v:ro"), made.get("Binds"));
            assertEquals("none", made.get("NetworkMode"));
            assertEquals(2, ((Number) made.get("CpuShares")).intValue());
        } finally {
            docker.removeContainerCmd(OURS + "matrix-allowed").withForce(true).exec();
            docker.removeVolumeCmd("backrest-sidecar-matrix").exec();
        }
    }

    /** A field's ways past a filter that reads text: as Docker's Go reader would still take them. */
    private static Map<String, String> spellings(String field, String value) {
        Map<String, String> ways = new LinkedHashMap<>();
        ways.put(field + " plainly", "\"" + field + "\":" + value);
        ways.put(field + " in lower case", "\"" + field.toLowerCase(java.util.Locale.ROOT) + "\":" + value);
        int s = field.indexOf('s');
        if (s >= 0) {
            ways.put(field + " with \u017f", "\"" + field.substring(0, s) + "\u017f" + field.substring(s + 1) + "\":" + value);
        }
        int k = field.toLowerCase(java.util.Locale.ROOT).indexOf('k');
        if (k >= 0) {
            ways.put(field + " with the Kelvin sign", "\"" + field.substring(0, k) + "\u212a" + field.substring(k + 1) + "\":" + value);
        }
        ways.put(field + " given twice", "\"" + field + "\":null,\"" + field + "\":" + value);
        ways.put(field + " given twice in two cases", "\"" + field.toUpperCase(java.util.Locale.ROOT) + "\":null,\""
                + field + "\":" + value);
        if (value.startsWith("[\"")) {
            ways.put(field + " as a string", "\"" + field + "\":" + value.substring(1, value.indexOf('"', 2) + 1));
        }
        return ways;
    }

    private static String[] createFromHost(String name, String body) throws Exception {
        var http = java.net.http.HttpClient.newHttpClient();
        var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(host.replace("tcp:", "http:")
                        + "/v1.41/containers/create?name=" + name))
                .header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .build();
        var answer = http.send(request, java.net.http.HttpResponse.BodyHandlers.ofString());
        return new String[] {String.valueOf(answer.statusCode()), answer.body()};
    }

    /** HostConfig as Docker itself shows it, straight from the engine. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> hostConfigOf(String name) throws Exception {
        String json = TestDocker.run(List.of("docker", "inspect", "--format", "{{json .HostConfig}}", name), Map.of());
        return new com.fasterxml.jackson.databind.ObjectMapper().readValue(json, Map.class);
    }

    @Test
    @Execution(ExecutionMode.SAME_THREAD)
    void theStacksNetworkCannotReachTheProxy() throws Exception {
        TestDocker.Result fromStack = TestDocker.exec(TestDocker.PREFIX + STACK_NAME, "curl", "-sS", "-m", "5",
                "http://" + PROXY + ":2375/_ping");
        assertNotEquals(0, fromStack.exit(), "a stack container reached the proxy: " + fromStack.stdout());
        assertEquals("OK", TestDocker.exec(TestDocker.PREFIX + TAKEN_NAME, "curl", "-sS", "-m", "5",
                "http://" + PROXY + ":2375/_ping").out(), "while the sidecar's network does");
    }

    /**
     * A create from the taken sidecar's container. The body travels base64-encoded into a file there
     * and is sent with --data-binary, so its bytes (raw UTF-8 included) reach the proxy as written,
     * whatever the test's own locale.
     */
    private static String[] create(String name, String body) {
        String encoded = java.util.Base64.getEncoder().encodeToString(("{" + body + "}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        TestDocker.exec(TestDocker.PREFIX + TAKEN_NAME, "sh", "-c", "echo " + encoded + " | base64 -d > /tmp/body");
        return taken("-X", "POST", "-H", "Content-Type: application/json", "--data-binary", "@/tmp/body",
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
