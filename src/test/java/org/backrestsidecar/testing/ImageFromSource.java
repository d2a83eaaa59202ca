package org.backrestsidecar.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The sidecar's image as a user with Docker alone builds it (issue 39, README "Quick start"): from the
 * repository's files as a clone holds them (no target/), by `docker build` run in a container that
 * holds the Docker CLI and that copy and nothing else — no JDK, no Maven ({@link DockerAloneHost}) —
 * against this machine's engine.
 * <p>
 * Stand-ins, because no registry is reachable here: the build stage is Debian's JDK 17 and Maven (the
 * test image debian-build) in place of the official maven image a user's build pulls, and Maven
 * downloads from {@link MavenMirror} (the Dockerfile's MAVEN_MIRROR, as a user behind a company mirror
 * gives it).
 */
public final class ImageFromSource {
    public static final String BUILD_IMAGE = "backrest-sidecar-test/debian-build:latest";
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
        try {
            MavenMirror mirror = MavenMirror.shared();
            // --force-rm: a failed build leaves none of the classic builder's intermediate containers behind
            DockerAloneHost.Result built = DockerAloneHost.run(clone, List.of("sh", "-c", """
                    set -e
                    if command -v java || command -v javac || command -v mvn; then
                      echo "this host was to have Docker alone"; exit 9
                    fi
                    docker build --force-rm -f src/main/docker/Dockerfile \
                      --build-arg BUILD_IMAGE=%s --build-arg BASE_IMAGE=%s \
                      --build-arg MAVEN_MIRROR=%s -t %s .
                    """.formatted(BUILD_IMAGE, TestDocker.IMAGE, mirror.url(), tag)), Map.of(), Duration.ofMinutes(20));
            if (built.exit() != 0) {
                throw new IOException("the image's build with Docker alone failed (exit " + built.exit() + "): " + built.out());
            }
            String out = built.out();
            BUILT.add(tag);
            return out;
        } finally {
            TestDocker.run(List.of("rm", "-rf", clone.toString()), Map.of());
        }
    }
}
