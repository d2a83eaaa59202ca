package org.backrestsidecar.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The sidecar's image as a user with Docker alone builds it (issue 39, README "Quick start"): from the
 * repository's files as a clone holds them (no target/), by `docker build` run in a container that
 * holds the Docker CLI and that copy and nothing else — no JDK, no Maven (the swarm-node test image:
 * Debian's docker.io) — against this machine's engine.
 * <p>
 * Stand-ins, because no registry is reachable here: the build stage is Debian's JDK 17 and Maven (the
 * test image debian-build) in place of the official maven image a user's build pulls, and Maven
 * downloads from a mirror that a container of ours serves from this machine's own Maven repository
 * (the Dockerfile's MAVEN_MIRROR, as a user behind a company mirror gives it).
 */
public final class ImageFromSource {
    public static final String BUILD_IMAGE = "backrest-sidecar-test/debian-build:latest";
    private static final String CLI_ONLY = "backrest-sidecar-test/swarm-node:latest";
    private static final String MIRROR = TestDocker.PREFIX + "maven-mirror";
    private static final Set<String> BUILT = new HashSet<>();

    private ImageFromSource() {
    }

    /** Builds {@code tag} once per test run; what the build printed. */
    public static synchronized String build(String tag) throws IOException, InterruptedException {
        if (BUILT.contains(tag)) {
            return "";
        }
        Path clone = Files.createTempDirectory("bsc-clone");
        // what a clone of this tree holds: the tracked files, and new ones not ignored (a tree under edit)
        TestDocker.run(List.of("sh", "-c", "git ls-files -z --cached --others --exclude-standard"
                + " | tar --null --ignore-failed-read -T - -cf - | tar -xf - -C " + clone), Map.of());
        String repository = System.getProperty("maven.repo.local",
                System.getProperty("user.home") + "/.m2/repository");
        TestDocker.remove("maven-mirror");
        try {
            TestDocker.run(List.of("docker", "run", "-d", "--name", MIRROR, "-v", repository + ":/m2:ro",
                    TestDocker.IMAGE, "busybox", "httpd", "-f", "-p", "8081", "-h", "/m2"), Map.of());
            String mirror = TestDocker.run(List.of("docker", "inspect", "-f",
                    "{{.NetworkSettings.IPAddress}}", MIRROR), Map.of()).strip();
            // --force-rm: a failed build leaves none of the classic builder's intermediate containers behind
            String out = TestDocker.run(List.of("docker", "run", "--rm", "--name", TestDocker.PREFIX + "docker-alone",
                    "-v", "/var/run/docker.sock:/var/run/docker.sock", "-v", clone + ":/repo:ro", "-w", "/repo", CLI_ONLY,
                    "sh", "-c", """
                            set -e
                            if command -v java || command -v javac || command -v mvn; then
                              echo "this host was to have Docker alone"; exit 9
                            fi
                            docker build --force-rm -f src/main/docker/Dockerfile \
                              --build-arg BUILD_IMAGE=%s --build-arg BASE_IMAGE=%s \
                              --build-arg MAVEN_MIRROR=http://%s:8081/ -t %s .
                            """.formatted(BUILD_IMAGE, TestDocker.IMAGE, mirror, tag)), Map.of());
            BUILT.add(tag);
            return out;
        } finally {
            TestDocker.remove("maven-mirror");
            TestDocker.run(List.of("rm", "-rf", clone.toString()), Map.of());
        }
    }
}
