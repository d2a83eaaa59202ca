package org.backrestsidecar.testing;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The tests' own hands on the real Docker engine: start containers from the locally built test
 * image (never pulled), run commands in them, remove them. Every container it starts is named
 * {@code bsc-test-*} so a failed run's leftovers are easy to find and are removed at the next start.
 * The end-to-end tests (Failsafe) run beside the scenarios and name theirs {@code bsc-e2e-*}
 * (system property {@code bsc.test.prefix}, pom.xml), so neither removes the other's.
 */
public final class TestDocker {
    public static final String IMAGE = "backrest-sidecar-test/debian-services:latest";
    /** Postgres 17 (with pg_combinebackup) from Debian trixie: src/test/images/debian-postgres17.recipe. */
    public static final String POSTGRES_17_IMAGE = "backrest-sidecar-test/debian-postgres17:latest";
    public static final String PREFIX = System.getProperty("bsc.test.prefix", "bsc-test-");
    /**
     * The Compose project every container the tests label for backup belongs to, and the one their
     * sidecars' configs name ({@code composeProject}): the scenarios' and the end-to-end tests'
     * sidecars run at once on one engine, and each finds only its own targets.
     */
    public static final String PROJECT = System.getProperty("bsc.test.project", "bsc-scenarios");
    /**
     * The name of the sidecar a scenario JVM runs ({@code instance}): its helpers and drill networks carry
     * it, and a sidecar at start removes those of its own name. The scenarios run in two JVMs at once
     * (pom.xml, Surefire's forks), each with a sidecar of its own name, as with its own prefix and project.
     */
    public static final String INSTANCE = System.getProperty("bsc.test.instance", "test-host");
    /** A container that idles and stops at once on SIGTERM, as a well-behaved service does. */
    public static final String IDLE = "trap 'exit 0' TERM; sleep 600 & wait";
    private static final DockerClient DOCKER = connect();

    private TestDocker() {
    }

    public static DockerClient client() {
        return DOCKER;
    }

    private static DockerClient connect() {
        String host = "unix:///var/run/docker.sock";
        var config = DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(host).build();
        var http = new ApacheDockerHttpClient.Builder().dockerHost(URI.create(host)).build();
        return DockerClientImpl.getInstance(config, http);
    }

    /** Starts a container running {@code sh -c script}, with no network and the given labels. */
    public static String start(String name, Map<String, String> labels, String script) {
        return container(name).labels(labels).start(script);
    }

    public static Spec container(String name) {
        return new Spec(name);
    }

    /** A user-defined bridge network of the test's, {@link #PREFIX}{@code name} (made anew), for {@link Spec#network}. */
    public static String network(String name) {
        String full = PREFIX + name;
        removeNetwork(name);
        DOCKER.createNetworkCmd().withName(full).withDriver("bridge").exec();
        return full;
    }

    /** Removes the test's network {@link #PREFIX}{@code name}, if it is there. */
    public static void removeNetwork(String name) {
        try {
            DOCKER.removeNetworkCmd(PREFIX + name).exec();
        } catch (com.github.dockerjava.api.exception.NotFoundException absent) {
            // not there
        }
    }

    /** A test container to start: labels, environment, anonymous volumes, network mode. */
    public static final class Spec {
        private final String name;
        private Map<String, String> labels = Map.of();
        private List<String> env = List.of();
        private final List<com.github.dockerjava.api.model.Volume> volumes = new java.util.ArrayList<>();
        private String network = "none";
        private String image = IMAGE;
        private String alias;
        private com.github.dockerjava.api.model.HealthCheck health;

        private Spec(String name) {
            this.name = name;
        }

        /** The labels; one for backup ({@code *.enable}) also gets {@link #PROJECT}'s, unless it names a project. */
        public Spec labels(Map<String, String> labels) {
            this.labels = labels;
            if (labels.keySet().stream().anyMatch(k -> k.endsWith(".enable"))
                    && !labels.containsKey("com.docker.compose.project")) {
                var withProject = new java.util.HashMap<>(labels);
                withProject.put("com.docker.compose.project", PROJECT);
                this.labels = withProject;
            }
            return this;
        }

        /** Another image than the test image, e.g. {@link #POSTGRES_17_IMAGE}. */
        public Spec image(String image) {
            this.image = image;
            return this;
        }

        public Spec env(String... env) {
            this.env = List.of(env);
            return this;
        }

        public Spec volume(String path) {
            volumes.add(new com.github.dockerjava.api.model.Volume(path));
            return this;
        }

        /** A healthcheck as Compose writes {@code test: [CMD-SHELL, ...]}, asked every {@code every}, failed after 3. */
        public Spec healthcheck(String shell, Duration every) {
            this.health = new com.github.dockerjava.api.model.HealthCheck().withTest(List.of("CMD-SHELL", shell))
                    .withInterval(every.toNanos()).withTimeout(Duration.ofSeconds(5).toNanos()).withRetries(3);
            return this;
        }

        /**
         * On the test's network {@code network} (made with {@link #network}), answering there to
         * {@code alias}, as a Compose service answers to its name on the project's network.
         */
        public Spec network(String network, String alias) {
            this.network = network;
            this.alias = alias;
            return this;
        }

        /** {@code container:<name>} shares another test container's network, as network_mode: service:X does. */
        public Spec networkOf(String other) {
            this.network = "container:" + PREFIX + other;
            return this;
        }

        public String create(String script) {
            remove(name);
            var create = DOCKER.createContainerCmd(image)
                    .withName(PREFIX + name)
                    .withLabels(labels)
                    .withEnv(env)
                    .withVolumes(volumes)
                    .withCmd("sh", "-c", script)
                    .withHostConfig(HostConfig.newHostConfig().withNetworkMode(network));
            if (health != null) {
                create.withHealthcheck(health);
            }
            if (alias != null) {
                create.withAliases(alias);
            }
            return create.exec().getId();
        }

        public String start(String script) {
            String id = create(script);
            DOCKER.startContainerCmd(id).exec();
            return id;
        }
    }

    public record State(boolean running, boolean paused) {
    }

    public static State state(String container) {
        var s = DOCKER.inspectContainerCmd(container).exec().getState();
        return new State(Boolean.TRUE.equals(s.getRunning()), Boolean.TRUE.equals(s.getPaused()));
    }

    public static void remove(String name) {
        try {
            DOCKER.removeContainerCmd(PREFIX + name).withForce(true).withRemoveVolumes(true).exec();
        } catch (RuntimeException e) {
            // not there
        }
    }

    /**
     * Removes the helpers of the sidecar named {@code instance}: a helper whose sidecar was killed and
     * not started again (a failed scenario) goes on, and the next test class would count it as its own.
     */
    public static void removeHelpersOf(String instance) {
        DOCKER.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of("backrest-sidecar.helper", instance)).exec()
                .forEach(c -> DOCKER.removeContainerCmd(c.getId()).withForce(true).exec());
    }

    /** Removes every container a previous, interrupted test run left behind. */
    public static void removeLeftovers() {
        DOCKER.listContainersCmd().withShowAll(true).withNameFilter(List.of(PREFIX)).exec()
                .forEach(c -> DOCKER.removeContainerCmd(c.getId()).withForce(true).withRemoveVolumes(true).exec());
    }

    public record Result(long exit, String stdout, String stderr) {
        public String out() {
            if (exit != 0) {
                throw new AssertionError("command exited " + exit + ": " + stderr);
            }
            return stdout.strip();
        }
    }

    public static Result exec(String container, String... command) {
        String execId = DOCKER.execCreateCmd(container).withCmd(command).withAttachStdout(true)
                .withAttachStderr(true).exec().getId();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            DOCKER.execStartCmd(execId).exec(new ResultCallback.Adapter<Frame>() {
                @Override
                public void onNext(Frame frame) {
                    (frame.getStreamType() == com.github.dockerjava.api.model.StreamType.STDERR ? err : out)
                            .writeBytes(frame.getPayload());
                }
            }).awaitCompletion(5, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        Long exit = DOCKER.inspectExecCmd(execId).exec().getExitCodeLong();
        return new Result(exit == null ? -1 : exit, out.toString(StandardCharsets.UTF_8),
                err.toString(StandardCharsets.UTF_8));
    }

    /** Starts a command in the container and returns at once; it runs on by itself. */
    public static void execDetached(String container, String... command) {
        String execId = DOCKER.execCreateCmd(container).withCmd(command).exec().getId();
        DOCKER.execStartCmd(execId).withDetach(true).exec(new ResultCallback.Adapter<Frame>());
    }

    /** Copies a host file into the container's directory {@code dir}. */
    public static void copyInto(String container, Path file, String dir) {
        DOCKER.copyArchiveToContainerCmd(container).withHostResource(file.toString()).withRemotePath(dir).exec();
    }

    public static void await(String what, Duration limit, java.util.function.BooleanSupplier condition) {
        await(what, limit, Duration.ofMillis(200), condition);
    }

    /**
     * As {@link #await(String, Duration, java.util.function.BooleanSupplier)}, asking every {@code every}:
     * a condition that costs several {@code docker exec}s (a Swarm node's task, asked through its node)
     * asked every 200 ms keeps a core busy for as long as it waits.
     */
    public static void await(String what, Duration limit, Duration every, java.util.function.BooleanSupplier condition) {
        Instant end = Instant.now().plus(limit);
        while (Instant.now().isBefore(end)) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (RuntimeException | AssertionError e) {
                // not yet
            }
            try {
                Thread.sleep(every.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("timed out after " + limit + " waiting for " + what);
    }

    public static String run(List<String> command, Map<String, String> env) throws IOException, InterruptedException {
        return run(command, env, null);
    }

    /**
     * A restic command that takes an exclusive lock (forget), run as a user would while the sidecar
     * works on the repo: a lock the sidecar holds (a WAL ship every 12 s, a run) is waited out, up to
     * two minutes, instead of failing the test on the moment it came.
     */
    public static String runWaitingOutLocks(List<String> command, Map<String, String> env)
            throws IOException, InterruptedException {
        java.time.Instant until = java.time.Instant.now().plus(Duration.ofMinutes(2));
        while (true) {
            try {
                return run(command, env, null);
            } catch (IOException e) {
                if (!String.valueOf(e.getMessage()).contains("already locked") || java.time.Instant.now().isAfter(until)) {
                    throw e;
                }
                Thread.sleep(2000);
            }
        }
    }

    /** Runs a command on this machine in {@code dir}; its output, or an IOException with it. */
    public static String run(List<String> command, Map<String, String> env, java.io.File dir)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).directory(dir);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }
}
