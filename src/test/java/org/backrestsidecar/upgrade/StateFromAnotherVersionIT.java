package org.backrestsidecar.upgrade;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.backrestsidecar.testing.PackagedSidecar;
import org.backrestsidecar.testing.ProjectVersion;
import org.backrestsidecar.testing.TestDocker;
import org.junit.jupiter.api.Test;

/**
 * The packaged sidecar started on a state folder another version left (docs/upgrading.md): one of a
 * version before the format stamp is read — its runs are still there — and stamped; one a newer
 * version wrote (a downgrade) stops the start with a message that names the folder and what to do,
 * and is left as it was.
 */
class StateFromAnotherVersionIT {
    @Test
    void anOlderStateIsReadAndStampedANewerOneIsRefusedAtStart() throws Exception {
        Path root = Files.createTempDirectory("bsc-upgrade");
        Files.writeString(root.resolve("upgrade.key"), "upgrade-test-key-0123456789abcdef\n");
        PackagedSidecar.writeToken(root);
        Path config = root.resolve("sidecar.yml");
        Path state = root.resolve("state");
        Files.writeString(config, """
                instance: upgrade-host
                stateDir: %s
                repos:
                  - id: upgrade
                    uri: %s
                    keyFile: %s
                plans:
                  - id: upgrade
                    schedule: "0 2 * * *"
                """.formatted(state, root.resolve("repo"), root.resolve("upgrade.key")));
        String version = ProjectVersion.ofPom();

        // a run recorded, then the folder as a version before the stamp left it
        int port = PackagedSidecar.freePort();
        Process first = PackagedSidecar.start(config, port, root.resolve("first.log"));
        String runId;
        try {
            PackagedSidecar.awaitReady(port, root.resolve("first.log"));
            assertEquals("1 (written by backrest-sidecar " + version + ")",
                    Files.readString(state.resolve("state-format")).strip(), "a new folder is stamped with this version");
            String started = PackagedSidecar.postJson(port, "/api/plans/upgrade/runs", "");
            String id = started.replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");
            TestDocker.await("run " + id, Duration.ofMinutes(2), () -> get(port, "/api/runs/" + id).contains("\"endedAt\""));
            runId = id;
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

    private static String get(int port, String path) {
        try {
            return PackagedSidecar.get(port, path);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
