package org.backrestsidecar.testing;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real server of restic's REST protocol: {@code rclone serve restic} (Debian's rclone) on a port of
 * 127.0.0.1, storing under a folder; it can be killed and started again on the same port and folder.
 */
public final class RestServer {
    private final Path dir;
    private final int port;
    private final boolean appendOnly;
    private Process process;

    public RestServer(Path dir) throws IOException {
        this(dir, false);
    }

    /** @param appendOnly served with {@code --append-only}: reads and new files only, no delete or overwrite (locks aside) */
    public RestServer(Path dir, boolean appendOnly) throws IOException {
        this.dir = dir;
        this.port = FreePorts.next();
        this.appendOnly = appendOnly;
    }

    /** The folder the server stores under: the server's own disk, where its owner runs restic directly. */
    public Path dir() {
        return dir;
    }

    /** The server's own log; on an append-only server it names every request ("DELETE /away/keys/…"). */
    public Path log() {
        return dir.resolveSibling("rclone-" + port + ".log");
    }

    /** The requests of {@code method} logged after {@code offset} bytes of {@link #log()} (append-only servers only). */
    public java.util.List<String> requestsSince(long offset, String method) throws IOException {
        byte[] all = java.nio.file.Files.readAllBytes(log());
        String since = new String(all, (int) Math.min(offset, all.length), all.length - (int) Math.min(offset, all.length),
                java.nio.charset.StandardCharsets.UTF_8);
        return since.lines().map(line -> line.replaceFirst("^.*?: (?=[A-Z]+ /)", ""))
                .filter(line -> line.startsWith(method + " /")).toList();
    }

    public int port() {
        return port;
    }

    public synchronized RestServer start() throws IOException {
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("rclone", "serve", "restic",
                "--addr", "127.0.0.1:" + port, dir.toString()));
        if (appendOnly) {
            // as docs/offsite.md serves it: its owner prunes the folder beneath the server, so no listing is cached
            command.addAll(java.util.List.of("--append-only", "--cache-objects=false"));
            // -vv logs every request as "METHOD /path": a test reads there what a client asked for
            command.add("-vv");
        }
        process = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile())).start();
        TestDocker.await("rclone serve restic on " + port, Duration.ofSeconds(30), () -> {
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return true;
            } catch (IOException e) {
                return false;
            }
        });
        return this;
    }

    /** SIGKILL, as a server that dies or a link that drops. */
    public synchronized void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly().waitFor();
            process = null;
        }
    }

    public String url() {
        return "rest:http://127.0.0.1:" + port;
    }
}
