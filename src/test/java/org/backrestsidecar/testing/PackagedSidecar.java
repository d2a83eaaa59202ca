package org.backrestsidecar.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The packaged sidecar as a real process on the host (README "Run"), for the tests that kill it:
 * started on a port of its own with a config file, an API token beside that file, and its log in a
 * file; asked over plain HTTP with that token.
 */
public final class PackagedSidecar {
    public static final String TOKEN = "crash-test-api-token-0123456789";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private PackagedSidecar() {
    }

    /**
     * The sidecar's image built beside it as README "Run" does (from the test base, which holds the
     * packages: no registry here); the helpers the sidecar starts run from it.
     */
    public static void buildImage() throws IOException, InterruptedException {
        TestDocker.run(List.of("docker", "build", "-q", "-f", "src/main/docker/Dockerfile",
                "--build-arg", "JAR_FROM=host", "--build-arg", "BUILD_IMAGE=" + TestDocker.IMAGE,
                "--build-arg", "BASE_IMAGE=" + TestDocker.IMAGE, "-t", "backrest-sidecar:0.1.0", "."), Map.of());
    }

    /** Writes the API token the sidecar started with {@code config} in this folder reads. */
    public static void writeToken(Path folder) throws IOException {
        Files.writeString(folder.resolve("api-token"), TOKEN + "\n");
    }

    public static Process start(Path config, int port, Path log) throws IOException {
        return start(config, port, log, Map.of());
    }

    /** As {@link #start(Path, int, Path)}, with {@code env} added to its environment. */
    public static Process start(Path config, int port, Path log, Map<String, String> env) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(TestJvm.java(),
                "-jar", System.getProperty("sidecar.jar", "target/quarkus-app/quarkus-run.jar"))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        // the JVM's flags as the shipped image sets them (small heap, C1): what a user's container runs
        pb.environment().put("JAVA_TOOL_OPTIONS", TestJvm.shippedToolOptions());
        pb.environment().put("SIDECAR_CONFIG", config.toString());
        pb.environment().put("SIDECAR_API_TOKEN_FILE", config.resolveSibling("api-token").toString());
        pb.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port));
        pb.environment().put("QUARKUS_HTTP_HOST", "127.0.0.1");
        pb.environment().putAll(env);
        return pb.start();
    }

    public static void awaitReady(int port) {
        awaitReady(port, null);
    }

    /**
     * Up to 4 minutes for the sidecar to answer: started after a kill, it first puts whole data back
     * for every restore the kill cut off (a helper's restic restoring a safety snapshot), which on a
     * shared CI machine with a swarm beside it was seen to take over a minute. When it does not
     * answer, the end of its {@code log} (when given) says why.
     */
    public static void awaitReady(int port, Path log) {
        try {
            TestDocker.await("the sidecar on port " + port, Duration.ofMinutes(4), () -> live(port));
        } catch (AssertionError e) {
            throw log == null ? e : new AssertionError(e.getMessage() + "; the end of its log:\n" + tail(log), e);
        }
    }

    private static boolean live(int port) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/live")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The last 40 lines of a sidecar's {@code log}: what a failed test shows of why. */
    public static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    public static String get(int port, String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .header("Authorization", "Bearer " + TOKEN).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    /** POSTs {@code body} as JSON, expecting 202; the answer's body. */
    public static String postJson(int port, String path, String body) throws IOException, InterruptedException {
        HttpResponse<String> answer = postJsonAnswer(port, path, body);
        assertEquals(202, answer.statusCode(), answer.body());
        return answer.body();
    }

    /** POSTs {@code body} as JSON; the answer, whatever its status. */
    public static HttpResponse<String> postJsonAnswer(int port, String path, String body)
            throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    public static void post(int port, String path) throws IOException, InterruptedException {
        postJson(port, path, "");
    }

    public static int freePort() throws IOException {
        return FreePorts.next();
    }

    /** A question asked while polling: false (ask again) when it throws, e.g. the sidecar not up yet. */
    public static boolean ask(java.util.concurrent.Callable<Boolean> question) {
        try {
            return question.call();
        } catch (Exception e) {
            return false;
        }
    }

    /**
     * Waits until the restic on this host storing {@code file} from stdin (a base backup on its way)
     * has read more than {@code bytes} of it; what it had read then. A test kills the sidecar there.
     */
    public static long awaitResticStoring(String file, long bytes) {
        long[] read = new long[1];
        TestDocker.await("restic storing " + file, java.time.Duration.ofMinutes(2), () -> {
            read[0] = resticRead(file).orElse(0L);
            return read[0] > bytes;
        });
        return read[0];
    }

    private static java.util.Optional<Long> resticRead(String file) {
        try (var procs = java.nio.file.Files.list(Path.of("/proc"))) {
            for (Path proc : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String cmdline = java.nio.file.Files.readString(proc.resolve("cmdline")).replace('\0', ' ');
                    if (cmdline.startsWith("restic ") && cmdline.contains("--stdin-filename " + file)) {
                        return java.nio.file.Files.readAllLines(proc.resolve("io")).stream().filter(l -> l.startsWith("rchar:"))
                                .map(l -> Long.parseLong(l.substring(6).strip())).findFirst();
                    }
                } catch (IOException gone) {
                    // a process that ended while we looked
                }
            }
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.empty();
    }

    /** Runs plan {@code plan} through the API and waits for its end; the run as the API then tells it. */
    public static com.fasterxml.jackson.databind.JsonNode runPlan(int port, String plan) throws IOException, InterruptedException {
        return runPlan(port, plan, null);
    }

    /**
     * As {@link #runPlan(int, String)}; when the run does not end in 5 minutes, the failure shows the run
     * as the API last told it and the end of the sidecar's {@code log} (when given).
     */
    public static com.fasterxml.jackson.databind.JsonNode runPlan(int port, String plan, Path log)
            throws IOException, InterruptedException {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        String id = json.readTree(postJson(port, "/api/plans/" + plan + "/runs", "")).path("id").asText();
        String[] last = {"(never answered)"};
        try {
            TestDocker.await("run " + id + " to end", java.time.Duration.ofMinutes(5), () -> ask(() -> {
                last[0] = get(port, "/api/runs/" + id);
                return json.readTree(last[0]).hasNonNull("endedAt");
            }));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; the run last read " + last[0]
                    + (log == null ? "" : "; the end of the sidecar's log:\n" + tail(log)), e);
        }
        return json.readTree(get(port, "/api/runs/" + id));
    }
}
