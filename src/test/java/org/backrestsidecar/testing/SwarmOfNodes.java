package org.backrestsidecar.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Docker Swarm of several real Docker engines on this machine: docker-in-docker nodes built from
 * Debian's docker.io (scripts/test-images.sh, src/test/images/swarm-node.recipe), on a network of the
 * test's own, node1 the manager. Nothing is pulled: the images a stack needs are saved here and loaded
 * into every node. Each node keeps /var/lib/docker on a volume, so its engine uses overlay2. A service's
 * virtual IP does not answer inside these nodes (no IPVS there): a service the test reaches by name
 * uses endpoint_mode dnsrr, as tasks.NAME does.
 */
public final class SwarmOfNodes implements AutoCloseable {
    public static final String NODE_IMAGE = "backrest-sidecar-test/swarm-node:latest";
    private static final String PREFIX = TestDocker.PREFIX + "swarm-";
    private final List<String> nodes = new ArrayList<>();
    private final Map<String, List<Path>> frozenContainers = new java.util.HashMap<>();

    private SwarmOfNodes() {
    }

    /** Starts {@code count} nodes, makes node1 the manager and the others workers, loads {@code images}. */
    public static SwarmOfNodes start(int count, List<String> images) throws IOException, InterruptedException {
        SwarmOfNodes swarm = new SwarmOfNodes();
        swarm.removeLeftovers(count);
        host("docker", "network", "create", PREFIX + "net");
        for (int i = 1; i <= count; i++) {
            String node = "node" + i;
            host("docker", "run", "-d", "--name", PREFIX + node, "--hostname", node,
                    // SYS_PTRACE: runc joins a non-root container's namespaces for docker exec (and a
                    // healthcheck) only with it; the sidecar runs as uid 10001
                    "--cap-add", "SYS_ADMIN", "--cap-add", "NET_ADMIN", "--cap-add", "SYS_PTRACE",
                    "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
                    "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw", "--tmpfs", "/run",
                    "-v", PREFIX + node + ":/var/lib/docker", "--network", PREFIX + "net",
                    NODE_IMAGE, "dockerd", "--host", "unix:///var/run/docker.sock");
            swarm.nodes.add(node);
        }
        for (String node : swarm.nodes) {
            TestDocker.await(node + "'s engine", Duration.ofMinutes(1), () -> {
                try {
                    swarm.docker(node, "info");
                    return true;
                } catch (IOException e) {
                    return false;
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
        }
        String address = swarm.address("node1");
        swarm.docker("node1", "swarm", "init", "--advertise-addr", address);
        String token = swarm.docker("node1", "swarm", "join-token", "-q", "worker").strip();
        for (String node : swarm.nodes.subList(1, count)) {
            swarm.docker(node, "swarm", "join", "--token", token, address + ":2377");
        }
        swarm.load(images);
        return swarm;
    }

    private void load(List<String> images) throws IOException, InterruptedException {
        Path tar = Files.createTempFile("bsc-swarm-images", ".tar");
        try {
            List<String> save = new ArrayList<>(List.of("docker", "save", "-o", tar.toString()));
            save.addAll(images);
            host(save.toArray(String[]::new));
            List<Process> loads = new ArrayList<>();
            for (String node : nodes) {
                loads.add(new ProcessBuilder("docker", "exec", "-i", PREFIX + node, "docker", "load", "-q")
                        .redirectInput(tar.toFile()).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
            }
            for (Process p : loads) {
                if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
                    throw new IOException("docker load into a node failed");
                }
            }
        } finally {
            Files.deleteIfExists(tar);
        }
    }

    public List<String> nodes() {
        return List.copyOf(nodes);
    }

    /** The node's container on this machine (for docker cp, kill). */
    public String container(String node) {
        return PREFIX + node;
    }

    /** The node's address on the test's network: a port a task publishes in host mode answers there. */
    public String address(String node) throws IOException, InterruptedException {
        return host("docker", "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
                PREFIX + node).strip();
    }

    /** Runs the docker CLI inside a node, against that node's engine; its output. */
    public String docker(String node, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("docker", "exec", PREFIX + node, "docker"));
        command.addAll(List.of(args));
        return host(command.toArray(String[]::new));
    }

    /** Copies a folder of this machine into node1 (the manager), for `docker stack deploy`. */
    public void copyToManager(Path dir, String into) throws IOException, InterruptedException {
        host("docker", "exec", PREFIX + "node1", "mkdir", "-p", into);
        host("docker", "cp", dir + "/.", PREFIX + "node1:" + into);
    }

    /** The id of the one running container of a service's task on {@code node}, or "" when none runs. */
    public String taskContainer(String node, String service) throws IOException, InterruptedException {
        String ids = docker(node, "ps", "-q", "--filter", "label=com.docker.swarm.service.name=" + service);
        return ids.lines().findFirst().orElse("").strip();
    }

    /** Runs a command in the container of a service's task on {@code node}. */
    public String inTask(String node, String service, String... command) throws IOException, InterruptedException {
        String id = taskContainer(node, service);
        if (id.isEmpty()) {
            throw new IOException("no running task of " + service + " on " + node);
        }
        List<String> args = new ArrayList<>(List.of("exec", id));
        args.addAll(List.of(command));
        return docker(node, args.toArray(String[]::new));
    }

    /**
     * Freezes the whole node: to the others it is lost, as a node that hangs. A node mounts the host's
     * /sys/fs/cgroup, so its engine puts each of its containers in a cgroup beside the node's own, and
     * {@code docker pause} of the node would freeze only its engine (a helper's restic would go on
     * uploading): each of its containers is frozen too, through the host's freezer.
     */
    public void freeze(String node) throws IOException, InterruptedException {
        List<Path> frozen = new ArrayList<>();
        // (one the sidecar paused is left to it: thawing it here would unpause it behind Docker's back)
        for (String id : docker(node, "ps", "-q", "--no-trunc", "--filter", "status=running").strip().lines().toList()) {
            Path v1 = Path.of("/sys/fs/cgroup/freezer/docker", id, "freezer.state");
            Path v2 = Path.of("/sys/fs/cgroup/docker", id, "cgroup.freeze");
            if (Files.exists(v1)) {
                Files.writeString(v1, "FROZEN");
                frozen.add(v1);
            } else if (Files.exists(v2)) {
                Files.writeString(v2, "1");
                frozen.add(v2);
            }
        }
        frozenContainers.put(node, frozen);
        host("docker", "pause", PREFIX + node);
    }

    public void thaw(String node) throws IOException, InterruptedException {
        host("docker", "unpause", PREFIX + node);
        for (Path state : frozenContainers.getOrDefault(node, List.of())) {
            Files.writeString(state, state.getFileName().toString().equals("cgroup.freeze") ? "0" : "THAWED");
        }
        frozenContainers.remove(node);
    }

    /**
     * Caps what the node sends (its tasks' overlay traffic included) at {@code rate}, e.g. {@code
     * 40mbit}: a backup of a few hundred MB then lasts long enough to lose the node in the middle of it.
     */
    public void limitUpload(String node, String rate) throws IOException, InterruptedException {
        host("docker", "exec", PREFIX + node, "tc", "qdisc", "replace", "dev", "eth0", "root", "tbf", "rate", rate,
                "burst", "32kbit", "latency", "400ms");
    }

    /**
     * Writes the logs of every task each service had on each node (ended ones too: a task Swarm
     * replaced is often the one to read) and each service's task list, with why tasks ended.
     */
    public void keepLogs(Path dir, List<String> services) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        for (String service : services) {
            try {
                Files.writeString(dir.resolve(service + ".tasks"), docker(nodes.get(0), "service", "ps", "--no-trunc",
                        "--format", "{{.Name}} {{.Node}} {{.DesiredState}} {{.CurrentState}} {{.Error}}", service));
            } catch (IOException e) {
                // no manager answers: nothing to list
            }
        }
        for (String node : nodes) {
            for (String service : services) {
                try {
                    List<String> ids = docker(node, "ps", "-aq", "--filter", "label=com.docker.swarm.service.name="
                            + service).strip().lines().toList();
                    for (int i = 0; i < ids.size(); i++) {
                        Files.writeString(dir.resolve(node + "-" + service + (i == 0 ? "" : "-" + i) + ".log"),
                                docker(node, "logs", "-t", ids.get(i)));
                    }
                } catch (IOException e) {
                    // the node is gone (a test killed it): nothing to keep
                }
            }
        }
    }

    private void removeLeftovers(int count) throws InterruptedException {
        for (int i = 1; i <= Math.max(count, 5); i++) {
            // a frozen node is thawed first: a process in a frozen cgroup cannot die, nor its container end
            quietly("docker", "unpause", PREFIX + "node" + i);
            thawContainersOf("node" + i);
            // so is a container paused inside it (a test that failed mid-backup)
            quietly("docker", "exec", PREFIX + "node" + i, "sh", "-c",
                    "docker ps -q --filter status=paused | xargs -r docker unpause");
            quietly("docker", "rm", "-f", "-v", PREFIX + "node" + i);
            quietly("docker", "volume", "rm", PREFIX + "node" + i);
        }
        quietly("docker", "network", "rm", PREFIX + "net");
    }

    /** Thaws the containers of a node that a test (of this run or one killed) froze through the host. */
    private void thawContainersOf(String node) throws InterruptedException {
        try {
            for (String id : docker(node, "ps", "-aq", "--no-trunc").strip().lines().toList()) {
                Path v1 = Path.of("/sys/fs/cgroup/freezer/docker", id, "freezer.state");
                Path v2 = Path.of("/sys/fs/cgroup/docker", id, "cgroup.freeze");
                if (Files.exists(v1)) {
                    Files.writeString(v1, "THAWED");
                } else if (Files.exists(v2)) {
                    Files.writeString(v2, "0");
                }
            }
        } catch (IOException e) {
            // no such node
        }
    }

    @Override
    public void close() throws InterruptedException {
        removeLeftovers(nodes.size());
    }

    private static void quietly(String... command) throws InterruptedException {
        try {
            host(command);
        } catch (IOException e) {
            // not there
        }
    }

    static String host(String... command) throws IOException, InterruptedException {
        return TestDocker.run(List.of(command), Map.of());
    }
}
