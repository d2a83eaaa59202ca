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
    private Process process;

    public RestServer(Path dir) throws IOException {
        this.dir = dir;
        this.port = FreePorts.next();
    }

    public synchronized RestServer start() throws IOException {
        process = new ProcessBuilder("rclone", "serve", "restic", "--addr", "127.0.0.1:" + port, dir.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolveSibling("rclone-" + port + ".log").toFile()).start();
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
