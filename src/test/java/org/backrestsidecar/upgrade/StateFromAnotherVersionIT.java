package org.backrestsidecar.upgrade;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.backrestsidecar.testing.PackagedSidecar;
import org.backrestsidecar.testing.ProjectVersion;
import org.backrestsidecar.testing.TestDocker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The packaged sidecar started on a state folder another version left (docs/upgrading.md): one of a
 * version before the format stamp is read — its run, restore, drill and copy are all still there, the
 * drill's facts good for the next drill — and stamped; one a newer version wrote (a downgrade) stops the
 * start with a message that names the folder and what to do, and is left as it was. (There is no earlier
 * release to start: the older folder is this version's own with its stamp taken away, which is what a
 * version before the stamp wrote.)
 */
class StateFromAnotherVersionIT {
    /** The target's name: its Compose service, as the sidecar names a target (its container is bsc-test-upgrade-app). */
    private static final String APP = "upgrade-app";

    @AfterEach
    void removeTheApp() {
        TestDocker.remove("upgrade-app");
        TestDocker.removeHelpersOf("upgrade-host");
    }

    @Test
    void anOlderStateIsReadAndStampedANewerOneIsRefusedAtStart() throws Exception {
        Path root = Files.createTempDirectory("bsc-upgrade");
        Files.writeString(root.resolve("upgrade.key"), "upgrade-test-key-0123456789abcdef\n");
        Files.writeString(root.resolve("away.key"), "upgrade-test-copy-key-0123456789\n");
        PackagedSidecar.writeToken(root);
        PackagedSidecar.buildImage();
        Path config = root.resolve("sidecar.yml");
        Path state = root.resolve("state");
        Files.writeString(config, """
                instance: upgrade-host
                composeProject: %s
                stateDir: %s
                repos:
                  - id: upgrade
                    uri: %s
                    keyFile: %s
                    copies:
                      - id: away
                        uri: %s
                        keyFile: %s
                plans:
                  - id: upgrade
                    schedule: "0 2 1 1 *"  # January 1st only: no scheduled run meets the test's own
                """.formatted(TestDocker.PROJECT, state, root.resolve("repo"), root.resolve("upgrade.key"), root.resolve("copy"),
                root.resolve("away.key")));
        String app = TestDocker.container("upgrade-app").volume("/data")
                .labels(Map.of("backup.enable", "true", "backup.plan", "upgrade", "backup.strategy", "volume",
                        "com.docker.compose.service", "upgrade-app"))
                .start("sleep 600");
        TestDocker.exec(app, "sh", "-c", "echo kept > /data/note").out();
        String version = ProjectVersion.ofPom();

        // a run recorded, then the folder as a version before the stamp left it
        int port = PackagedSidecar.freePort();
        Process first = PackagedSidecar.start(config, port, root.resolve("first.log"));
        String runId;
        String restoreId;
        String drillId;
        String copied;
        try {
            PackagedSidecar.awaitReady(port, root.resolve("first.log"));
            assertEquals("1 (written by backrest-sidecar " + version + ")",
                    Files.readString(state.resolve("state-format")).strip(), "a new folder is stamped with this version");
            String started = PackagedSidecar.postJson(port, "/api/plans/upgrade/runs", "");
            String id = started.replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");
            TestDocker.await("run " + id, Duration.ofMinutes(2), () -> get(port, "/api/runs/" + id).contains("\"endedAt\""));
            assertEquals("SUCCEEDED", json(get(port, "/api/runs/" + id)).path("state").asText(), get(port, "/api/runs/" + id));
            runId = id;
            // the copy that follows a good run, a restore and a drill: each recorded in the folder
            TestDocker.await("the copy to away", Duration.ofMinutes(2), () -> json(get(port, "/api/repos/copies"))
                    .findValues("lastSuccess").stream().anyMatch(JsonNode::isTextual));
            copied = copyOf(port).path("newestSnapshot").asText();
            assertFalse(copied.isEmpty(), copyOf(port).toString());
            TestDocker.exec(app, "sh", "-c", "echo changed > /data/note").out();
            restoreId = json(PackagedSidecar.postJson(port, "/api/restores",
                    "{\"target\":\"" + APP + "\",\"confirm\":\"" + APP + "\"}")).path("id").asText();
            TestDocker.await("restore " + restoreId, Duration.ofMinutes(3),
                    () -> get(port, "/api/restores/" + restoreId).contains("\"endedAt\""));
            assertEquals("SUCCEEDED", json(get(port, "/api/restores/" + restoreId)).path("state").asText(),
                    get(port, "/api/restores/" + restoreId));
            assertEquals("kept", TestDocker.exec(app, "cat", "/data/note").out(), "restored before the upgrade");
            drillId = json(PackagedSidecar.postJson(port, "/api/plans/upgrade/drills", "")).path("id").asText();
            TestDocker.await("drill " + drillId, Duration.ofMinutes(3),
                    () -> get(port, "/api/drills/runs/" + drillId).contains("\"endedAt\""));
            assertTrue(json(get(port, "/api/drills/runs/" + drillId)).path("passed").asBoolean(),
                    get(port, "/api/drills/runs/" + drillId));
        } finally {
            first.destroy();
            first.waitFor(1, TimeUnit.MINUTES);
        }
        Files.delete(state.resolve("state-format"));

        int secondPort = PackagedSidecar.freePort();
        Process second = PackagedSidecar.start(config, secondPort, root.resolve("second.log"));
        try {
            PackagedSidecar.awaitReady(secondPort, root.resolve("second.log"));
            assertTrue(get(secondPort, "/api/runs").contains("\"" + runId + "\""), "the older folder's run is read");
            assertTrue(get(secondPort, "/api/restores").contains("\"" + restoreId + "\""), "and its restore");
            assertTrue(get(secondPort, "/api/drills/runs").contains("\"" + drillId + "\""), "and its drill");
            assertEquals(copied, copyOf(secondPort).path("newestSnapshot").asText(), "and its copy: " + copyOf(secondPort));
            assertTrue(get(secondPort, "/api/drills").contains(APP), "and each target's latest drill");
            // what the older version recorded serves the new one: its backup drills again against those facts
            String again = json(PackagedSidecar.postJson(secondPort, "/api/plans/upgrade/drills", "")).path("id").asText();
            TestDocker.await("drill " + again, Duration.ofMinutes(3),
                    () -> get(secondPort, "/api/drills/runs/" + again).contains("\"endedAt\""));
            assertTrue(json(get(secondPort, "/api/drills/runs/" + again)).path("passed").asBoolean(),
                    get(secondPort, "/api/drills/runs/" + again));
            assertTrue(Files.readString(state.resolve("state-format")).startsWith("1 (written by backrest-sidecar "),
                    "and the folder stamped");
        } finally {
            second.destroy();
            second.waitFor(1, TimeUnit.MINUTES);
        }

        // a newer version's folder: the start stops, says why, and leaves the folder as it was
        String newer = "2 (written by backrest-sidecar 9.0.0)\n";
        Files.writeString(state.resolve("state-format"), newer);
        Path log = root.resolve("third.log");
        Process third = PackagedSidecar.start(config, PackagedSidecar.freePort(), log);
        try {
            assertTrue(third.waitFor(2, TimeUnit.MINUTES), "the sidecar stops by itself");
            assertNotEquals(0, third.exitValue());
            String said = Files.readString(log);
            assertTrue(said.contains("the state folder " + state + " was written by a newer backrest-sidecar")
                    && said.contains("reads format 1 and older"), said);
            assertEquals(newer, Files.readString(state.resolve("state-format")));
        } finally {
            third.destroyForcibly();
        }
    }

    /** The copy away of repo upgrade, as the API shows it. */
    private static JsonNode copyOf(int port) {
        for (JsonNode copy : json(get(port, "/api/repos/copies"))) {
            if ("away".equals(copy.path("copy").asText())) {
                return copy;
            }
        }
        throw new AssertionError("no copy away: " + get(port, "/api/repos/copies"));
    }

    private static JsonNode json(String text) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(text);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(text, e);
        }
    }

    private static String get(int port, String path) {
        try {
            return PackagedSidecar.get(port, path);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
