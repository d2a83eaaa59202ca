package org.backrestsidecar.swarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.Yaml;

/**
 * The Swarm test's stack (src/test/resources/swarm/stack.yml) stands for compose.swarm.yml.example: its
 * own apps, images from this machine and a repo server replace the user's, but the sidecar's, the repos
 * task's, the proxy's and nginx's services must be the shipped ones. A setting changed in one file and
 * not in the other (an alias, a network, a peer name, a health check) fails here, in a second, instead
 * of going unseen until a user deploys it. Each difference the test stack is allowed is listed below
 * with its reason.
 */
class TestStackMatchesShippedTest {

    private static final Path SHIPPED = Path.of("compose.swarm.yml.example");
    private static final Path TESTED = Path.of("src/test/resources/swarm/stack.yml");

    /** Settings of a service the test stack sets its own way, and why. */
    private static final Map<String, String> ALLOWED = Map.ofEntries(
            Map.entry("*.image", "images built on this machine (scripts/offline-images.sh), no registry"),
            Map.entry("*.env_file", "the user's env/sidecar is empty of what the test needs; it sets its environment"),
            Map.entry("*.secrets", "the test's own repos (SFTP, an offsite copy) and keys, at Docker's default paths"),
            Map.entry("*.environment.SIDECAR_API_TOKEN_FILE", "the token secret at Docker's default path"),
            Map.entry("*.environment.TZ", "the test reads times in UTC"),
            Map.entry("sidecar.environment.SIDECAR_SWARM_RETENTION_LOCK_WAIT",
                    "90 s, so that the test's node killed mid-backup does not hold the others for 2 minutes"),
            Map.entry("sidecar-repos.deploy.endpoint_mode",
                    "dnsrr: the test's docker-in-docker nodes have no IPVS for a virtual IP"),
            Map.entry("nginx.ports", "published on node1 in host mode (no IPVS for the ingress), on 8443"));

    static Stream<Arguments> services() {
        return Stream.of("sidecar", "sidecar-repos", "docker-proxy", "nginx").map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("services")
    void theServiceIsTheShippedOne(String service) throws IOException {
        Map<String, Object> shipped = flat(serviceOf(SHIPPED, service));
        Map<String, Object> tested = flat(serviceOf(TESTED, service));
        Map<String, String> differences = new TreeMap<>();
        for (String key : union(shipped.keySet(), tested.keySet())) {
            Object a = shipped.get(key);
            Object b = tested.get(key);
            if (!String.valueOf(a).equals(String.valueOf(b)) && !allowed(service, key)) {
                differences.put(key, "shipped " + a + ", tested " + b);
            }
        }
        assertEquals(Map.of(), differences, service + " differs from " + SHIPPED
                + " where the test stack may not differ (add a reason to ALLOWED, or mend the test stack)");
    }

    @ParameterizedTest(name = "network {0}")
    @MethodSource("networks")
    void theNetworksAreTheShippedOnes(String network) throws IOException {
        Map<String, Object> shipped = networkOf(SHIPPED, network);
        Map<String, Object> tested = networkOf(TESTED, network);
        // a stack's network is an overlay whether it says so or not
        shipped.remove("driver");
        tested.remove("driver");
        assertEquals(shipped, tested, "network " + network);
    }

    static Stream<Arguments> networks() {
        return Stream.of("stack", "docker-api", "front").map(Arguments::of);
    }

    private static boolean allowed(String service, String key) {
        for (String rule : ALLOWED.keySet()) {
            String[] parts = rule.split("\\.", 2);
            if ((parts[0].equals("*") || parts[0].equals(service)) && (key.equals(parts[1]) || key.startsWith(parts[1] + "."))) {
                return true;
            }
        }
        return false;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new java.util.TreeSet<>(a);
        all.addAll(b);
        return all;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> serviceOf(Path file, String service) throws IOException {
        Map<String, Object> services = (Map<String, Object>) stack(file).get("services");
        Map<String, Object> found = (Map<String, Object>) services.get(service);
        assertNotNull(found, service + " in " + file);
        return found;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> networkOf(Path file, String network) throws IOException {
        Map<String, Object> networks = (Map<String, Object>) stack(file).get("networks");
        assertNotNull(networks.get(network), "network " + network + " in " + file);
        return new LinkedHashMap<>((Map<String, Object>) networks.get(network));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> stack(Path file) throws IOException {
        return (Map<String, Object>) interpolated(new Yaml().load(Files.readString(file)));
    }

    /** As `docker stack deploy` reads a value with nothing set in .env: "${VAR:-default}" is its default. */
    @SuppressWarnings("unchecked")
    private static Object interpolated(Object value) {
        if (value instanceof String text) {
            return text.replaceAll("(?<!\\$)\\$\\{[A-Z_]+:-([^}]*)}", "$1");
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            ((Map<String, Object>) map).forEach((k, v) -> out.put(k, interpolated(v)));
            return out;
        }
        if (value instanceof List<?> list) {
            return list.stream().map(TestStackMatchesShippedTest::interpolated).toList();
        }
        return value;
    }

    /** Every leaf of the service as "deploy.placement.constraints" → value; lists stay whole. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> flat(Map<String, Object> map) {
        Map<String, Object> out = new TreeMap<>();
        for (var e : map.entrySet()) {
            if (e.getValue() instanceof Map<?, ?> inner) {
                for (var leaf : flat((Map<String, Object>) inner).entrySet()) {
                    out.put(e.getKey() + "." + leaf.getKey(), leaf.getValue());
                }
            } else {
                out.put(e.getKey(), e.getValue() instanceof List<?> list ? List.copyOf(list) : e.getValue());
            }
        }
        return out;
    }
}
