package org.backrestsidecar.crash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Volume;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.backrestsidecar.testing.TestDocker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The sidecar's own image (src/main/docker/Dockerfile, built on the locally imported test base),
 * run as a container the way Compose runs it: non-root, repos on a named volume, no helper image
 * configured. Its HEALTHCHECK turns healthy, and a volume target is backed up by a helper made from
 * the sidecar's own image that gets the repo through the sidecar's own mount.
 */
class SidecarInContainerIT {
    private static final String IMAGE = "backrest-sidecar-test/sidecar:it";
    private static final String TOKEN = "in-container-api-token-0123456789";
    private static final String REPOS = "bsc-test-it-repos";

    @AfterEach
    void cleanUp() {
        TestDocker.remove("it-sidecar");
        TestDocker.remove("it-app");
        try {
            TestDocker.client().removeVolumeCmd(REPOS).exec();
        } catch (RuntimeException e) {
            // not there
        }
    }

    @Test
    void imageRunsNonRootTurnsHealthyAndBacksUpThroughItsOwnHelper() throws Exception {
        TestDocker.run(List.of("docker", "build", "-q", "-f", "src/main/docker/Dockerfile",
                "--build-arg", "BASE_IMAGE=" + TestDocker.IMAGE, "-t", IMAGE, "."), Map.of());

        Path conf = Files.createTempDirectory("bsc-it-conf");
        Files.setPosixFilePermissions(conf, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(conf.resolve("critical.key"), "in-container-critical-key-0123\n");
        Files.writeString(conf.resolve("api-token"), TOKEN + "\n");
        Files.writeString(conf.resolve("sidecar.yml"), """
                instance: it-host
                repos:
                  - id: critical
                    uri: /repos/critical
                    keyFile: /config/critical.key
                plans:
                  - id: critical
                    schedule: "0 2 * * *"
                """);
        for (Path f : List.of(conf.resolve("critical.key"), conf.resolve("api-token"), conf.resolve("sidecar.yml"))) {
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        }
        String app = TestDocker.container("it-app").volume("/srv/data")
                .labels(Map.of("backup.enable", "true", "backup.strategy", "volume", "com.docker.compose.service", "app"))
                .start(TestDocker.IDLE);
        TestDocker.exec(app, "sh", "-c", "echo 'hello from the app' > /srv/data/greeting.txt").out();

        int socketGroup = (Integer) Files.getAttribute(Path.of("/var/run/docker.sock"), "unix:gid");
        String sidecar = TestDocker.client().createContainerCmd(IMAGE)
                .withName(TestDocker.PREFIX + "it-sidecar")
                .withEnv("SIDECAR_CONFIG=/config/sidecar.yml", "SIDECAR_API_TOKEN_FILE=/config/api-token")
                .withHostConfig(HostConfig.newHostConfig()
                        .withNetworkMode("none")
                        .withGroupAdd(List.of(Integer.toString(socketGroup)))
                        .withBinds(new Bind(conf.toString(), new Volume("/config"), AccessMode.ro),
                                new Bind(REPOS, new Volume("/repos")),
                                new Bind("/var/run/docker.sock", new Volume("/var/run/docker.sock"))))
                .exec().getId();
        TestDocker.client().startContainerCmd(sidecar).exec();
        TestDocker.await("the sidecar's HEALTHCHECK to say healthy", Duration.ofSeconds(120), () ->
                "healthy".equals(TestDocker.client().inspectContainerCmd(sidecar).exec().getState().getHealth().getStatus()));
        assertEquals("10001", TestDocker.exec(sidecar, "id", "-u").out(), "the sidecar does not run as root");

        String started = api(sidecar, "-X", "POST", "http://127.0.0.1:8080/api/plans/critical/runs");
        String id = started.replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");
        String[] run = new String[1];
        TestDocker.await("run " + id, Duration.ofSeconds(120), () -> {
            run[0] = api(sidecar, "http://127.0.0.1:8080/api/runs/" + id);
            return run[0].contains("\"endedAt\"");
        });
        assertTrue(run[0].contains("\"state\":\"SUCCEEDED\""), run[0]);
        assertTrue(run[0].contains("\"strategy\":\"volume\""), run[0]);

        String listed = TestDocker.exec(sidecar, "restic", "-r", "/repos/critical", "--password-file",
                "/config/critical.key", "--no-cache", "dump", "latest", "--path", "/srv/data", "/srv/data/greeting.txt").out();
        assertEquals("hello from the app", listed, "the helper stored the file at the path the app sees");
    }

    private static String api(String container, String... curlArgs) {
        String[] command = new String[curlArgs.length + 4];
        command[0] = "curl";
        command[1] = "-sS";
        command[2] = "-H";
        command[3] = "Authorization: Bearer " + TOKEN;
        System.arraycopy(curlArgs, 0, command, 4, curlArgs.length);
        return TestDocker.exec(container, command).out();
    }
}
