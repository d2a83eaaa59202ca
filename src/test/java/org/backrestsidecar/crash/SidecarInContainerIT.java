package org.backrestsidecar.crash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import org.backrestsidecar.testing.PostgresContainer;
import org.backrestsidecar.testing.ImageFromSource;
import org.backrestsidecar.testing.ProjectVersion;
import org.backrestsidecar.testing.TestDocker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The sidecar's own image as a user with Docker alone builds it (src/main/docker/Dockerfile, from the
 * repository's files, by a container with only the Docker CLI: testing/ImageFromSource), run as a
 * container the way Compose runs it: non-root, repos on a named volume, no helper image
 * configured. Its HEALTHCHECK turns healthy, and a volume target is backed up by a helper made from
 * the sidecar's own image that gets the repo through the sidecar's own mount; a wal-mode Postgres
 * streams into the sidecar's state volume, restores from it, and is drilled from its offsite copy (the
 * scratch repo in the state volume, laid down by a helper that sees that volume).
 */
class SidecarInContainerIT {
    private static final String IMAGE = "backrest-sidecar-test/sidecar:it";
    private static final String TOKEN = "in-container-api-token-0123456789";
    private static final String REPOS = TestDocker.PREFIX + "it-repos";

    private static final String STATE = TestDocker.PREFIX + "it-state";
    private static final String COPY = "backrest-sidecar-" + TestDocker.PREFIX + "it-pg-copy";
    /** Repo critical's offsite copy, a folder beside it on the repos' volume (as a path on another disk is). */
    private static final String OFFSITE_COPY = """
                copies:
                  - id: offsite
                    uri: /repos/critical-offsite
                    keyFile: /config/critical-offsite.key
            """;

    @AfterEach
    void cleanUp() {
        TestDocker.remove("it-sidecar");
        TestDocker.remove("it-app");
        TestDocker.remove("it-pg");
        for (String container : List.of("backrest-sidecar-wal-it-pg", COPY)) {
            try {
                TestDocker.client().removeContainerCmd(container).withForce(true).exec();
            } catch (RuntimeException e) {
                // not there
            }
        }
        for (String volume : List.of(REPOS, STATE, COPY + "-data")) {
            try {
                TestDocker.client().removeVolumeCmd(volume).exec();
            } catch (RuntimeException e) {
                // not there
            }
        }
    }

    /**
     * A wal-mode Postgres as the bundle backs it up: the sidecar as uid 10001 with its state on a
     * named volume. The stream (a container of the target's image, running as 10001 in the target's
     * network namespace) writes its spool into that volume through the sidecar's own mount; the
     * sidecar ships it; a restore to latest into a new container holds every row committed.
     */
    @Test
    void walModeStreamsIntoTheStateVolumeAsUid10001() throws Exception {
        PostgresContainer pg = PostgresContainer.startOfficialLike("it-pg", Map.of("backup.enable", "true",
                "backup.strategy", "postgres", "com.docker.compose.service", "it-pg", "backup.postgres.mode", "wal",
                "backup.postgres.checkpoint", "fast"));
        pg.sql("postgres", "CREATE TABLE chats (id int PRIMARY KEY, body text); "
                + "INSERT INTO chats SELECT g, 'chat ' || g FROM generate_series(1, 500) g");
        String sidecar = startSidecar(OFFSITE_COPY, new Bind(STATE, new Volume("/var/lib/backrest-sidecar")));
        // before the first run made its repo (no Backrest here to make it) the window is empty, not a 500
        String[] before = new String[1];
        TestDocker.await("the target found", Duration.ofMinutes(1), () -> !(before[0] = api(sidecar, "-w",
                "\nHTTP %{http_code}", "http://127.0.0.1:8080/api/targets/it-pg/window")).endsWith("HTTP 404"));
        assertTrue(before[0].endsWith("HTTP 200"), before[0]);
        assertFalse(before[0].contains("\"until\":\"20") || before[0].contains("\"from\":\"20"), before[0]);
        String base = run(sidecar);
        assertTrue(base.contains("\"state\":\"SUCCEEDED\""), "the base backup: " + base);
        String baseRun = base.replaceAll("(?s).*?\"id\":\"([^\"]+)\".*", "$1");
        pg.sql("postgres", "INSERT INTO chats SELECT g, 'later ' || g FROM generate_series(501, 800) g");
        String committed = pg.checksum("postgres", "chats");
        java.time.Instant after = java.time.Instant.now();
        TestDocker.await("WAL shipped past the last rows", Duration.ofMinutes(2), () -> {
            String until = api(sidecar, "http://127.0.0.1:8080/api/targets/it-pg/window")
                    .replaceAll("(?s).*\"until\":\"([^\"]+)\".*", "$1");
            return until.startsWith("20") && java.time.Instant.parse(until).isAfter(after);
        });
        assertTrue(TestDocker.exec(sidecar, "sh", "-c", "ls /var/lib/backrest-sidecar/wal/it-pg").out()
                .contains("000000010000000000000"), "the spool is in the state volume, as the sidecar sees it");
        String restore = api(sidecar, "-X", "POST", "-H", "Content-Type: application/json", "-d",
                "{\"target\":\"it-pg\",\"to\":\"latest\",\"newContainer\":\"" + COPY + "\"}",
                "http://127.0.0.1:8080/api/restores");
        String id = restore.replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");
        String[] done = new String[1];
        TestDocker.await("restore " + id, Duration.ofMinutes(3), () -> {
            done[0] = api(sidecar, "http://127.0.0.1:8080/api/restores/" + id);
            return done[0].contains("\"endedAt\"");
        });
        assertTrue(done[0].contains("\"state\":\"SUCCEEDED\""), done[0]);
        assertEquals(committed, TestDocker.exec(COPY, "psql", "-U", "postgres", "-Atc",
                "SELECT count(*) || ':' || md5(string_agg(t::text, '|' ORDER BY t.id)) FROM chats t").out().strip(),
                "every row committed, from the base backup and the WAL the stream wrote as uid 10001 (the restore: "
                        + done[0] + ")");

        // the base backup copied offsite, then drilled from the copy: read out of it into a scratch repo in
        // the state volume, laid down by a helper that sees that volume, replayed and compared with the facts
        TestDocker.await("run " + baseRun + " copied offsite", Duration.ofMinutes(2), () -> TestDocker.exec(sidecar,
                "restic", "-r", "/repos/critical-offsite", "--password-file", "/config/critical-offsite.key", "--no-cache",
                "--no-lock", "snapshots", "--json", "--tag", "run:" + baseRun).out()
                .split("\"tree\"").length > 3); // base, manifest, facts
        String drill = api(sidecar, "-X", "POST", "http://127.0.0.1:8080/api/plans/critical/drills?from=offsite")
                .replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");
        String[] drilled = new String[1];
        TestDocker.await("drill " + drill + " from the copy", Duration.ofMinutes(4), () -> {
            drilled[0] = api(sidecar, "http://127.0.0.1:8080/api/drills/runs/" + drill);
            return drilled[0].contains("\"endedAt\"");
        });
        assertTrue(drilled[0].contains("\"passed\":true"), drilled[0]);
        assertTrue(drilled[0].contains("\"checks\":[\"read from copy offsite (/repos/critical-offsite)"), drilled[0]);
        assertTrue(drilled[0].contains("run " + baseRun), "the drill names the run it proved: " + drilled[0]);
        assertEquals("", TestDocker.exec(sidecar, "sh", "-c", "ls -A /var/lib/backrest-sidecar/drill-from-copy 2>/dev/null")
                .out(), "the scratch repo is removed after the drill");
    }

    @Test
    void imageRunsNonRootTurnsHealthyAndBacksUpThroughItsOwnHelper() throws Exception {
        String app = TestDocker.container("it-app").volume("/srv/data")
                .labels(Map.of("backup.enable", "true", "backup.strategy", "volume", "com.docker.compose.service", "app"))
                .start(TestDocker.IDLE);
        TestDocker.exec(app, "sh", "-c", "echo 'hello from the app' > /srv/data/greeting.txt").out();

        String sidecar = startSidecar("");
        // the image and the service in it say the version pom.xml gives (what an upgrade is checked by)
        String version = ProjectVersion.ofPom();
        assertEquals("{\"version\":\"" + version + "\"}", api(sidecar, "http://127.0.0.1:8080/api/version"));
        assertEquals(version, TestDocker.client().inspectImageCmd(IMAGE).exec().getConfig().getLabels()
                .get("org.opencontainers.image.version"));
        String run = run(sidecar);
        assertTrue(run.contains("\"state\":\"SUCCEEDED\""), run);
        assertTrue(run.contains("\"strategy\":\"volume\""), run);

        String listed = TestDocker.exec(sidecar, "restic", "-r", "/repos/critical", "--password-file",
                "/config/critical.key", "--no-cache", "dump", "latest", "--path", "/srv/data", "/srv/data/greeting.txt").out();
        assertEquals("hello from the app", listed, "the helper stored the file at the path the app sees");
    }

    /**
     * The sidecar's image built, run as Compose runs it (non-root, repos on a named volume, the
     * socket's group) with plan critical, and healthy; {@code more} mounts besides.
     */
    private static String startSidecar(String copies, Bind... more) throws Exception {
        ImageFromSource.build(IMAGE);
        Path conf = Files.createTempDirectory("bsc-it-conf");
        Files.setPosixFilePermissions(conf, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(conf.resolve("critical.key"), "in-container-critical-key-0123\n");
        Files.writeString(conf.resolve("api-token"), TOKEN + "\n");
        Files.writeString(conf.resolve("critical-offsite.key"), "in-container-offsite-key-4567\n");
        Files.writeString(conf.resolve("sidecar.yml"), """
                instance: it-host
                composeProject: %s
                repos:
                  - id: critical
                    uri: /repos/critical
                    keyFile: /config/critical.key
                %s
                plans:
                  - id: critical
                    schedule: "0 2 1 1 *"  # January 1st only: no scheduled run meets the test's own
                """.formatted(TestDocker.PROJECT, copies.stripTrailing()));
        for (Path f : List.of(conf.resolve("critical.key"), conf.resolve("critical-offsite.key"),
                conf.resolve("api-token"), conf.resolve("sidecar.yml"))) {
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        }
        int socketGroup = (Integer) Files.getAttribute(Path.of("/var/run/docker.sock"), "unix:gid");
        List<Bind> binds = new java.util.ArrayList<>(List.of(new Bind(conf.toString(), new Volume("/config"), AccessMode.ro),
                new Bind(REPOS, new Volume("/repos")), new Bind("/var/run/docker.sock", new Volume("/var/run/docker.sock"))));
        binds.addAll(List.of(more));
        String sidecar = TestDocker.client().createContainerCmd(IMAGE)
                .withName(TestDocker.PREFIX + "it-sidecar")
                .withEnv("SIDECAR_CONFIG=/config/sidecar.yml", "SIDECAR_API_TOKEN_FILE=/config/api-token")
                .withHostConfig(HostConfig.newHostConfig()
                        .withNetworkMode("none")
                        .withGroupAdd(List.of(Integer.toString(socketGroup)))
                        .withBinds(binds))
                .exec().getId();
        TestDocker.client().startContainerCmd(sidecar).exec();
        TestDocker.await("the sidecar's HEALTHCHECK to say healthy", Duration.ofSeconds(120), () ->
                "healthy".equals(TestDocker.client().inspectContainerCmd(sidecar).exec().getState().getHealth().getStatus()));
        assertEquals("10001", TestDocker.exec(sidecar, "id", "-u").out(), "the sidecar does not run as root");
        return sidecar;
    }

    /** Plan critical run through the API and waited for; its report. */
    private static String run(String sidecar) {
        String started = api(sidecar, "-X", "POST", "http://127.0.0.1:8080/api/plans/critical/runs");
        String id = started.replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");
        String[] run = new String[1];
        TestDocker.await("run " + id, Duration.ofSeconds(120), () -> {
            run[0] = api(sidecar, "http://127.0.0.1:8080/api/runs/" + id);
            return run[0].contains("\"endedAt\"");
        });
        return run[0];
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
