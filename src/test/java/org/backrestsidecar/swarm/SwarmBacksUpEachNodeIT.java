package org.backrestsidecar.swarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.backrestsidecar.testing.Browser;
import org.backrestsidecar.testing.NginxInFront;
import org.backrestsidecar.testing.RestoreDialog;
import org.backrestsidecar.testing.SwarmOfNodes;
import org.backrestsidecar.testing.TestDocker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * A real Docker Swarm of three engines (testing/SwarmOfNodes) and the stack of src/test/resources/swarm
 * deployed with `docker stack deploy`: a sidecar and a Docker API proxy on every node (global
 * services, each sidecar on its own node's engine through the proxy's socket on a node-local volume),
 * the repos task once, the shared repo on an SFTP server on node3 (its copy on a REST server beside
 * it), Postgres on node1 and a
 * stop-labelled service on node2. The scenarios share the swarm and run in order: the same cron on
 * every node, the one view, a node lost mid-backup and back, Postgres restored on another node, a
 * worker drained mid-backup and back, and last the whole swarm recovered from an offsite copy.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
// Runs beside the other end-to-end tests (pom.xml, failsafe): its engines are the nodes' own, so no
// other test's sidecar finds its containers, nor it theirs. Its scenarios build on each other: each
// is pinned to the class's thread, since the class's mode would otherwise pass to them.
@Execution(ExecutionMode.CONCURRENT)
class SwarmBacksUpEachNodeIT {
    private static final String STACK = "bsc";
    private static final String TOKEN = "swarm-test-api-token-0123456789";
    private static final String KEY = "swarm-test-repo-key-0123456789";
    private static final String ADMIN_PASSWORD = "swarm-admin-password-0123";
    private static final String ROWS = "select md5(string_agg(id || body, ',' order by id)) from notes";
    private static final String PITR_ITEMS = "select count(*) || ':' || md5(string_agg(id || body, ',' order by id)) "
            + "from items";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Time the sidecars need before their plan's minute: each sees every other node (test 1's first wait). */
    private static final Duration SIDECARS_SEE_EACH_OTHER = Duration.ofSeconds(20);
    private static SwarmOfNodes swarm;
    private static String rowsOnNode1;
    private static String sshKey;

    @BeforeAll
    static void deploy() throws Exception {
        Path repo = Path.of("").toAbsolutePath();
        TestDocker.run(List.of("bash", "scripts/offline-images.sh"), Map.of());
        swarm = SwarmOfNodes.start(3, List.of("backrest-sidecar:0.1.0", "backrest-sidecar-offline/postgres:local",
                "backrest-sidecar-offline/docker-proxy:local", "backrest-sidecar-offline/nginx:local",
                "backrest-sidecar-test/debian-services:latest"));
        Path dir = Files.createTempDirectory("bsc-swarm-stack");
        Files.copy(repo.resolve("docker-proxy/docker-api.cfg"), dir.resolve("docker-proxy.cfg"));
        Files.copy(repo.resolve("docker-proxy/docker-api.lua"), dir.resolve("docker-proxy.lua"));
        Files.writeString(dir.resolve("sidecar-api-token"), TOKEN);
        Files.writeString(dir.resolve("repo-key-critical"), KEY);
        Files.writeString(dir.resolve("repo-key-offsite"), KEY + "-offsite");
        // the SFTP login: the server's authorized key a Swarm config, the sidecars' private key a secret
        TestDocker.run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "swarm-sidecars", "-f",
                dir.resolve("repo-ssh").toString()), Map.of());
        sshKey = Files.readString(dir.resolve("repo-ssh"));
        // nginx as the bundle has it: its own files, a login, a certificate, the sidecar's token
        Files.copy(repo.resolve("nginx/nginx.conf"), dir.resolve("nginx.conf"));
        Files.copy(repo.resolve("nginx/conf.d/stack.conf"), dir.resolve("stack.conf"));
        TestDocker.run(List.of("htpasswd", "-cbB", dir.resolve("htpasswd").toString(), "admin", ADMIN_PASSWORD), Map.of());
        TestDocker.run(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                "/CN=swarm", "-keyout", dir.resolve("tls.key").toString(), "-out", dir.resolve("tls.crt").toString()),
                Map.of());
        Files.writeString(dir.resolve("sidecar-token.conf"), "proxy_set_header Authorization \"Bearer " + TOKEN + "\";\n");
        // the management script on the manager, as a user runs it there (docs/swarm.md)
        Path tools = Files.createTempDirectory("bsc-swarm-recover");
        Files.createDirectories(tools.resolve("scripts"));
        Files.createDirectories(tools.resolve("secrets"));
        Files.copy(repo.resolve("scripts/backrest-management.sh"), tools.resolve("scripts/backrest-management.sh"));
        Files.writeString(tools.resolve("secrets/sidecar-api-token"), TOKEN);
        swarm.copyToManager(tools, "/recovery");
        ZonedDateTime at = deployWithPlanAt(repo, dir, 1);
        awaitStackUp();
        psql("node1", "create table notes (id int primary key, body text); "
                + "insert into notes select g, md5(g::text) from generate_series(1, 5000) g");
        rowsOnNode1 = psql("node1", ROWS);
        // Swarm starts the tasks in no order: Postgres up on node1 says nothing of node2's
        awaitNodes("the notes task on node2", Duration.ofMinutes(2),
                () -> {
                    try {
                        return !swarm.taskContainer("node2", STACK + "_notes").isEmpty();
                    } catch (IOException | InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                });
        swarm.inTask("node2", STACK + "_notes", "sh", "-c", "head -c 1000000 /dev/urandom > /notes/data.bin");
        Duration spare = Duration.between(ZonedDateTime.now(ZoneOffset.UTC), at);
        System.out.println("the stack up and its data written " + spare.toSeconds() + " s before its plan runs");
        if (spare.compareTo(SIDECARS_SEE_EACH_OTHER) < 0) {
            // up too late for its minute (a loaded machine): the sidecars again, with a later one
            at = deployWithPlanAt(repo, dir, 2);
            String cron = at.getMinute() + " " + at.getHour() + " * * *";
            for (String node : swarm.nodes()) {
                awaitNodes("node " + node + "'s sidecar with the plan at " + cron, Duration.ofMinutes(4),
                        () -> api(node, "sidecar", "GET", "/api/plans", null).contains("\"" + cron + "\""));
            }
            spare = Duration.between(ZonedDateTime.now(ZoneOffset.UTC), at);
            System.out.println("deployed again: its plan runs in " + spare.toSeconds() + " s");
        }
        assertTrue(!spare.isNegative(), "the stack came up, and its data was written, after " + at
                + ", the minute its plan runs: test 1 would wait for a run that has gone by");
    }

    /**
     * Deploys the stack (again) with its plan at a minute every sidecar reaches after its start: every
     * node's plan fires at once. On an idle machine the stack's sidecars are up and scheduled about 40 s
     * after the deploy, beside the other suite on CI up to 110 s (once over 160 s), so the minute is
     * 150-209 s away; a stack up later than that is deployed again ({@code attempt} 2), its sidecars
     * started again on a new config with a later minute. The prune and the check two minutes later,
     * after the nodes' runs, as a user would set them: at the same minute the prune may take the repo
     * before a node's forget, which is then left to the node's next run.
     */
    private static ZonedDateTime deployWithPlanAt(Path repo, Path dir, int attempt) throws Exception {
        ZonedDateTime at = ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(150 + 59).truncatedTo(ChronoUnit.MINUTES);
        ZonedDateTime later = at.plusMinutes(2);
        Files.writeString(dir.resolve("sidecar.yml"), Files.readString(
                repo.resolve("src/test/resources/swarm/sidecar.yml"))
                .replace("LATER", later.getMinute() + " " + later.getHour() + " * * *")
                .replace("CRON", at.getMinute() + " " + at.getHour() + " * * *"));
        // a config cannot change once made: each deploy's has a name of its own
        String stack = Files.readString(repo.resolve("src/test/resources/swarm/stack.yml"));
        String config = "  sidecar: {file: ./sidecar.yml}\n";
        assertTrue(stack.contains(config), "the stack's sidecar config: " + config);
        Files.writeString(dir.resolve("stack.yml"), stack.replace(config,
                "  sidecar: {file: ./sidecar.yml, name: " + STACK + "_sidecar_" + attempt + "}\n"));
        swarm.copyToManager(dir, "/stack");
        TestDocker.run(List.of("docker", "exec", "-w", "/stack", swarm.container("node1"),
                "docker", "stack", "deploy", "-c", "stack.yml", STACK), Map.of());
        return at;
    }

    @AfterAll
    static void down() throws Exception {
        if (swarm != null) {
            swarm.keepLogs(Path.of("target/swarm-logs"), List.of(STACK + "_sidecar", STACK + "_sidecar-repos", STACK + "_postgres", STACK + "_nginx"));
            swarm.close();
        }
    }

    @Test
    @Order(1)
    @Execution(ExecutionMode.SAME_THREAD)
    void theSameCronOnEveryNodeBacksUpEachNodesTargetsIntoOneRepoKeptOnce() throws Exception {
        // a node is shown down only by a sidecar that saw it answer: each sees every node on its own, soon
        // after the deploy, before anyone asks it for the view (its stateDir/nodes.json)
        for (String node : swarm.nodes()) {
            List<String> others = new ArrayList<>(List.of("node1", "node2", "node3", "repos"));
            others.remove(node);
            awaitText(node + "'s sidecar to have seen every other node", Duration.ofSeconds(90),
                    () -> {
                        try {
                            return swarm.inTask(node, STACK + "_sidecar", "cat", "/var/lib/backrest-sidecar/nodes.json");
                        } catch (IOException e) {
                            return "{}"; // none seen yet: the file is written at the first
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                    },
                    seen -> others.stream().allMatch(n -> json(seen).has(n)));
        }
        String notesBefore = swarm.taskContainer("node2", STACK + "_notes");
        Map<String, JsonNode> runs = new TreeMap<>();
        for (String node : swarm.nodes()) {
            awaitNodes("the scheduled run on " + node, Duration.ofMinutes(12), () -> {
                JsonNode list = json(api(node, "sidecar", "GET", "/api/runs?plan=critical", null));
                if (list.size() == 1 && list.get(0).path("endedAt").isTextual()) {
                    runs.put(node, list.get(0));
                    return true;
                }
                return false;
            });
        }
        for (var e : runs.entrySet()) {
            assertEquals("SUCCEEDED", e.getValue().path("state").asText(), e.getKey() + ": " + e.getValue());
            assertEquals("SCHEDULE", e.getValue().path("trigger").asText());
        }
        assertEquals(List.of("postgres", "host-paths"), targetsOf(runs.get("node1")));
        assertEquals(List.of("notes", "host-paths"), targetsOf(runs.get("node2")));
        assertEquals(List.of("host-paths"), targetsOf(runs.get("node3")));
        // the bundle's own host paths, which a Swarm task lacks: said on each node's run, nothing stored
        for (var e : runs.entrySet()) {
            JsonNode paths = e.getValue().path("targets").get(e.getValue().path("targets").size() - 1);
            assertTrue(paths.path("notes").toString().contains("not in this Swarm task, skipped: /stack/config, "
                    + "/stack/env") && paths.path("snapshots").isEmpty(), e.getKey() + ": " + paths);
            assertEquals("SKIPPED", paths.path("outcome").asText(), "nothing stored, nothing failed: " + paths);
        }
        assertTrue(runs.get("node2").toString().contains("paused, not stopped"), runs.get("node2").toString());
        assertEquals(notesBefore, swarm.taskContainer("node2", STACK + "_notes"),
                "the same task's container runs on: never stopped, so Swarm replaced nothing");
        assertEquals(1, swarm.docker("node1", "service", "ps", "-q", STACK + "_notes").strip().lines().count());
        assertEquals("false", swarm.docker("node2", "inspect", "-f", "{{.State.Paused}}", notesBefore).strip());

        // one repo, each node's snapshots under its own host
        Map<String, String> hostOf = new TreeMap<>();
        String snapshots = restic("snapshots", "--json", "--no-lock");
        for (JsonNode s : json(snapshots)) {
            for (JsonNode tag : s.path("tags")) {
                if (tag.asText().startsWith("target:")) {
                    hostOf.merge(tag.asText().substring(7), s.path("hostname").asText(),
                            (a, b) -> a.equals(b) ? a : a + "," + b);
                }
            }
        }
        assertEquals(Map.of("notes", "node2", "postgres", "node1"), hostOf, snapshots);
        // each node forgot within its own series only: what it kept is what it made
        assertEquals(4, runs.get("node1").path("snapshotsKept").asInt(), runs.get("node1").toString());
        assertEquals(2, runs.get("node2").path("snapshotsKept").asInt(), runs.get("node2").toString());

        // prune and check once for the swarm, by the repos task; no node pruned or checked
        awaitNodes("the prune and the check of the repos task", Duration.ofMinutes(5), () -> {
            JsonNode prunes = json(api("node1", "sidecar-repos", "GET", "/api/repos/prunes", null));
            JsonNode checks = json(api("node1", "sidecar-repos", "GET", "/api/repos/checks", null));
            return prunes.toString().contains("\"succeeded\":true") && checks.toString().contains("\"passed\":true");
        });
        for (String node : swarm.nodes()) {
            assertEquals("[]", json(api(node, "sidecar", "GET", "/api/repos/prunes", null)).toString(), node);
            assertEquals("[]", json(api(node, "sidecar", "GET", "/api/repos/checks", null)).toString(), node);
        }
        assertTrue(restic("check", "--no-lock").contains("no errors were found"));
    }

    @Test
    @Order(2)
    @Execution(ExecutionMode.SAME_THREAD)
    void thePageAndStatusThroughNginxShowEveryNode() throws Exception {
        String base = "https://" + swarm.address("node1") + ":8443";
        String login = "admin:" + ADMIN_PASSWORD;
        awaitNodes("nginx on node1", Duration.ofMinutes(2),
                () -> NginxInFront.curl("-u", login, base + "/sidecar/api/status").out().contains("== node1 =="));
        String status = NginxInFront.curl("-u", login, base + "/sidecar/api/status").out();
        for (String node : List.of("node1", "node2", "node3", "repos")) {
            assertTrue(status.contains("\n" + node + " "), status);
        }
        // what nginx's `sidecar` (the repos task) knows of the nodes, and `targets` naming each one's node
        // every node up as soon as each answers its 2 s ask (on a loaded machine one may miss one ask)
        Map<String, String> states = new TreeMap<>();
        awaitNodes("every node up through nginx", Duration.ofMinutes(2), () -> {
            states.clear();
            json(NginxInFront.curl("-u", login, base + "/sidecar/api/nodes").out()).forEach(n -> states.put(
                    n.path("node").asText(), n.path("state").asText()));
            return states.equals(Map.of("node1", "up", "node2", "up", "node3", "up", "repos", "up"));
        });
        assertEquals(Map.of("node1", "up", "node2", "up", "node3", "up", "repos", "up"), states);
        String targets = NginxInFront.curl("-u", login, base + "/sidecar/api/targets/text").out();
        assertTrue(targets.startsWith("NODE ") && targets.lines().anyMatch(l -> l.matches("node1 +postgres .*"))
                && targets.lines().anyMatch(l -> l.matches("node2 +notes .*")), targets);
        // the repos task, on node1 beside Postgres, backs up nothing: node1's postgres is listed once
        assertEquals(1, targets.lines().filter(l -> l.matches("\\S+ +postgres .*")).count(), targets);
        ChromeDriver browser = Browser.open("Basic " + Base64.getEncoder().encodeToString(
                login.getBytes(StandardCharsets.UTF_8)));
        try {
            Browser.load(browser, base + "/sidecar/");
            // the page opens on the first node that is up (nginx talks to the repos task, which backs up
            // nothing); on a loaded machine node1 may have missed its 2 s ask at that moment and the page
            // opens on node2, as it should: then the user's step, "Show" on node1
            try {
                Browser.waiting(browser, Duration.ofSeconds(120)).until(b -> {
                    if (!b.findElements(By.cssSelector("#targets tr[data-target='postgres']")).isEmpty()) {
                        return true;
                    }
                    List<WebElement> showNode1 = b.findElements(By.cssSelector("#nodes tr[data-node='node1'] button"));
                    if (!showNode1.isEmpty()) {
                        showNode1.get(0).click();
                    }
                    return false;
                });
            } catch (org.openqa.selenium.TimeoutException e) {
                throw new AssertionError("the page never showed node1's postgres target; it said: nodes "
                        + browser.findElement(By.id("nodes")).getText() + " | " + browser.findElement(By.id("node-shown")).getText()
                        + " | " + browser.findElement(By.id("refreshed")).getText() + " | errors shown: "
                        + browser.findElement(By.id("errors")).getText() + " | printed: " + Browser.errors(browser)
                        + " | targets: " + browser.findElement(By.id("targets")).getText(), e);
            }
            // every node up on the page (one missed 2 s ask shows a node down until the next look)
            List<String> rows = new ArrayList<>();
            List<String> allUp = List.of("node1 up", "node2 up", "node3 up", "repos up");
            try {
                Browser.waiting(browser, Duration.ofSeconds(60)).until(b -> {
                    rows.clear();
                    for (WebElement row : b.findElements(By.cssSelector("#nodes tbody tr"))) {
                        rows.add(row.getAttribute("data-node") + " " + row.findElements(By.tagName("td")).get(1).getText());
                    }
                    return rows.equals(allUp);
                });
            } catch (org.openqa.selenium.TimeoutException e) {
                assertEquals(allUp, rows);
            }
            assertTrue(browser.findElement(By.id("node-shown")).getText().contains("node1"));
            // Show node2: its target, not node1's
            browser.findElement(By.cssSelector("#nodes tr[data-node='node2'] button")).click();
            Browser.waiting(browser, Duration.ofSeconds(30)).until(b -> !b.findElements(
                    By.cssSelector("#targets tr[data-target='notes']")).isEmpty()
                    && b.findElements(By.cssSelector("#targets tr[data-target='postgres']")).isEmpty());
            Files.createDirectories(Path.of("target", "screenshots"));
            Files.write(Path.of("target", "screenshots", "swarm-page-node2.png"),
                    ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
            assertEquals(List.of(), Browser.errors(browser), "the page printed no errors");
        } finally {
            browser.quit();
        }
    }

    @Test
    @Order(3)
    @Execution(ExecutionMode.SAME_THREAD)
    void everyNodeIsSeenFromAnyNodeAndButtonsActOnTheRightOne() throws Exception {
        Map<String, String> states = new TreeMap<>();
        Map<String, String> all = Map.of("node1", "up/node", "node2", "up/node", "node3", "up/node", "repos", "up/repos");
        awaitNodes("every node up from node3", Duration.ofMinutes(2), () -> {
            states.clear();
            json(api("node3", "sidecar", "GET", "/api/nodes", null)).forEach(n -> states.put(n.path("node").asText(),
                    n.path("state").asText() + "/" + n.path("role").asText()));
            return states.equals(all);
        });
        assertEquals(all, states);
        String status = api("node3", "sidecar", "GET", "/api/status", null);
        for (String node : List.of("node1", "node2", "node3", "repos")) {
            assertTrue(status.contains("\n" + node + " "), status);
        }
        assertTrue(status.contains("== node1 =="), status);
        // a call for node1 made on node3 is node1's: its targets, and a run started there
        assertTrue(api("node3", "sidecar", "GET", "/api/nodes/node1/targets", null).contains("\"postgres\""));
        String key = "swarm-" + java.util.UUID.randomUUID();
        JsonNode started = json(api("node3", "sidecar", "POST", "/api/nodes/node1/plans/critical/runs", null,
                "Idempotency-Key: " + key));
        String id = started.path("id").asText();
        awaitNodes("the run started on node1 through node3", Duration.ofMinutes(2), () -> json(api("node1",
                "sidecar", "GET", "/api/runs/" + id, null)).path("state").asText().equals("SUCCEEDED"));
        assertEquals("404", api("node3", "sidecar", "GET", "/api/runs/" + id, null).replaceAll(".*\"status\":(\\d+).*",
                "$1").strip(), "the run is node1's, not node3's");
        // the same change asked again through another node's sidecar (as after the one asked first
        // restarted and forgot it): node1 knows its key and answers as the first time, starting nothing
        int runsOnNode1 = json(api("node1", "sidecar", "GET", "/api/runs?plan=critical", null)).size();
        String again = api("node2", "sidecar", "POST", "/api/nodes/node1/plans/critical/runs", null,
                "Idempotency-Key: " + key, "-i");
        assertTrue(again.toLowerCase(java.util.Locale.ROOT).contains("idempotent-replayed: true"), again);
        assertEquals(id, json(again.substring(again.indexOf("\r\n\r\n") + 4)).path("id").asText(), again);
        assertEquals(runsOnNode1, json(api("node1", "sidecar", "GET", "/api/runs?plan=critical", null)).size(),
                "no second run on node1");

        // docs/swarm.md's commands as written on a manager (its stack `ai` is the test's `bsc`): the one
        // view, every target with its node, and a plan run on another node, followed to its end
        Managed view = manage("status");
        assertEquals(0, view.exit(), view.out());
        for (String node : List.of("node1", "node2", "node3", "repos")) {
            assertTrue(view.out().contains("\n" + node + " "), view.out());
        }
        Managed targets = manage("targets");
        assertEquals(0, targets.exit(), targets.out());
        assertTrue(targets.out().lines().anyMatch(l -> l.matches("node1 +postgres .*"))
                && targets.out().lines().anyMatch(l -> l.matches("node2 +notes .*")), targets.out());
        assertFalse(targets.out().lines().anyMatch(l -> l.startsWith("repos ")), "the repos task backs up nothing: "
                + targets.out());
        Managed backup = manage("--node", "node2", "backup", "critical");
        assertEquals(0, backup.exit(), backup.out());
        assertTrue(backup.out().contains("SUCCEEDED"), backup.out());
    }

    @Test
    @Order(4)
    @Execution(ExecutionMode.SAME_THREAD)
    void aNodeLostMidBackupLeavesTheOthersUnaffectedIsShownDownAndToldAndBackLeavesNothingPaused()
            throws Exception {
        // restic is still copying, with the container paused, when the node is lost: 200 MB at 5 MB/s
        swarm.limitUpload("node2", "40mbit");
        swarm.inTask("node2", STACK + "_notes", "sh", "-c", "head -c 200000000 /dev/urandom > /notes/big.bin");
        String id = json(api("node2", "sidecar", "POST", "/api/plans/critical/runs", null)).path("id").asText();
        awaitNodes("restic copying on node2", Duration.ofMinutes(2), () -> json(api("node2", "sidecar", "GET",
                "/api/runs/" + id, null)).path("progress").path("bytesDone").asLong() > 0);
        // the node is frozen whole, as a node that hangs or drops off the network is to everyone else (a
        // killed docker-in-docker node cannot end while a container in it is paused: the cgroup freezer)
        swarm.freeze("node2");
        long lostAt = System.nanoTime();
        try {
            String other = json(api("node1", "sidecar", "POST", "/api/plans/critical/runs", null)).path("id").asText();
            awaitNodes("node1's run while node2 is lost", Duration.ofMinutes(5), () -> json(api("node1",
                    "sidecar", "GET", "/api/runs/" + other, null)).path("endedAt").isTextual());
            JsonNode run = json(api("node1", "sidecar", "GET", "/api/runs/" + other, null));
            assertEquals("SUCCEEDED", run.path("state").asText(), run.toString());
            assertTrue(run.path("retentionDeferred").asText().contains("locked"),
                    "node2's restic holds its lock: node1's retention waits for the next run, its backup stands");

            awaitText("node2 shown down", Duration.ofMinutes(1), () -> api("node1", "sidecar", "GET",
                    "/api/status", null), status -> status.contains("\nnode2  DOWN"));
            awaitNodes("the repos task to tell", Duration.ofMinutes(3), () -> api("node1", "sidecar-repos",
                    "GET", "/api/notifications", null).contains("\"node-down:node2\""));
            // and told through the channel: the stack's webhook receiver has the notice, naming the node
            awaitNodes("the webhook told node2 does not answer", Duration.ofMinutes(3),
                    () -> notices("problem", "node node2 does not answer").size() == 1);
            System.out.printf("node2 lost: told through the webhook after %.0f s%n", (System.nanoTime() - lostAt) / 1e9);
            // the backup under way wrote no snapshot; node2's last good backup is whole
            assertTrue(restic("check", "--no-lock").contains("no errors were found"));
            assertEquals(2, json(restic("snapshots", "--json", "--no-lock", "--tag", "target:notes")).size(),
                    "the scheduled run's two snapshots (files and facts), nothing of the one under way");
        } finally {
            swarm.thaw("node2");
        }
        // back: Swarm may replace the node's tasks (it took the node for down), and whichever runs there
        // now, nothing is left paused, a notes task runs, and no lock is left in the repo
        awaitText("node2 up again in the view", Duration.ofMinutes(3), () -> api("node1", "sidecar", "GET",
                "/api/status", null), status -> status.contains("\nnode2  up"));
        // and told back: the repos task's open problem of node2 is closed ("node node2 answers again")
        long backAt = System.nanoTime();
        awaitText("the repos task to tell node2 is back", Duration.ofMinutes(3), () -> api("node1", "sidecar-repos",
                "GET", "/api/notifications", null), told -> !told.contains("\"node-down:node2\""));
        awaitNodes("the webhook told node2 answers again", Duration.ofMinutes(2),
                () -> !notices("recovered", "node node2 answers again").isEmpty());
        System.out.printf("node2 back in the view: told through the webhook %.0f s later%n", (System.nanoTime() - backAt) / 1e9);
        awaitText("nothing paused on node2", Duration.ofMinutes(3), () -> docker("node2", "ps", "-aq", "--filter",
                "status=paused"), String::isBlank);
        assertTrue(!docker("node2", "ps", "-q", "--filter", "label=com.docker.swarm.service.name=" + STACK
                + "_notes").isBlank(), "a notes task runs on node2");
        awaitText("no lock left in the repo", Duration.ofMinutes(3), SwarmBacksUpEachNodeIT::locks,
                String::isBlank);
        // by the repos task alone (every node's sidecar sees node2 go too, none of them tells), once for each
        // time it went and came back (Swarm may replace node2's tasks after the thaw: a sidecar restarting
        // there is a short absence of its own, told and told back like the first)
        List<JsonNode> lost = notices("problem", "node node2 does not answer");
        List<JsonNode> back = notices("recovered", "node node2 answers again");
        assertEquals(lost.size(), back.size(), "each absence told once and its end once: " + lost + back);
        assertTrue(lost.get(0).path("subject").asText().startsWith("[repos] "), lost.toString());
        assertEquals("node2", lost.get(0).path("where").path("node").asText(), lost.toString());
    }

    /** What the stack's webhook receiver was told: each notice of {@code kind} whose title is {@code title}. */
    private static List<JsonNode> notices(String kind, String title) {
        String received;
        try {
            received = swarm.inTask("node1", STACK + "_hooks", "sh", "-c", "cat /hooks/received 2>/dev/null || true");
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e.getMessage(), e);
        }
        List<JsonNode> found = new java.util.ArrayList<>();
        for (String line : received.strip().lines().toList()) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode notice = json(line);
            if (notice.path("kind").asText().equals(kind) && notice.path("title").asText().equals(title)) {
                found.add(notice);
            }
        }
        return found;
    }

    @Test
    @Order(5)
    @Execution(ExecutionMode.SAME_THREAD)
    void theLockOfAHelperKilledWithItsNodeIsClearedWhenTheNodesSidecarStartsAgain() throws Exception {
        // a helper of node3 killed mid-backup with its engine, as its lock is left: a restic under the
        // host name node3's helpers take (backrest-sidecar-helper-node3-…) holding a lock in the shared
        // repo over SFTP, then SIGKILL with its container, which is gone as the engine's restart leaves it
        String gone = "backrest-sidecar-helper-node3-0dead0ff";
        swarm.docker("node3", "run", "-d", "--name", "gone-helper", "--hostname", gone, "--network", STACK + "_stack",
                "-e", "KEY=" + KEY, "-e", "SSH_KEY=" + sshKey, "backrest-sidecar-test/debian-services:latest", "sh", "-c",
                "printf %s \"$KEY\" > /tmp/key && printf %s \"$SSH_KEY\" > /tmp/ssh && chmod 600 /tmp/ssh"
                        + " && sleep 3600 | restic -r sftp:restic@repo:/data/critical -o sftp.command='ssh -i /tmp/ssh -p 2222"
                        + " -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes restic@repo -s sftp'"
                        + " --password-file /tmp/key --no-cache backup --stdin --stdin-filename held");
        awaitText("the helper's lock in the repo", Duration.ofMinutes(1), SwarmBacksUpEachNodeIT::locks,
                locks -> locks.contains(gone));
        swarm.docker("node3", "rm", "-f", "gone-helper");
        assertTrue(locks().contains(gone), "killed, its restic left its lock: " + locks());

        // node3's sidecar starts again (as after its engine's restart): the gone helper's lock goes
        String before = swarm.taskContainer("node3", STACK + "_sidecar");
        swarm.docker("node3", "kill", before);
        awaitText("a new sidecar task on node3", Duration.ofMinutes(2), () -> docker("node3", "ps", "-q", "--filter",
                "label=com.docker.swarm.service.name=" + STACK + "_sidecar"), ids -> !ids.isBlank()
                && !ids.strip().equals(before));
        awaitNodes("node3's sidecar answering", Duration.ofMinutes(2),
                () -> api("node3", "sidecar", "GET", "/q/health/live", null).contains("\"UP\""));
        awaitText("the gone helper's lock removed", Duration.ofMinutes(3), SwarmBacksUpEachNodeIT::locks,
                locks -> !locks.contains(gone));
    }

    @Test
    @Order(6)
    @Execution(ExecutionMode.SAME_THREAD)
    void postgresMovedToAnotherNodeIsRestoredThereFromTheFirstNodesBackup() throws Exception {
        swarm.docker("node1", "service", "update", "-q", "--constraint-rm", "node.hostname == node1",
                "--constraint-add", "node.hostname == node3", STACK + "_postgres");
        awaitNodes("Postgres on node3", Duration.ofMinutes(3), () -> psql("node3", "select 1").equals("1"));
        assertEquals("f", psql("node3", "select to_regclass('notes') is not null"), "an empty server on node3");
        awaitNodes("node3's sidecar to find postgres", Duration.ofMinutes(1),
                () -> api("node3", "sidecar", "GET", "/api/targets", null).contains("\"postgres\""));
        // docs/swarm.md's command as written, on the manager: the manager's sidecar forwards it to node3's,
        // whose task was started again in test 5 and answers at a new address (asked for anew when the
        // old one does not connect)
        Managed restore = manage("--node", "node3", "restore", "postgres", "--database", "app", "--yes");
        assertEquals(0, restore.exit(), restore.out());
        assertTrue(restore.out().contains("restore of postgres SUCCEEDED"), restore.out());
        assertEquals(rowsOnNode1, psql("node3", ROWS), "every row back on node3, from node1's backup");

        // a restore on a Swarm task cut off (issue 42): node3's sidecar task killed while pg_restore
        // writes, Swarm starts the next on the node with the same state volume. A prepared transaction's
        // lock on the table keeps pg_restore --clean waiting at its DROP, inside its one transaction, so
        // that it surely outlives the kill. (A session's lock would not: the safety copy made inside the
        // server closes the database's sessions first; a prepared transaction also keeps the server from
        // copying the database, so the safety copy is a pg_dump, whose lock does not conflict.) Prepared
        // transactions need a restart of the server to be allowed.
        psql("node3", "alter system set max_prepared_transactions = 5");
        String stopped = swarm.taskContainer("node3", STACK + "_postgres");
        swarm.docker("node1", "service", "update", "-q", "--force", STACK + "_postgres");
        awaitNodes("Postgres on node3 restarted", Duration.ofMinutes(3),
                () -> psql("node3", "show max_prepared_transactions").equals("5"));
        String server = swarm.taskContainer("node3", STACK + "_postgres");
        assertNotEquals(stopped, server);
        awaitNodes("node3's sidecar to find the restarted postgres", Duration.ofMinutes(1),
                () -> api("node3", "sidecar", "GET", "/api/targets", null).contains(server));
        psql("node3", "delete from notes where id <= 100; insert into notes values (0, 'before-the-restore')");
        String before = psql("node3", ROWS);
        assertNotEquals(rowsOnNode1, before);
        psql("node3", "begin; lock table notes in access share mode; prepare transaction 'holder'");
        assertEquals("1", psql("node3", "select count(*) from pg_locks where pid is null "
                + "and relation = 'notes'::regclass"));
        String body = "{\"target\":\"postgres\",\"database\":\"app\",\"confirm\":\"postgres\"}";
        String posted = api("node3", "sidecar", "POST", "/api/restores", body);
        String cut = json(posted).path("id").asText();
        assertFalse(cut.isEmpty(), "the restore was not started: " + posted);
        awaitPgRestoreWriting(server, cut);
        String sidecarBefore = swarm.taskContainer("node3", STACK + "_sidecar");
        swarm.docker("node3", "kill", sidecarBefore);
        assertTrue(pgRestoreRuns(server), "killed mid-restore: pg_restore goes on without the sidecar");
        awaitText("a new sidecar task on node3", Duration.ofMinutes(2), () -> docker("node3", "ps", "-q", "--filter",
                "label=com.docker.swarm.service.name=" + STACK + "_sidecar"), ids -> !ids.isBlank()
                && !ids.strip().equals(sidecarBefore));
        awaitNodes("node3's sidecar answering", Duration.ofMinutes(2),
                () -> api("node3", "sidecar", "GET", "/q/health/live", null).contains("\"UP\""));
        String again = api("node3", "sidecar", "POST", "/api/restores", body);
        assertTrue(again.contains("still being written by restore " + cut), "no second restore while the cut-off "
                + "one's pg_restore writes: " + again);
        assertTrue(json(api("node3", "sidecar", "GET", "/api/restores/" + cut, null)).path("error").asText()
                .contains("it goes on in"));
        psql("node3", "rollback prepared 'holder'");
        awaitText("the cut-off restore's record on node3", Duration.ofMinutes(2), () -> api("node3", "sidecar", "GET",
                "/api/restores/" + cut, null), record -> record.contains("holds the backup's data (restored)"));
        assertFalse(pgRestoreRuns(server));
        assertEquals(rowsOnNode1, psql("node3", ROWS), "the record's word: every row as node1's backup holds it");
        assertEquals("", swarm.docker("node3", "exec", server, "sh", "-c",
                "ls /tmp | grep backrest-sidecar-restore; true").strip(), "the dump and its exit code gone from /tmp");
    }

    /**
     * A volume of a Swarm task restored in place (issue 34) through the page, as a user does (nginx on
     * node1, the repos task behind it, Show node2, Restore…), carried out by node2's sidecar: the notes
     * service (a label of its own outside ASCII, kept as it is) scaled to 0 through the repos task on the
     * manager, its files written on node2, the service scaled back; its new task runs on node2 on the
     * backup's files, byte for byte, and what was made after the backup is gone. Then the same restore
     * cut off: node2's sidecar task killed while the service is at 0, and the next task there leaves
     * whole data (the record says whose) and scales the service back by itself.
     */
    @Test
    @Order(7)
    @Execution(ExecutionMode.SAME_THREAD)
    void aVolumeOnASwarmTaskIsRestoredInPlaceWithItsServiceScaledToZeroAndBack() throws Exception {
        String notes = STACK + "_notes";
        swarm.inTask("node2", notes, "sh", "-c", "head -c 100000000 /dev/urandom > /notes/big.bin");
        String backedUp = swarm.inTask("node2", notes, "sh", "-c", "cd /notes && sha256sum big.bin data.bin");
        String run = json(api("node2", "sidecar", "POST", "/api/plans/critical/runs", null)).path("id").asText();
        awaitText("node2's backup of notes", Duration.ofMinutes(5), () -> api("node2", "sidecar", "GET", "/api/runs/"
                + run, null), r -> json(r).path("endedAt").isTextual());
        assertEquals("SUCCEEDED", json(api("node2", "sidecar", "GET", "/api/runs/" + run, null)).path("state").asText());
        swarm.inTask("node2", notes, "sh", "-c", "head -c 1000 /dev/urandom > /notes/data.bin && echo made > /notes/after");
        String before = swarm.taskContainer("node2", notes);

        JsonNode done = restoreThroughThePage("node2", "notes");
        assertEquals("SUCCEEDED", done.path("state").asText(), done.toString());
        assertTrue(done.toString().contains("scaled from 1 to 0 through a manager"), done.toString());
        String after = swarm.taskContainer("node2", notes);
        assertFalse(after.isEmpty() || after.equals(before), "a new task of notes runs on node2: " + after);
        assertEquals("1", swarm.docker("node1", "service", "inspect", "-f", "{{.Spec.Mode.Replicated.Replicas}}", notes)
                .strip());
        assertEquals(backedUp, swarm.inTask("node2", notes, "sh", "-c", "cd /notes && sha256sum big.bin data.bin"));
        assertEquals("big.bin\ndata.bin", swarm.inTask("node2", notes, "ls", "-A", "/notes").strip(),
                "what was made after the backup is gone, and no staging copy is left");

        // cut off: node2's sidecar killed once the service is at 0, at its safety snapshot or mid-write
        // (100 MB to write back; whichever the kill hits, the record must say which data is there)
        swarm.inTask("node2", notes, "sh", "-c", "rm /notes/big.bin && echo changed > /notes/data.bin");
        String changed = swarm.inTask("node2", notes, "sha256sum", "/notes/data.bin");
        String body = "{\"target\":\"notes\",\"confirm\":\"notes\"}";
        String cut = json(api("node2", "sidecar", "POST", "/api/restores", body)).path("id").asText();
        awaitText("the restore with the service at 0", Duration.ofMinutes(3), () -> api("node2", "sidecar", "GET",
                "/api/restores/" + cut, null), r -> json(r).path("phase").asText().startsWith("safety snapshot")
                || json(r).path("phase").asText().startsWith("writing") || json(r).path("endedAt").isTextual());
        assertFalse(json(api("node2", "sidecar", "GET", "/api/restores/" + cut, null)).path("endedAt").isTextual(),
                "killed before the restore ended");
        String sidecarBefore = swarm.taskContainer("node2", STACK + "_sidecar");
        swarm.docker("node2", "kill", sidecarBefore);
        assertEquals("0", swarm.docker("node1", "service", "inspect", "-f", "{{.Spec.Mode.Replicated.Replicas}}",
                notes).strip(), "killed with the service at 0");
        awaitText("a new sidecar task on node2", Duration.ofMinutes(2), () -> docker("node2", "ps", "-q", "--filter",
                "label=com.docker.swarm.service.name=" + STACK + "_sidecar"), ids -> !ids.isBlank()
                && !ids.strip().equals(sidecarBefore));
        awaitText("notes scaled back and running on node2", Duration.ofMinutes(3), () -> docker("node2", "ps", "-q",
                "--filter", "label=com.docker.swarm.service.name=" + notes), ids -> !ids.isBlank());
        awaitNodes("node2's sidecar answering", Duration.ofMinutes(2),
                () -> api("node2", "sidecar", "GET", "/q/health/live", null).contains("\"UP\""));
        JsonNode record = json(api("node2", "sidecar", "GET", "/api/restores/" + cut, null));
        String said = record.path("error").asText();
        if (said.contains("holds the backup's data (restored)")) {
            assertEquals(backedUp, swarm.inTask("node2", notes, "sh", "-c", "cd /notes && sha256sum big.bin data.bin"));
        } else {
            assertTrue(said.contains("holds the data from before"), record.toString());
            assertEquals(changed, swarm.inTask("node2", notes, "sha256sum", "/notes/data.bin"), record.toString());
            assertEquals("data.bin", swarm.inTask("node2", notes, "ls", "-A", "/notes").strip(), "no staging copy left");
        }
        assertEquals("1", swarm.docker("node1", "service", "inspect", "-f", "{{.Spec.Mode.Replicated.Replicas}}", notes)
                .strip());
    }

    /**
     * A Redis on a Swarm task (node3) restored in place through the page, as a user does: its service scaled to 0 and
     * back, the backup's RDB written through a helper with its volume (the task's container is gone
     * meanwhile), and the new task's Redis holds every key as the backup does. A service of the stack
     * made for this test alone, so that the other scenarios' plans stay as they are.
     */
    @Test
    @Order(7)
    @Execution(ExecutionMode.SAME_THREAD)
    void aRedisOnASwarmTaskIsRestoredInPlaceWithItsServiceScaledToZeroAndBack() throws Exception {
        String redis = STACK + "_redis";
        createOnNode3(redis, "redis", "redisdata:/data", List.of(), "backrest-sidecar-test/debian-services:latest",
                "sh", "-c", "mkdir -p /data && exec redis-server --dir /data --save '' --appendonly no");
        try {
            awaitText("Redis on node3", Duration.ofMinutes(2), () -> {
                try {
                    return swarm.inTask("node3", redis, "redis-cli", "PING");
                } catch (IOException | InterruptedException e) {
                    return "";
                }
            }, pong -> pong.strip().equals("PONG"));
            swarm.inTask("node3", redis, "sh", "-c", "for i in $(seq 1 300); do echo \"SET k:$i v$i\"; done | redis-cli --pipe");
            String backedUp = redisDigest(redis);
            awaitNodes("node3's sidecar to find redis", Duration.ofMinutes(1),
                    () -> api("node3", "sidecar", "GET", "/api/targets", null).contains("\"redis\""));
            String run = json(api("node3", "sidecar", "POST", "/api/plans/critical/runs", null)).path("id").asText();
            awaitText("node3's backup", Duration.ofMinutes(5), () -> api("node3", "sidecar", "GET", "/api/runs/" + run,
                    null), r -> json(r).path("endedAt").isTextual());
            JsonNode ran = json(api("node3", "sidecar", "GET", "/api/runs/" + run, null));
            assertEquals("SUCCEEDED", ran.path("state").asText(), ran.toString());
            swarm.inTask("node3", redis, "sh", "-c", "redis-cli FLUSHALL >/dev/null && redis-cli SET after restore");
            String before = swarm.taskContainer("node3", redis);

            JsonNode done = restoreThroughThePage("node3", "redis");
            assertEquals("SUCCEEDED", done.path("state").asText(), done.toString());
            String after = swarm.taskContainer("node3", redis);
            assertFalse(after.isEmpty() || after.equals(before), "a new task of redis runs on node3: " + after);
            awaitText("Redis answering again", Duration.ofMinutes(1), () -> {
                try {
                    return swarm.inTask("node3", redis, "redis-cli", "PING");
                } catch (IOException | InterruptedException e) {
                    return "";
                }
            }, pong -> pong.strip().equals("PONG"));
            assertEquals(backedUp, redisDigest(redis), "every key as the backup holds it");
            assertEquals("", swarm.inTask("node3", redis, "sh", "-c", "ls /data | grep -v '^dump.rdb$'; true").strip(),
                    "no second name of the RDB left");

            // the drill of a Redis target on a Swarm node (docs/restore.md's table): node3's plan critical
            String drill = json(api("node3", "sidecar", "POST", "/api/plans/critical/drills", null)).path("id").asText();
            awaitText("node3's drill of plan critical", Duration.ofMinutes(5), () -> api("node3", "sidecar", "GET",
                    "/api/drills/runs/" + drill, null), r -> json(r).path("endedAt").isTextual());
            JsonNode drilled = json(api("node3", "sidecar", "GET", "/api/drills/runs/" + drill, null));
            assertTrue(drilled.path("passed").asBoolean(), drilled.toString());
            List<String> passed = new ArrayList<>();
            drilled.path("results").forEach(r -> passed.add(r.path("target").asText() + " " + r.path("outcome").asText()));
            assertTrue(passed.contains("redis passed"), "redis drilled on node3: " + drilled);
        } finally {
            swarm.docker("node1", "service", "rm", redis);
            forgetBackupsOf("redis");
        }
    }

    /**
     * A Postgres in wal mode on a Swarm task (node3): its WAL streamed by node3's sidecar, a base backup
     * by the plan's run, the plan's drill comparing it at its restore point, and a restore to a moment
     * over the live server through the API, its service scaled to 0 and back as no hand step is asked
     * of the user (issue 34); the stream then follows the new task onto the new timeline. A service
     * made for this test alone, as Redis's above.
     */
    @Test
    @Order(7)
    @Execution(ExecutionMode.SAME_THREAD)
    void aWalModePostgresOnASwarmTaskIsStreamedDrilledAndRestoredToAMomentOverItsLiveServer() throws Exception {
        String pitr = STACK + "_pitr";
        String items = PITR_ITEMS;
        try {
            walPostgresOnNode3With(3000);
            String run = runPlanOn("node3");
            awaitText("node3's base backup of pitr", Duration.ofMinutes(5), () -> api("node3", "sidecar", "GET",
                    "/api/runs/" + run, null), r -> json(r).path("endedAt").isTextual());
            JsonNode ran = json(api("node3", "sidecar", "GET", "/api/runs/" + run, null));
            assertEquals("SUCCEEDED", ran.path("state").asText(), ran.toString());

            String atNoted = pitrSql(items, false);
            Instant noted = serverNowOnNode3();
            Thread.sleep(1500);
            pitrSql("delete from items where id % 3 = 0; insert into items select g, 'later' from generate_series(3001, 3500) g",
                    false);
            Instant changed = serverNowOnNode3();
            awaitText("pitr's WAL shipped past the change", Duration.ofMinutes(3), () -> api("node3", "sidecar", "GET",
                    "/api/targets/pitr/window", null), w -> json(w).path("until").isTextual()
                    && Instant.parse(json(w).path("until").asText()).isAfter(changed));
            String chainBefore = json(api("node3", "sidecar", "GET", "/api/targets/pitr/window", null))
                    .path("stream").path("chain").asText();

            // the drill of node3's plan: the base and its WAL replayed in a throwaway, compared at its restore point
            String drill = json(api("node3", "sidecar", "POST", "/api/plans/critical/drills", null)).path("id").asText();
            awaitText("node3's drill of plan critical", Duration.ofMinutes(5), () -> api("node3", "sidecar", "GET",
                    "/api/drills/runs/" + drill, null), r -> json(r).path("endedAt").isTextual());
            JsonNode drilled = json(api("node3", "sidecar", "GET", "/api/drills/runs/" + drill, null));
            assertTrue(drilled.path("passed").asBoolean(), drilled.toString());
            assertTrue(drilled.toString().contains("database app at restore point bsc-"), "compared at its restore point: "
                    + drilled);

            // over the live server, to the noted moment: the service scaled to 0, the folder laid down, back
            String before = swarm.taskContainer("node3", pitr);
            String id = json(api("node3", "sidecar", "POST", "/api/restores", "{\"target\":\"pitr\",\"to\":\""
                    + noted + "\",\"confirm\":\"pitr\"}")).path("id").asText();
            awaitText("the restore of pitr to " + noted, Duration.ofMinutes(6), () -> api("node3", "sidecar", "GET",
                    "/api/restores/" + id, null), r -> json(r).path("endedAt").isTextual());
            JsonNode done = json(api("node3", "sidecar", "GET", "/api/restores/" + id, null));
            assertEquals("SUCCEEDED", done.path("state").asText(), done.toString());
            assertTrue(done.toString().contains("scaled from 1 to 0 through a manager"), done.toString());
            assertTrue(done.path("written").get(0).asText().contains("timeline 2"), done.toString());
            String after = swarm.taskContainer("node3", pitr);
            assertFalse(after.isEmpty() || after.equals(before), "a new task of pitr runs on node3: " + after);
            assertEquals("1", swarm.docker("node1", "service", "inspect", "-f", "{{.Spec.Mode.Replicated.Replicas}}",
                    pitr).strip());
            assertEquals(atNoted, pitrSql(items, false), "every row as it was at " + noted);

            // the stream follows the new task: a base backup on the new timeline (the restore starts one)
            awaitText("a base backup of pitr on timeline 2", Duration.ofMinutes(4), () -> api("node3", "sidecar", "GET",
                    "/api/targets/pitr/window", null), w -> json(w).path("stream").path("timeline").asInt() == 2
                    && !json(w).path("stream").path("chain").asText().equals(chainBefore));

            // cut off: node3's sidecar killed while the data folder is moved aside or being laid down, its
            // service at 0; the next sidecar task puts the folder back through the mounts its journal kept
            // and has the service scaled back. Watched on node3 itself every 0.1 s: the window is seconds
            String beforeCut = pitrSql(items, false);
            String sidecarBefore = swarm.taskContainer("node3", STACK + "_sidecar");
            String cut = json(api("node3", "sidecar", "POST", "/api/restores", "{\"target\":\"pitr\",\"to\":\""
                    + noted + "\",\"confirm\":\"pitr\"}")).path("id").asText();
            String watch = "for i in $(seq 1 1800); do r=$(docker exec " + sidecarBefore + " curl -sS -H 'Authorization: "
                    + "Bearer " + TOKEN + "' http://127.0.0.1:8080/api/restores/" + cut + "); case \"$r\" in "
                    + "*'\"phase\":\"moving the data folder aside'*|*'\"phase\":\"laying down'*) docker kill "
                    + sidecarBefore + " >/dev/null; echo \"killed at: $r\"; exit 0;; *'\"endedAt\":\"'*) "
                    + "echo \"ended before the kill: $r\"; exit 1;; esac; sleep 0.1; done; echo \"never laid: $r\"; exit 1";
            System.out.println(TestDocker.run(List.of("docker", "exec", swarm.container("node3"), "sh", "-c", watch),
                    Map.of()));
            awaitText("a new sidecar task on node3", Duration.ofMinutes(2), () -> docker("node3", "ps", "-q", "--filter",
                    "label=com.docker.swarm.service.name=" + STACK + "_sidecar"), ids -> !ids.isBlank()
                    && !ids.strip().equals(sidecarBefore));
            awaitNodes("node3's sidecar answering", Duration.ofMinutes(2),
                    () -> api("node3", "sidecar", "GET", "/q/health/live", null).contains("\"UP\""));
            awaitText("pitr scaled back and answering on node3", Duration.ofMinutes(3), () -> pitrSql("select 1", true),
                    "1"::equals);
            JsonNode record = json(api("node3", "sidecar", "GET", "/api/restores/" + cut, null));
            assertTrue(record.path("error").asText().contains("holds the data from before"), record.toString());
            assertEquals("1", swarm.docker("node1", "service", "inspect", "-f", "{{.Spec.Mode.Replicated.Replicas}}",
                    pitr).strip());
            assertEquals(beforeCut, pitrSql(items, false), "the rows as they were before the cut-off restore");

            // cut off later: killed while the service's new task replays what was laid down (scaled back
            // for that); the next sidecar task scales the service to 0 again, puts the folder back, and
            // scales it back to 1 (killed in its turn below)
            String sidecarAgain = swarm.taskContainer("node3", STACK + "_sidecar");
            String replaying = json(api("node3", "sidecar", "POST", "/api/restores", "{\"target\":\"pitr\",\"to\":\""
                    + noted + "\",\"confirm\":\"pitr\"}")).path("id").asText();
            String tasks = "docker ps -q --filter label=com.docker.swarm.service.name=" + pitr;
            String watchReplay = "b=$(" + tasks + "); for i in $(seq 1 1800); do r=$(docker exec " + sidecarAgain
                    + " curl -sS -H 'Authorization: Bearer " + TOKEN + "' http://127.0.0.1:8080/api/restores/" + replaying
                    + "); case \"$r\" in *'\"endedAt\":\"'*) echo \"ended before the kill: $r\"; exit 1;; "
                    + "*'\"phase\":\"starting '*) t=$(" + tasks + "); if [ -n \"$t\" ] && [ \"$t\" != \"$b\" ]; then "
                    + "docker kill " + sidecarAgain + " >/dev/null; echo \"killed while task $t replays: $r\"; exit 0; fi;; "
                    + "esac; sleep 0.1; done; echo \"never replayed: $r\"; exit 1";
            System.out.println(TestDocker.run(List.of("docker", "exec", swarm.container("node3"), "sh", "-c", watchReplay),
                    Map.of()));
            // and cut off again: the next sidecar task, putting the folder back at its start with the service
            // scaled to 0, killed too; the one after it puts the folder back and must scale the service back
            // (its quiesce journal's entry), or pitr stays at 0 replicas
            String sidecars = "docker ps -q --filter label=com.docker.swarm.service.name=" + STACK + "_sidecar";
            String watchPutBack = "for i in $(seq 1 3000); do s=$(" + sidecars + "); t=$(" + tasks + "); "
                    + "if [ -n \"$s\" ] && [ \"$s\" != \"" + sidecarAgain + "\" ] && [ -z \"$t\" ]; then docker kill $s "
                    + ">/dev/null; echo \"killed $s while pitr was at 0 for the put-back\"; echo \"$s\" > /tmp/killed-in-put-back; "
                    + "exit 0; fi; sleep 0.1; done; echo 'pitr never scaled to 0 for the put-back'; exit 1";
            System.out.println(TestDocker.run(List.of("docker", "exec", swarm.container("node3"), "sh", "-c", watchPutBack),
                    Map.of()));
            String killedInPutBack = TestDocker.run(List.of("docker", "exec", swarm.container("node3"), "cat",
                    "/tmp/killed-in-put-back"), Map.of()).strip();
            awaitText("another sidecar task on node3", Duration.ofMinutes(2), () -> docker("node3", "ps", "-q", "--filter",
                    "label=com.docker.swarm.service.name=" + STACK + "_sidecar"), ids -> !ids.isBlank()
                    && !ids.strip().equals(sidecarAgain) && !killedInPutBack.startsWith(ids.strip()));
            awaitNodes("node3's sidecar answering again", Duration.ofMinutes(2),
                    () -> api("node3", "sidecar", "GET", "/q/health/live", null).contains("\"UP\""));
            awaitText("the cut-off restore's record", Duration.ofMinutes(4), () -> api("node3", "sidecar", "GET",
                    "/api/restores/" + replaying, null), r -> json(r).path("error").asText().contains("holds the data from before"));
            awaitText("pitr scaled back and answering on node3 again", Duration.ofMinutes(3), () -> pitrSql("select 1",
                    true), "1"::equals);
            assertEquals("1", swarm.docker("node1", "service", "inspect", "-f", "{{.Spec.Mode.Replicated.Replicas}}",
                    pitr).strip());
            assertEquals(beforeCut, pitrSql(items, false), "the rows as they were before the restore cut mid-replay");
            System.out.println("the restore cut mid-replay was put back: " + json(api("node3", "sidecar", "GET",
                    "/api/restores/" + replaying, null)).path("error").asText());
        } finally {
            swarm.docker("node1", "service", "rm", pitr);
            forgetBackupsOf("pitr");
            // its data goes too: the whole-swarm recovery below makes a server of that name anew
            awaitText("pitr's task gone from node3", Duration.ofMinutes(2), () -> docker("node3", "ps", "-aq", "--filter",
                    "volume=" + STACK + "_pitrdata"), String::isBlank);
            docker("node3", "volume", "rm", STACK + "_pitrdata");
        }
    }

    /** The wal-mode Postgres of the scenarios that restore one on a Swarm task: {@code pitr} on node3. */
    private static void createWalPostgresOnNode3() throws IOException, InterruptedException {
        createOnNode3(STACK + "_pitr", "postgres", "pitrdata:/var/lib/postgresql/data", List.of("--container-label",
                "backup.postgres.user=app", "--container-label", "backup.postgres.mode=wal", "--container-label",
                "backup.postgres.checkpoint=fast", "--env", "POSTGRES_USER=app", "--env", "POSTGRES_PASSWORD=app-password",
                "--env", "POSTGRES_DB=app", "--env", "POSTGRES_INITDB_ARGS=--data-checksums"),
                "backrest-sidecar-offline/postgres:local");
    }

    /** The wal-mode Postgres on node3 up, a table of {@code rows} items in it, and found by node3's sidecar. */
    private static void walPostgresOnNode3With(int rows) throws IOException, InterruptedException {
        createWalPostgresOnNode3();
        awaitText("Postgres on node3", Duration.ofMinutes(2), () -> pitrSql("select 1", true), "1"::equals);
        pitrSql("create table items (id int primary key, body text); "
                + "insert into items select g, md5(g::text) from generate_series(1, " + rows + ") g", false);
        awaitNodes("node3's sidecar to find pitr", Duration.ofMinutes(1),
                () -> api("node3", "sidecar", "GET", "/api/targets", null).contains("\"pitr\""));
    }

    /** A run of plan critical on {@code node}; one its schedule has under way (409) is waited out first. */
    private static String runPlanOn(String node) {
        String[] started = new String[1];
        awaitNodes(node + "'s run of plan critical to start", Duration.ofMinutes(5), () -> {
            started[0] = json(api(node, "sidecar", "POST", "/api/plans/critical/runs", null)).path("id").asText();
            return !started[0].isEmpty();
        });
        return started[0];
    }

    /** The moment the pitr server's clock shows now: commits before it are in, after it out. */
    private static Instant serverNowOnNode3() {
        return Instant.parse(pitrSql("select to_char(clock_timestamp() at time zone 'UTC', "
                + "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')", false));
    }

    /** {@code sql} in the pitr task on node3; {@code quiet}: an error answers "" (not up yet). */
    private static String pitrSql(String sql, boolean quiet) {
        try {
            return swarm.inTask("node3", STACK + "_pitr", "psql", "-U", "app", "-d", "app", "-v", "ON_ERROR_STOP=1",
                    "-tAc", sql).strip();
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (quiet) {
                return "";
            }
            throw new AssertionError(e.getMessage(), e);
        }
    }

    /**
     * A service of the stack made for one scenario, pinned to node3, on the stack's network, a target of
     * plan critical by {@code strategy}; {@code volume} is {@code name:/path} (the stack's prefix added).
     */
    private static void createOnNode3(String service, String strategy, String volume, List<String> more,
                                      String... imageAndCommand) throws IOException, InterruptedException {
        List<String> create = new ArrayList<>(List.of("service", "create", "-d", "--name", service, "--label",
                "com.docker.stack.namespace=" + STACK, "--container-label", "com.docker.stack.namespace=" + STACK,
                "--container-label", "backup.enable=true", "--container-label", "backup.plan=critical",
                "--container-label", "backup.strategy=" + strategy, "--constraint", "node.hostname == node3",
                "--network", STACK + "_stack", "--mount", "type=volume,source=" + STACK + "_" + volume.split(":")[0]
                        + ",target=" + volume.split(":")[1]));
        create.addAll(more);
        create.addAll(List.of(imageAndCommand));
        swarm.docker("node1", create.toArray(String[]::new));
    }

    /**
     * A target made for one scenario takes its backups with it: the whole-swarm recovery below
     * accounts for every target the copy holds.
     */
    private static void forgetBackupsOf(String target) {
        List<String> forget = new ArrayList<>(List.of("forget"));
        try {
            json(restic("snapshots", "--json", "--no-lock", "--tag", "target:" + target))
                    .forEach(snapshot -> forget.add(snapshot.path("id").asText()));
        } catch (AssertionError noRepoYet) {
            // the scenario failed before anything was backed up: its own failure is the one to see
        }
        // the target's sidecar may still hold the repo (its last WAL shipped, a base backup after a cut-off
        // restore): its lock is waited out, as a user's forget would
        Instant until = Instant.now().plus(Duration.ofMinutes(3));
        while (forget.size() > 1) {
            try {
                restic(forget.toArray(String[]::new));
                return;
            } catch (AssertionError e) {
                if (!String.valueOf(e.getMessage()).contains("already locked") || Instant.now().isAfter(until)) {
                    throw e;
                }
            }
            try {
                Thread.sleep(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Every key and value of the Redis task on node3, hashed. */
    private static String redisDigest(String service) throws Exception {
        return swarm.inTask("node3", service, "sh", "-c", "for k in $(redis-cli --scan | sort); do printf '%s=' \"$k\"; "
                + "redis-cli GET \"$k\"; done | sha256sum").strip();
    }

    /**
     * The Docker API proxy on the manager, asked as an attacker who reached it would: a service update
     * passes only when it is the spec Docker has with nothing but the replicas changed, of a labelled
     * service of the stack; any other spelling of it is refused.
     */
    @Test
    @Order(7)
    @Execution(ExecutionMode.SAME_THREAD)
    void theProxyLetsAServiceUpdateChangeItsReplicasAndNothingElse() throws Exception {
        JsonNode notes = json(throughProxy("GET", "/services/" + STACK + "_notes", null).body());
        String update = "/services/" + notes.path("ID").asText() + "/update?version=" + notes.path("Version").path("Index");
        String spec = notes.path("Spec").toString();
        assertEquals("notes — café ☕ 💾", notes.path("Spec").path("Labels").path("description").asText(),
                "the stack's label, as Docker has it");
        assertEquals(200, throughProxy("POST", update, spec).status(), "the spec as it is, replicas the same");
        // the same spec as another client may write it: every character outside ASCII as a \\u escape
        // (💾 as a surrogate pair); the update above moved the service's version on
        JsonNode now = json(throughProxy("GET", "/services/" + STACK + "_notes", null).body());
        String escaped = JSON.writer().with(JsonWriteFeature.ESCAPE_NON_ASCII).writeValueAsString(now.path("Spec"));
        assertTrue(escaped.matches("(?s).*caf\\\\u00[eE]9 \\\\u2615 \\\\u[dD]83[dD]\\\\u[dD][cC][bB][eE].*"), escaped);
        Answer asEscapes = throughProxy("POST", "/services/" + now.path("ID").asText() + "/update?version="
                + now.path("Version").path("Index"), escaped);
        assertEquals(200, asEscapes.status(), "the spec with \\u escapes: " + asEscapes.body());
        var image = (com.fasterxml.jackson.databind.node.ObjectNode) notes.path("Spec").deepCopy();
        ((com.fasterxml.jackson.databind.node.ObjectNode) image.path("TaskTemplate").path("ContainerSpec"))
                .put("Image", "backrest-sidecar-test/swarm-node:latest");
        Map<String, String> refused = new java.util.LinkedHashMap<>();
        refused.put("another image", image.toString());
        refused.put("a field spelt in lower case", spec.replaceFirst("\"Mode\"", "\"mode\""));
        refused.put("a field given twice", spec.substring(0, spec.length() - 1) + ",\"mode\":{\"Global\":{}}}");
        refused.put("a field spelt with a Unicode fold", spec.replaceFirst("\"Labels\"", "\"Labe\u017fl\""));
        refused.put("a field left out", spec.replaceFirst("\"Labels\":\\{[^}]*\\},", ""));
        refused.put("replicas as a string", spec.replaceFirst("\"Replicas\":1", "\"Replicas\":\"1\""));
        refused.put("a label's text changed", spec.replace("café", "cafè"));
        for (var attack : refused.entrySet()) {
            Answer answer = throughProxy("POST", update, attack.getValue());
            assertEquals(403, answer.status(), attack.getKey() + ": " + answer.body());
        }
        assertEquals(403, throughProxy("POST", update + "&registryAuthFrom=previous-spec", spec).status(),
                "more in the query");
        JsonNode nginx = json(throughProxy("GET", "/services/" + STACK + "_nginx", null).body());
        Answer unlabelled = throughProxy("POST", "/services/" + nginx.path("ID").asText() + "/update?version="
                + nginx.path("Version").path("Index"), nginx.path("Spec").toString());
        assertEquals(403, unlabelled.status(), "a service not backed up: " + unlabelled.body());
        assertEquals(notes.path("Spec"), json(throughProxy("GET", "/services/" + STACK + "_notes", null).body())
                .path("Spec"), "the service is as it was");
    }

    /**
     * Restores {@code target} of {@code node} as a user does: the page through nginx on node1 (whose
     * `sidecar` is the repos task), Show on the node's row, Restore…, a dry run, the target's name typed,
     * Restore, followed on the page to its end. Returns the restore's record on the node.
     */
    private static JsonNode restoreThroughThePage(String node, String target) throws Exception {
        List<String> before = new ArrayList<>();
        json(api(node, "sidecar", "GET", "/api/restores", null)).forEach(r -> before.add(r.path("id").asText()));
        ChromeDriver browser = Browser.open("Basic " + Base64.getEncoder().encodeToString(
                ("admin:" + ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8)));
        try {
            Browser.load(browser, "https://" + swarm.address("node1") + ":8443/sidecar/");
            long[] lastClick = {System.nanoTime() - Duration.ofMinutes(1).toNanos()};
            Browser.waiting(browser, Duration.ofSeconds(120)).withMessage(() -> node + "'s " + target + " on the page: "
                    + browser.findElement(By.id("nodes")).getText() + " | " + browser.findElement(By.id("node-shown"))
                    .getText() + " | " + browser.findElement(By.id("refreshed")).getText() + " | errors shown: "
                    + browser.findElement(By.id("errors")).getText() + " | printed: " + Browser.errors(browser)
                    + " | targets: " + browser.findElement(By.id("targets")).getText()).until(b -> {
                if (!b.findElements(By.cssSelector("#targets tr[data-target='" + target + "']")).isEmpty()) {
                    return true;
                }
                // Show, clicked as a user does: once, then again only when the page has not moved to the
                // node after two refreshes. (Clicked at every 300 ms poll, each click a refresh of ten calls,
                // the test itself ran past nginx's rate limit and every refresh answered 429 for minutes.)
                if (System.nanoTime() - lastClick[0] > Duration.ofSeconds(6).toNanos()) {
                    lastClick[0] = System.nanoTime();
                    b.findElements(By.cssSelector("#nodes tr[data-node='" + node + "'] button")).forEach(WebElement::click);
                }
                return false;
            });
            assertTrue(browser.findElement(By.id("node-shown")).getText().contains(node),
                    browser.findElement(By.id("node-shown")).getText());
            RestoreDialog dialog = new RestoreDialog(browser);
            dialog.open(target);
            dialog.dryRun();
            String followed = dialog.confirmAndFollow(target, Duration.ofMinutes(6));
            Files.createDirectories(Path.of("target", "screenshots"));
            Files.write(Path.of("target", "screenshots", "swarm-page-restored-" + target + ".png"),
                    ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
            assertTrue(followed.contains("SUCCEEDED"), "the page followed the restore to: " + followed);
            assertEquals(List.of(), Browser.errors(browser), "the page printed no errors");
        } finally {
            browser.quit();
        }
        List<JsonNode> made = new ArrayList<>();
        json(api(node, "sidecar", "GET", "/api/restores", null)).forEach(r -> {
            if (!before.contains(r.path("id").asText())) {
                made.add(r);
            }
        });
        // the dry run is a restore of its own in the list, made by the same page
        assertEquals(List.of(true, false), made.stream().map(r -> r.path("dryRun").asBoolean()).sorted(
                java.util.Comparator.reverseOrder()).toList(), "a dry run, then one restore, from the page on " + node
                + ": " + made);
        JsonNode restore = made.stream().filter(r -> !r.path("dryRun").asBoolean()).findFirst().orElseThrow();
        return json(api(node, "sidecar", "GET", "/api/restores/" + restore.path("id").asText(), null));
    }

    private record Answer(int status, String body) {
    }

    /**
     * A call to the Docker API proxy on node1, from the sidecar's task there, over the proxy's socket.
     * The body goes as base64 and is decoded in the task: its UTF-8 bytes reach the proxy as they are,
     * whatever the locale of the JVM and of each docker exec on the way.
     */
    private static Answer throughProxy(String method, String path, String body) throws Exception {
        String curl = "curl -sS --unix-socket /run/docker-api/docker.sock -X \"$1\" -w '\\n%{http_code}' ";
        String b64 = body == null ? "" : Base64.getEncoder().encodeToString(body.getBytes(StandardCharsets.UTF_8));
        String script = body == null ? curl + "\"$2\""
                : "printf %s \"$3\" | base64 -d | " + curl + "-H 'Content-Type: application/json' --data-binary @- \"$2\"";
        String out = swarm.inTask("node1", STACK + "_sidecar", "sh", "-c", script, "sh", method, "http://docker" + path,
                b64).strip();
        int cut = out.lastIndexOf('\n');
        return new Answer(Integer.parseInt(out.substring(cut + 1).strip()), cut < 0 ? "" : out.substring(0, cut));
    }

    /**
     * Waits until restore {@code id} on node3 is in its pg_restore; fails at once if it ended before.
     * On a loaded machine the safety dump and the fetch over SFTP take minutes: the wait is long, and
     * a timeout says where the restore stood (its record, node3's sidecar log, the server's sessions).
     */
    private static void awaitPgRestoreWriting(String server, String id) throws Exception {
        java.time.Instant end = java.time.Instant.now().plus(Duration.ofMinutes(6));
        String record = "";
        while (java.time.Instant.now().isBefore(end)) {
            record = api("node3", "sidecar", "GET", "/api/restores/" + id, null);
            JsonNode now = json(record);
            assertFalse(now.path("endedAt").isTextual(), "the restore ended before its pg_restore could be cut: " + record);
            if (now.path("phase").asText().startsWith("restoring database") && pgRestoreRuns(server)) {
                return;
            }
            Thread.sleep(1000);
        }
        String log = swarm.docker("node3", "logs", "--tail", "40", swarm.taskContainer("node3", STACK + "_sidecar"));
        throw new AssertionError("no pg_restore on node3 within 6 minutes; the restore's record: " + record
                + "\nthe server's sessions: " + psql("node3", "select application_name, state, wait_event_type, "
                + "left(query, 60) from pg_stat_activity where datname = 'app'") + "\nnode3's sidecar, last lines:\n" + log);
    }

    /** pg_restore runs in {@code container} on node3. */
    private static boolean pgRestoreRuns(String container) {
        try {
            return !swarm.docker("node3", "exec", container, "sh", "-c", "for p in /proc/[0-9]*; do [ \"$(cat "
                    + "$p/comm 2>/dev/null)\" = pg_restore ] && echo $p; done; true").isBlank();
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    @Order(8)
    @Execution(ExecutionMode.SAME_THREAD)
    void aWorkerDrainedMidBackupAndBackLeavesNothingPausedAndNoLock() throws Exception {
        // new data, sent at node2's 5 MB/s (test 4's cap): restic is mid-copy when the drain comes
        swarm.inTask("node2", STACK + "_notes", "sh", "-c", "head -c 200000000 /dev/urandom > /notes/big.bin");
        String id = json(api("node2", "sidecar", "POST", "/api/plans/critical/runs", null)).path("id").asText();
        awaitNodes("restic copying on node2", Duration.ofMinutes(2), () -> json(api("node2", "sidecar", "GET",
                "/api/runs/" + id, null)).path("progress").path("bytesDone").asLong() > 0);
        assertEquals("true", swarm.docker("node2", "inspect", "-f", "{{.State.Paused}}",
                swarm.taskContainer("node2", STACK + "_notes")).strip(), "the drain comes while notes is paused");
        // Swarm stops every task on a drained node: the sidecar (its run cut off), its proxy and notes
        swarm.docker("node1", "node", "update", "--availability", "drain", "node2");
        awaitNodes("node2's tasks gone", Duration.ofMinutes(2), 
                () -> docker("node2", "ps", "-q", "--filter", "label=com.docker.swarm.task.id").isBlank());
        swarm.docker("node1", "node", "update", "--availability", "active", "node2");
        awaitNodes("the sidecar back on node2", Duration.ofMinutes(4),
                () -> api("node2", "sidecar", "GET", "/q/health/live", null).contains("\"UP\""));
        awaitNodes("notes back on node2", Duration.ofMinutes(2), () -> !docker("node2", "ps", "-q",
                "--filter", "label=com.docker.swarm.service.name=" + STACK + "_notes").isBlank());
        assertEquals("", swarm.docker("node2", "ps", "-aq", "--filter", "status=paused").strip(), "nothing paused");
        // the cut-off restic's lock (the sidecar's own, or its helper's) is cleared by the sidecar back
        // on the node, not left to go stale for 30 minutes while the others' retention waits on it
        awaitText("no lock left in the repo", Duration.ofMinutes(2), SwarmBacksUpEachNodeIT::locks, String::isBlank);
        String again = json(api("node2", "sidecar", "POST", "/api/plans/critical/runs", null)).path("id").asText();
        awaitNodes("a run on node2 after the drain", Duration.ofMinutes(4), () -> json(api("node2", "sidecar",
                "GET", "/api/runs/" + again, null)).path("endedAt").isTextual());
        JsonNode run = json(api("node2", "sidecar", "GET", "/api/runs/" + again, null));
        assertEquals("SUCCEEDED", run.path("state").asText(), run.toString());
        assertTrue(run.path("retentionDeferred").isMissingNode() || run.path("retentionDeferred").isNull(),
                "no lock was in the way: " + run);
    }

    @Test
    @Order(9)
    @Execution(ExecutionMode.SAME_THREAD)
    void aWholeSwarmIsRecoveredFromItsOffsiteCopyWithOneCommand() throws Exception {
        // what the copy will hold: notes small again (test 6's 200 MB gone) and backed up on node2, and
        // Postgres's rows, restored on node3 in test 5 from node1's backup, the newest of it
        swarm.inTask("node2", STACK + "_notes", "rm", "-f", "/notes/big.bin");
        String notes = swarm.inTask("node2", STACK + "_notes", "sha256sum", "/notes/data.bin");
        // and a wal-mode Postgres on node3, its base backup and WAL in the copy: recovered by node3's
        // sidecar over the new empty server, its service scaled to 0 and back, no hand step (issue 34)
        walPostgresOnNode3With(2000);
        String base = runPlanOn("node3");
        awaitText("node3's base backup of pitr", Duration.ofMinutes(5), () -> api("node3", "sidecar", "GET",
                "/api/runs/" + base, null), r -> json(r).path("state").asText().equals("SUCCEEDED"));
        pitrSql("insert into items select g, 'after the base' from generate_series(2001, 2300) g", false);
        String pitrRows = pitrSql(PITR_ITEMS, false);
        Instant written = serverNowOnNode3();
        awaitText("pitr's WAL shipped past the last rows", Duration.ofMinutes(3), () -> api("node3", "sidecar", "GET",
                "/api/targets/pitr/window", null), w -> json(w).path("until").isTextual()
                && Instant.parse(json(w).path("until").asText()).isAfter(written));
        String run = json(api("node2", "sidecar", "POST", "/api/plans/critical/runs", null)).path("id").asText();
        awaitText("node2's run before the copy", Duration.ofMinutes(3), () -> api("node2", "sidecar", "GET",
                "/api/runs/" + run, null), r -> json(r).path("state").asText().equals("SUCCEEDED"));
        api("node1", "sidecar-repos", "POST", "/api/repos/critical/copies/offsite/runs", null);
        awaitText("the offsite copy by the repos task", Duration.ofMinutes(3), () -> api("node1", "sidecar-repos",
                "GET", "/api/repos/copies", null), c -> c.contains("\"lastSuccess\":\"") && c.contains("\"running\":false"));

        // the disaster: the primary repo and its server, every node's data and the sidecars' state gone; the
        // copy kept (the repo server's volume stands for two sites: the copy's half of it stays). The
        // services that hold them are removed (the stack's networks and proxies stay: a whole `stack rm`
        // leaves a network a stopping task holds, now and then, for minutes)
        List<String> lost = List.of("sidecar", "sidecar-repos", "postgres", "notes", "repo", "pitr");
        List<String> services = new ArrayList<>(List.of("service", "rm"));
        lost.forEach(service -> services.add(STACK + "_" + service));
        swarm.docker("node1", services.toArray(String[]::new));
        for (String node : swarm.nodes()) {
            for (String service : lost) {
                awaitText(service + " gone from " + node, Duration.ofMinutes(3), () -> docker(node, "ps", "-aq",
                        "--filter", "label=com.docker.swarm.service.name=" + STACK + "_" + service), String::isBlank);
            }
            for (String volume : List.of("pgdata", "notes", "pitrdata", "sidecar-state", "sidecar-repos-state")) {
                // whatever still has it mounted (a helper of a removed sidecar) goes with the disaster too
                String users = docker(node, "ps", "-aq", "--filter", "volume=" + STACK + "_" + volume).strip();
                if (!users.isEmpty()) {
                    List<String> rm = new ArrayList<>(List.of("rm", "-f"));
                    rm.addAll(users.lines().toList());
                    docker(node, rm.toArray(String[]::new));
                }
                docker(node, "volume", "rm", "-f", STACK + "_" + volume);
            }
            assertEquals("", docker(node, "volume", "ls", "-q", "--filter", "name=" + STACK + "_sidecar-state").strip(),
                    node + "'s sidecar state is gone");
        }
        // with its server gone (as the primary site is)
        swarm.docker("node3", "run", "--rm", "-v", STACK + "_repo-data:/data", "backrest-sidecar-test/debian-services:latest",
                "rm", "-rf", "/data/critical");
        // deployed again, as on new hosts, with the notes service not started yet
        swarm.docker("node1", "stack", "deploy", "-c", "/stack/stack.yml", STACK);
        swarm.docker("node1", "service", "scale", "-d", STACK + "_notes=0");
        awaitStackUp();
        createWalPostgresOnNode3();
        awaitText("an empty Postgres on node3", Duration.ofMinutes(2), () -> pitrSql("select to_regclass('items') is "
                + "null", true), "t"::equals);
        awaitNodes("node3's sidecar to find pitr", Duration.ofMinutes(1),
                () -> api("node3", "sidecar", "GET", "/api/targets", null).contains("\"pitr\""));
        assertEquals("f", psql("node1", "select to_regclass('notes') is not null"), "an empty server on node1");

        // 1: notes runs nowhere: Postgres is restored on node1, notes is a failure, and it is not RECOVERED
        Managed first = manage("recover", "--from", "offsite", "--yes");
        assertEquals(1, first.exit(), first.out());
        assertTrue(first.line("SUCCEEDED", "restore postgres on node1 from "), first.out());
        assertTrue(first.line("SUCCEEDED", "restore pitr on node3 from "), first.out());
        assertTrue(first.line("FAILED", "restore notes: no node that answers runs it"), first.out());
        assertTrue(first.out().contains("NOT RECOVERED") && !first.line("RECOVERED:", ""), first.out());
        assertEquals(rowsOnNode1, psql("node1", ROWS), "every row back on node1, out of the copy");

        // 2: notes running again, on node2, and restored there by hand as docs/swarm.md says after such a
        // failure (`--node node2 restore notes`: node2's sidecar restores it in place, its service scaled to
        // 0 through the repos task and back, issue 34); recover is told so (--restored-by-hand notes):
        // nothing is restored twice, each node drills the plan of what it runs, notes's node included,
        // and the verdict says whose word notes is
        swarm.docker("node1", "service", "scale", STACK + "_notes=1");
        awaitText("the notes task on node2", Duration.ofMinutes(2), () -> docker("node2", "ps", "-q", "--filter",
                "label=com.docker.swarm.service.name=" + STACK + "_notes"), ids -> !ids.isBlank());
        awaitNodes("node2's sidecar to find notes", Duration.ofMinutes(1),
                () -> api("node2", "sidecar", "GET", "/api/targets", null).contains("\"notes\""));
        Managed byHand = manage("--node", "node2", "restore", "notes", "--yes");
        assertEquals(0, byHand.exit(), byHand.out());
        assertTrue(byHand.out().contains("restore of notes SUCCEEDED"), byHand.out());
        Managed second = manage("recover", "--from", "offsite", "--yes", "--restored-by-hand", "notes");
        assertEquals(0, second.exit(), second.out());
        assertTrue(second.line("SKIPPED", "restore postgres on node1"), second.out());
        assertTrue(second.line("SKIPPED", "restore pitr on node3"), second.out());
        assertTrue(second.line("SKIPPED", "restore notes on node2"), second.out());
        assertTrue(second.line("RECOVERED: 2 targets restored (pitr postgres), 1 target restored by hand as you said "
                + "(notes), 3 drills passed (critical on node1, critical on node2, critical on node3)", ""), second.out());
        assertEquals(notes, swarm.inTask("node2", STACK + "_notes", "sha256sum", "/notes/data.bin"));
        assertEquals(rowsOnNode1, psql("node1", ROWS));
        assertEquals(pitrRows, pitrSql(PITR_ITEMS, false), "every row of the wal-mode server, to its last shipped WAL");
    }

    /** Every node's sidecar, the repos task and Postgres on node1 answering, after a deploy. */
    private static void awaitStackUp() {
        for (String node : swarm.nodes()) {
            awaitNodes("the sidecar on " + node, Duration.ofMinutes(4),
                    () -> api(node, "sidecar", "GET", "/q/health/live", null).contains("\"UP\""));
        }
        awaitNodes("the repos task", Duration.ofMinutes(2),
                () -> api("node1", "sidecar-repos", "GET", "/q/health/live", null).contains("\"UP\""));
        awaitNodes("Postgres on node1", Duration.ofMinutes(2), () -> psql("node1", "select 1").equals("1"));
    }

    private record Managed(int exit, String out) {
        boolean line(String start, String containing) {
            return out.lines().anyMatch(l -> l.startsWith(start) && l.contains(containing));
        }
    }

    /** The management script on node1 (a manager), as an operator runs it there: SIDECAR_STACK names the stack. */
    private static Managed manage(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("docker", "exec", "-e", "SIDECAR_STACK=" + STACK, "-w",
                "/recovery", swarm.container("node1"), "bash", "scripts/backrest-management.sh"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        System.out.println("backrest-management.sh " + String.join(" ", args) + ":\n" + out);
        return new Managed(p.exitValue(), out);
    }

    private static List<String> targetsOf(JsonNode run) {
        List<String> names = new ArrayList<>();
        run.path("targets").forEach(t -> names.add(t.path("target").asText()));
        return names;
    }

    /** restic in the repo server's container, on the repo's own files. */
    private static String restic(String... args) {
        try {
            List<String> command = new ArrayList<>(List.of("exec", "-e", "KEY=" + KEY,
                    swarm.taskContainer("node3", STACK + "_repo"), "sh", "-c",
                    "printf %s \"$KEY\" > /tmp/key && restic -r /data/critical --password-file /tmp/key --no-cache \"$@\"",
                    "restic"));
            command.addAll(List.of(args));
            return swarm.docker("node3", command.toArray(String[]::new));
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e.getMessage(), e);
        }
    }

    /** Waits until what {@code get} says satisfies {@code done}; on timeout, says what it said last. */
    /**
     * Waits as {@link TestDocker#await}, asking once a second: each ask here is a {@code docker exec}
     * into a node and another into its task, and five a second kept a core busy for the whole wait.
     */
    private static void awaitNodes(String what, Duration limit, java.util.function.BooleanSupplier condition) {
        TestDocker.await(what, limit, Duration.ofSeconds(1), condition);
    }

    private static void awaitText(String what, Duration limit, java.util.function.Supplier<String> get,
                                  java.util.function.Predicate<String> done) {
        String[] last = {""};
        try {
            awaitNodes(what, limit, () -> done.test(last[0] = get.get()));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; it said last:\n" + last[0], e);
        }
    }

    /** Every lock in the repo, whose (host name, process) it is: blank when there is none. */
    private static String locks() {
        StringBuilder all = new StringBuilder();
        for (String id : restic("list", "locks", "--no-lock").strip().lines().toList()) {
            all.append(restic("cat", "lock", id, "--no-lock").strip()).append('\n');
        }
        return all.toString();
    }

    /** The docker CLI on a node, for a wait's condition. */
    private static String docker(String node, String... args) {
        try {
            return swarm.docker(node, args);
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e.getMessage(), e);
        }
    }

    private static String psql(String node, String sql) {
        try {
            return swarm.inTask(node, STACK + "_postgres", "psql", "-U", "app", "-d", "app", "-tAc", sql).strip();
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e.getMessage(), e);
        }
    }

    /** @param more a header ("Name: value") or a curl option ("-i") each */
    private static String api(String node, String service, String method, String path, String body, String... more) {
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "--max-time", "60", "-X", method, "-H",
                "Authorization: Bearer " + TOKEN, "-H", "Content-Type: application/json"));
        for (String m : more) {
            command.addAll(m.startsWith("-") ? List.of(m) : List.of("-H", m));
        }
        if (body != null) {
            command.addAll(List.of("-d", body));
        }
        command.add("http://127.0.0.1:8080" + path);
        try {
            return swarm.inTask(node, STACK + "_" + service, command.toArray(String[]::new));
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e.getMessage(), e);
        }
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }
}
