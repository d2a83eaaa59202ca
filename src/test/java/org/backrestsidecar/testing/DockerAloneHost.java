package org.backrestsidecar.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A host with Docker alone (issue 39, README "Quick start"): a user's commands run in a container of the
 * docker-alone test image, which holds the Docker CLI, Compose, openssl and htpasswd and nothing else —
 * no JDK, no Maven — against this machine's engine. The folder a command runs in is mounted at the same
 * path, so the bind mounts Compose asks the engine for name the same files as on the host.
 * <p>
 * Compose is Debian's docker-compose 1.29: the `docker compose` plugin is not packaged here. The scripts
 * take either; the docs' `docker compose X` is run as `docker-compose X`.
 */
public final class DockerAloneHost {
    public static final String IMAGE = "backrest-sidecar-test/docker-alone:latest";
    private static final AtomicInteger RUNS = new AtomicInteger();

    private DockerAloneHost() {
    }

    /** What a command printed (stdout and stderr) and how it exited. */
    public record Result(int exit, String out) {
    }

    /**
     * Runs {@code command} in {@code folder} with {@code env}; a command still running after
     * {@code limit} is killed with its container and answers exit 124.
     */
    public static Result run(Path folder, List<String> command, Map<String, String> env, Duration limit)
            throws IOException, InterruptedException {
        String name = TestDocker.PREFIX + "docker-alone-" + ProcessHandle.current().pid() + "-" + RUNS.incrementAndGet();
        String at = folder.toAbsolutePath().toString();
        List<String> docker = new ArrayList<>(List.of("docker", "run", "--rm", "--name", name,
                "-v", "/var/run/docker.sock:/var/run/docker.sock", "-v", at + ":" + at, "-w", at));
        env.forEach((k, v) -> docker.addAll(List.of("-e", k + "=" + v)));
        docker.add(IMAGE);
        docker.addAll(command);
        Process p = new ProcessBuilder(docker).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE).start();
        p.getOutputStream().close();
        var output = new java.io.ByteArrayOutputStream();
        Thread reader = new Thread(() -> {
            try {
                p.getInputStream().transferTo(output);
            } catch (IOException ignored) {
                // the process ended
            }
        });
        reader.start();
        if (!p.waitFor(limit.toSeconds(), TimeUnit.SECONDS)) {
            TestDocker.run(List.of("sh", "-c", "docker rm -f " + name + " >/dev/null 2>&1 || true"), Map.of());
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            reader.join(TimeUnit.SECONDS.toMillis(30));
            return new Result(124, output.toString(StandardCharsets.UTF_8) + "\n(still running after " + limit + ")");
        }
        reader.join(TimeUnit.SECONDS.toMillis(30));
        return new Result(p.exitValue(), output.toString(StandardCharsets.UTF_8));
    }
}
