package org.backrestsidecar.testing;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * A Maven repository for image builds that run Maven in a container (the Dockerfile's MAVEN_MIRROR, as a
 * user behind a company mirror gives it): busybox's httpd in a container of ours serving this machine's
 * own Maven repository read-only, since no public repository is reachable from a build container here.
 * Builds that should share Docker's layer cache take {@link #shared()}: the mirror's URL is a build
 * argument, and a new address would build the Maven layers again (SidecarInContainerIT's image and the
 * bundle's `docker-compose build` in StackComesUpIT are one build of the same sources: with one mirror
 * the second takes every layer from the first, some four minutes of CI).
 */
public final class MavenMirror {
    private final String url;

    private MavenMirror(String url) {
        this.url = url;
    }

    /**
     * The one mirror of this test JVM, started at the first call and removed when the JVM ends; started
     * again should something have removed it. Named outside TestDocker's prefix, so that a test's
     * removeLeftovers does not take it from between two builds.
     */
    public static synchronized MavenMirror shared() throws IOException, InterruptedException {
        if (shared == null || !running(SHARED)) {
            if (shared == null) {
                Runtime.getRuntime().addShutdownHook(new Thread(() -> removed(SHARED)));
            }
            shared = start(SHARED);
        }
        return shared;
    }

    private static final String SHARED = "bsc-stack-maven-mirror";
    private static MavenMirror shared;

    private static boolean running(String name) {
        try {
            return TestDocker.client().inspectContainerCmd(name).exec().getState().getRunning();
        } catch (com.github.dockerjava.api.exception.NotFoundException e) {
            return false;
        }
    }

    private static void removed(String name) {
        try {
            TestDocker.client().removeContainerCmd(name).withForce(true).exec();
        } catch (com.github.dockerjava.api.exception.NotFoundException e) {
            // not there
        }
    }

    private static MavenMirror start(String name) throws IOException, InterruptedException {
        String repository = System.getProperty("maven.repo.local", System.getProperty("user.home") + "/.m2/repository");
        removed(name);
        TestDocker.run(List.of("docker", "run", "-d", "--name", name, "-v", repository + ":/m2:ro",
                TestDocker.IMAGE, "busybox", "httpd", "-f", "-p", "8081", "-h", "/m2"), Map.of());
        String address = TestDocker.run(List.of("docker", "inspect", "-f", "{{.NetworkSettings.IPAddress}}", name),
                Map.of()).strip();
        return new MavenMirror("http://" + address + ":8081/");
    }

    /** The URL a build container on Docker's default network reaches it at. */
    public String url() {
        return url;
    }
}
