package org.backrestsidecar.testing;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real S3 API server: S3Proxy (from Maven Central, copied to target/s3proxy by the build) as its
 * own process on 127.0.0.1, storing buckets as folders, with one access key.
 */
public final class S3Server {
    public static final String ACCESS_KEY = "offsite-access-key";
    public static final String SECRET_KEY = "offsite-secret-key-0123456789";
    private final int port;
    private final Process process;

    private S3Server(int port, Process process) {
        this.port = port;
        this.process = process;
    }

    public static S3Server start(Path dir) throws IOException {
        int port = FreePorts.next();
        Files.createDirectories(dir.resolve("buckets"));
        Path conf = dir.resolve("s3proxy.conf");
        Files.writeString(conf, String.join("\n",
                "s3proxy.endpoint=http://127.0.0.1:" + port,
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + ACCESS_KEY,
                "s3proxy.credential=" + SECRET_KEY,
                "jclouds.provider=filesystem",
                "jclouds.filesystem.basedir=" + dir.resolve("buckets"), ""));
        Process process = new ProcessBuilder(TestJvm.command(
                "-jar", Path.of("target/s3proxy/s3proxy.jar").toAbsolutePath().toString(), "--properties", conf.toString()))
                .redirectErrorStream(true).redirectOutput(dir.resolve("s3proxy.log").toFile()).start();
        int bound = port;
        TestDocker.await("S3Proxy on " + port, Duration.ofSeconds(60), () -> {
            try (Socket ignored = new Socket("127.0.0.1", bound)) {
                return true;
            } catch (IOException e) {
                return false;
            }
        });
        return new S3Server(port, process);
    }

    /** restic's URI of {@code path} in {@code bucket}. */
    public String uri(String bucket, String path) {
        return "s3:http://127.0.0.1:" + port + "/" + bucket + "/" + path;
    }

    public void stop() {
        process.destroyForcibly();
    }
}
