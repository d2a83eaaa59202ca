package org.backrestsidecar.testing;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * A Maven repository for image builds that run Maven in a container (the Dockerfile's MAVEN_MIRROR, as a
 * user behind a company mirror gives it): busybox's httpd in a container of ours serving this machine's
 * own Maven repository read-only, since no public repository is reachable from a build container here.
 * Keep one open across builds that should share Docker's layer cache: the mirror's URL is a build
 * argument, and a new address would build the Maven layers again.
 */
public final class MavenMirror implements AutoCloseable {
    private static final String NAME = TestDocker.PREFIX + "maven-mirror";
    private final String url;

    private MavenMirror(String url) {
        this.url = url;
    }

    public static MavenMirror start() throws IOException, InterruptedException {
        String repository = System.getProperty("maven.repo.local", System.getProperty("user.home") + "/.m2/repository");
        TestDocker.remove("maven-mirror");
        TestDocker.run(List.of("docker", "run", "-d", "--name", NAME, "-v", repository + ":/m2:ro",
                TestDocker.IMAGE, "busybox", "httpd", "-f", "-p", "8081", "-h", "/m2"), Map.of());
        String address = TestDocker.run(List.of("docker", "inspect", "-f", "{{.NetworkSettings.IPAddress}}", NAME),
                Map.of()).strip();
        return new MavenMirror("http://" + address + ":8081/");
    }

    /** The URL a build container on Docker's default network reaches it at. */
    public String url() {
        return url;
    }

    @Override
    public void close() {
        TestDocker.remove("maven-mirror");
    }
}
