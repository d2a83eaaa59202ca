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
 */
public final class TestDocker {
    public static final String IMAGE = "backrest-sidecar-test/debian-services:latest";
    public static final String PREFIX = "bsc-test-";
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
        remove(name);
        String id = DOCKER.createContainerCmd(IMAGE)
                .withName(PREFIX + name)
                .withLabels(labels)
                .withCmd("sh", "-c", script)
                .withHostConfig(HostConfig.newHostConfig().withNetworkMode("none"))
                .exec().getId();
        DOCKER.startContainerCmd(id).exec();
        return id;
    }

    public static void remove(String name) {
        try {
            DOCKER.removeContainerCmd(PREFIX + name).withForce(true).withRemoveVolumes(true).exec();
        } catch (RuntimeException e) {
            // not there
        }
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
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("timed out after " + limit + " waiting for " + what);
    }

    public static String run(List<String> command, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }
}
