package org.backrestsidecar.crash;

import static org.backrestsidecar.testing.PackagedSidecar.ask;
import static org.backrestsidecar.testing.PackagedSidecar.awaitReady;
import static org.backrestsidecar.testing.PackagedSidecar.get;
import static org.backrestsidecar.testing.PackagedSidecar.post;
import static org.backrestsidecar.testing.PackagedSidecar.postJson;
import static org.backrestsidecar.testing.PackagedSidecar.start;
import static org.backrestsidecar.testing.PackagedSidecar.freePort;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.backrestsidecar.testing.PackagedSidecar;
import org.backrestsidecar.testing.TestDocker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The packaged sidecar, as a real process, is killed with SIGKILL while it holds a container paused
 * and its helper copies the volume, three times over; started again, it resumes that container
 * before anything else and says so in GET /api/runs, removes the locks the killed helpers left (no
 * run waits for them), and the next run succeeds with `restic check` clean. The runs the kills cut
 * short, the good run, a restore and a drill stay in the API, `status` and the operator's page (headless
 * Chromium) across a restart and a kill.
 */
class SidecarKilledWhilePausedIT {
    private Process sidecar;

    @AfterEach
    void cleanUp() {
        if (sidecar != null) {
            sidecar.destroyForcibly();
        }
        TestDocker.remove("crash-app");
        TestDocker.removeHelpersOf("crash-host");
        ntfy.stop();
    }

    private final org.backrestsidecar.testing.RecordingServer ntfy = new org.backrestsidecar.testing.RecordingServer(
            r -> org.backrestsidecar.testing.RecordingServer.Answer.ok("application/json", "{\"id\":\"x\"}"));

    @Test
    void restartResumesTheContainerItLeftPaused() throws Exception {
        Path root = Files.createTempDirectory("bsc-crash");
        Files.writeString(root.resolve("crash.key"), "crash-test-key-0123456789abcdef\n");
        PackagedSidecar.writeToken(root);
        Path config = root.resolve("sidecar.yml");
        // as README "Run": the sidecar on the host, no helperImage configured, the sidecar's image built beside it
        PackagedSidecar.buildImage();
        Files.writeString(config, """
                instance: crash-host
                composeProject: %s
                stateDir: %s
                repos:
                  - id: crash
                    uri: %s
                    keyFile: %s
                plans:
                  - id: crash
                    schedule: "0 2 1 1 *"  # January 1st only: no scheduled run meets the test's own
                notifications:
                  channels:
                    - name: ntfy
                      type: webhook
                      template: ntfy
                      events: [containers-recovered]
                      url: %s/backups
                """.formatted(TestDocker.PROJECT, root.resolve("state"), root.resolve("repo"), root.resolve("crash.key"), ntfy.url()));
        String app = TestDocker.container("crash-app").volume("/data")
                .labels(Map.of("backup.enable", "true", "backup.plan", "crash", "backup.strategy", "pause",
                        "backup.max-downtime", "10m", "com.docker.compose.service", "crash-app"))
                .start("sleep 600");
        int port = freePort();
        Path locks = root.resolve("repo/locks");
        for (int kill = 1; kill <= 3; kill++) {
            sidecar = start(config, port, root.resolve("killed-" + kill + ".log"));
            awaitReady(port, root.resolve("killed-" + kill + ".log"));
            // from the second start on, crash recovery first resumes what the last kill left paused
            TestDocker.await("crash-app running before the run", Duration.ofSeconds(60), () -> !TestDocker.state(app).paused());
            // enough new data that the paused copy lasts several seconds: fresh for every run, because the
            // killed run's helper goes on and stores what it read, and data the repo holds already is
            // read back in a second or two, too soon to find its lock after the kill
            TestDocker.exec(app, "sh", "-c", "for i in 1 2 3 4 5 6 7 8; do head -c 150000000 /dev/urandom > /data/f$i; done").out();
            post(port, "/api/plans/crash/runs");
            TestDocker.await("the sidecar to pause crash-app", Duration.ofSeconds(120), () -> TestDocker.state(app).paused());
            TestDocker.await("the helper's restic to lock the repo", Duration.ofSeconds(60), () -> count(locks) > 0);
            sidecar.destroyForcibly().waitFor();
            Thread.sleep(1000);
            assertEquals(new TestDocker.State(true, true), TestDocker.state(app), "killed mid-copy, it left the container paused");
            assertTrue(count(locks) > 0, "and its helper's lock in the repo");
        }

        sidecar = start(config, port, root.resolve("second.log"));
        TestDocker.await("crash-app to run again", Duration.ofSeconds(60), () -> !TestDocker.state(app).paused());
        assertEquals(new TestDocker.State(true, false), TestDocker.state(app));
        awaitReady(port);
        JsonNode runs = new ObjectMapper().readTree(get(port, "/api/runs"));
        JsonNode recovery = null;
        for (JsonNode run : runs) {
            if ("RECOVERY".equals(run.path("trigger").asText())) {
                recovery = run;
            }
        }
        assertTrue(recovery != null, "a RECOVERY entry in /api/runs: " + runs);
        assertEquals(TestDocker.PREFIX + "crash-app", recovery.path("targets").get(0).path("target").asText());
        assertTrue(recovery.path("targets").get(0).path("notes").get(0).asText().startsWith("unpaused"), recovery.toString());
        assertTrue(Files.readString(root.resolve("second.log")).contains("crash recovery: container " + TestDocker.PREFIX + "crash-app unpaused"));
        // and people are told, once per start that put it back (three), none lost to the kills in between
        // (a local server stands in for ntfy)
        TestDocker.await("the recoveries told", Duration.ofSeconds(30), () -> ntfy.requests().size() >= 3);
        Thread.sleep(1000);
        assertEquals(3, ntfy.requests().size(), ntfy.requests().toString());
        org.backrestsidecar.testing.RecordingServer.Request told = ntfy.requests().get(2);
        assertEquals("/backups", told.path());
        assertTrue(told.header("Title").startsWith("[crash-host] INFO: containers left paused or stopped"), told.header("Title"));
        assertTrue(told.body().contains(TestDocker.PREFIX + "crash-app: unpaused after the sidecar stopped mid-run"), told.body());
        assertEquals("[]", TestDocker.client().listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of("backrest-sidecar.helper", "crash-host")).exec().toString(),
                "the dead sidecar's helper was removed");
        // the restarted sidecar's own start-up reads take short locks of their own (this host's): any other is left over
        assertEquals("", foreignLocks(root), "and the locks its killed helpers left: "
                + Files.readString(root.resolve("second.log")));

        // the three runs the kills cut short are still shown, as what they were
        JsonNode cut = new ObjectMapper().readTree(get(port, "/api/runs?plan=crash"));
        int interrupted = 0;
        for (JsonNode run : cut) {
            if ("MANUAL".equals(run.path("trigger").asText())) {
                assertEquals("FAILED", run.path("state").asText(), run.toString());
                assertTrue(run.path("error").asText().contains("the sidecar stopped during this run"), run.toString());
                interrupted++;
            }
        }
        assertEquals(3, interrupted, "each killed run in the history: " + cut);

        // a smaller volume for the last run, its restore and its drill
        TestDocker.exec(app, "sh", "-c", "rm -f /data/f2 /data/f3 /data/f4 /data/f5 /data/f6 /data/f7 /data/f8").out();
        post(port, "/api/plans/crash/runs");
        TestDocker.await("the run after the crashes to end", Duration.ofMinutes(5), () -> {
            try {
                JsonNode last = new ObjectMapper().readTree(get(port, "/api/runs?plan=crash")).get(0);
                return !"RECOVERY".equals(last.path("trigger").asText())
                        && last.path("state").asText().matches("SUCCEEDED|FAILED");
            } catch (IOException | InterruptedException e) {
                return false;
            }
        });
        JsonNode last = new ObjectMapper().readTree(get(port, "/api/runs?plan=crash")).get(0);
        assertEquals("SUCCEEDED", last.path("state").asText(), last.toString());
        String check = restic(root, "check");
        assertTrue(check.contains("no errors were found"), check);

        historySurvivesARestartAndAKill(config, port, root);
    }

    /**
     * A restore and a drill after the good run; then the sidecar is stopped as `docker compose restart`
     * stops it (SIGTERM), and later killed with SIGKILL: each time it comes back showing every run,
     * restore and drill, in the same order, none twice, and the target's last backup.
     */
    private void historySurvivesARestartAndAKill(Path config, int port, Path root) throws Exception {
        ObjectMapper json = new ObjectMapper();
        String restore = postJson(port, "/api/restores", "{\"target\":\"crash-app\",\"confirm\":\"crash-app\"}");
        String restoreId = json.readTree(restore).path("id").asText();
        TestDocker.await("the restore to end", Duration.ofMinutes(5), () -> ask(() -> json.readTree(
                get(port, "/api/restores/" + restoreId)).path("state").asText().matches("SUCCEEDED|FAILED")));
        assertEquals("SUCCEEDED", json.readTree(get(port, "/api/restores/" + restoreId)).path("state").asText());
        String drillId = json.readTree(postJson(port, "/api/plans/crash/drills", "")).path("id").asText();
        TestDocker.await("the drill to end", Duration.ofMinutes(5), () -> ask(() -> json.readTree(
                get(port, "/api/drills/runs/" + drillId)).hasNonNull("endedAt")));
        assertTrue(json.readTree(get(port, "/api/drills/runs/" + drillId)).path("passed").asBoolean(),
                get(port, "/api/drills/runs/" + drillId));
        String before = history(port);
        assertTrue(before.contains(restoreId) && before.contains(drillId), before);

        for (String how : java.util.List.of("restart", "kill -9")) {
            if (how.equals("restart")) {
                sidecar.destroy();
            } else {
                sidecar.destroyForcibly();
            }
            sidecar.waitFor();
            sidecar = start(config, port, root.resolve("after-" + how.replace(' ', '-') + ".log"));
            awaitReady(port, root.resolve("after-" + how.replace(' ', '-') + ".log"));
            assertEquals(before, history(port), "after a " + how + ", every run, restore and drill as before");
            JsonNode target = json.readTree(get(port, "/api/targets")).get(0);
            assertEquals("SUCCEEDED", target.path("lastOutcome").asText(), "after a " + how + ": " + target);
            // and `status`, as the operator reads it: the last good backup and the drill still there
            String status = get(port, "/api/status");
            assertTrue(status.lines().anyMatch(l -> l.startsWith("crash ") && !l.contains("never")
                    && l.contains("passed 1/1")), "after a " + how + ":\n" + status);
            theOperatorsPageShowsItAll(port, how);
        }
    }

    /**
     * The operator's page, opened on the restarted sidecar (its own port, its API token, as nginx would
     * send it): every run, restore and drill the API lists is in its activity, once, and the plan's
     * last run is there.
     */
    private static void theOperatorsPageShowsItAll(int port, String how) throws Exception {
        java.util.Set<String> api = new java.util.TreeSet<>();
        for (JsonNode run : new ObjectMapper().readTree(get(port, "/api/runs"))) {
            api.add("run " + run.path("id").asText());
        }
        for (JsonNode restore : new ObjectMapper().readTree(get(port, "/api/restores"))) {
            if (!restore.path("dryRun").asBoolean()) {
                api.add("restore " + restore.path("id").asText());
            }
        }
        for (JsonNode drill : new ObjectMapper().readTree(get(port, "/api/drills/runs"))) {
            api.add("drill " + drill.path("id").asText());
        }
        org.openqa.selenium.chrome.ChromeDriver browser = org.backrestsidecar.testing.Browser.open("Bearer " + PackagedSidecar.TOKEN);
        try {
            org.backrestsidecar.testing.Browser.load(browser, "http://127.0.0.1:" + port + "/");
            java.util.List<String> shown = org.backrestsidecar.testing.Browser.waiting(browser, Duration.ofSeconds(30))
                    .until(b -> {
                        java.util.List<String> rows = new java.util.ArrayList<>();
                        for (var row : b.findElements(org.openqa.selenium.By.cssSelector("#activity tbody tr"))) {
                            for (String kind : java.util.List.of("run", "restore", "drill")) {
                                String id = row.getAttribute("data-" + kind);
                                if (id != null) {
                                    rows.add(kind + " " + id);
                                }
                            }
                        }
                        return rows.size() >= api.size() ? rows : null;
                    });
            assertEquals(api, new java.util.TreeSet<>(shown), "after a " + how + ", the page's recent activity");
            assertEquals(shown.size(), new java.util.HashSet<>(shown).size(), "none twice: " + shown);
            String plan = browser.findElement(org.openqa.selenium.By.cssSelector("#plans tr[data-plan='crash']")).getText();
            assertTrue(plan.contains("SUCCEEDED") && !plan.contains("none yet"), "the plan's last run: " + plan);
            assertEquals(java.util.List.of(), org.backrestsidecar.testing.Browser.errors(browser));
        } finally {
            browser.quit();
        }
    }

    /** Each run, restore and drill run the API lists, in its order: id and state, one a line. */
    private static String history(int port) throws IOException, InterruptedException {
        StringBuilder out = new StringBuilder();
        for (String path : java.util.List.of("/api/runs", "/api/restores", "/api/drills/runs")) {
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (JsonNode entry : new ObjectMapper().readTree(get(port, path))) {
                String id = entry.path("id").asText();
                assertTrue(seen.add(id), path + " lists " + id + " twice");
                out.append(path).append(' ').append(id).append(' ')
                        .append(entry.path("state").asText(entry.path("passed").asText())).append('\n');
            }
        }
        return out.toString();
    }

    /** The host names of the repo's locks not taken on this host, i.e. by a container such as a helper. */
    private static String foreignLocks(Path root) throws IOException, InterruptedException {
        String here = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        StringBuilder found = new StringBuilder();
        for (String id : restic(root, "list", "locks", "--no-lock").lines().map(String::strip)
                .filter(l -> !l.isEmpty()).toList()) {
            String lock;
            try {
                lock = restic(root, "cat", "lock", id, "--no-lock");
            } catch (IOException e) {
                continue; // released meanwhile
            }
            String host = new ObjectMapper().readTree(lock).path("hostname").asText();
            if (!host.equals(here)) {
                found.append(host).append(' ');
            }
        }
        return found.toString();
    }

    private static String restic(Path root, String... args) throws IOException, InterruptedException {
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("restic", "--repo",
                root.resolve("repo").toString(), "--password-file", root.resolve("crash.key").toString(), "--no-cache"));
        command.addAll(java.util.List.of(args));
        return TestDocker.run(command, Map.of());
    }

    private static long count(Path folder) {
        try (var files = Files.list(folder)) {
            return files.count();
        } catch (IOException e) {
            return 0;
        }
    }
}
