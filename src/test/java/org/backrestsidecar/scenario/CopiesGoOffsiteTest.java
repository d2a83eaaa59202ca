package org.backrestsidecar.scenario;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.backrestsidecar.testing.ResticCli;
import org.backrestsidecar.testing.SidecarApi;
import org.backrestsidecar.testing.SidecarStack;
import org.backrestsidecar.testing.TestDocker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Offsite copies against real servers on this machine: repo {@code away} is copied to an SFTP server
 * (Debian's sshd in a container, key login), a REST server ({@code rclone serve restic}) and an S3
 * API server (S3Proxy; its keys from files), after each good run. The REST server is killed in the
 * middle of a copy.
 */
@QuarkusTest
@QuarkusTestResource(SidecarStack.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CopiesGoOffsiteTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Every file of the target's volume with its digest. */
    private static final String SUMS = "cd /data && find . -type f | sort | xargs sha256sum";
    private static String files;

    @BeforeAll
    static void start() {
        files = TestDocker.container("away-files").volume("/data")
                .labels(SidecarStack.serviceLabels("away-files", "away", "volume")).start(TestDocker.IDLE);
        TestDocker.exec(files, "sh", "-c", "head -c 12000000 /dev/urandom > /data/first.bin && echo hello > /data/note.txt")
                .out();
    }

    @AfterAll
    static void remove() {
        TestDocker.remove("away-files");
    }

    @Test
    @Order(1)
    void aGoodRunIsCopiedToEveryCopyWithThePrimarysChunker() throws Exception {
        JsonPath run = SidecarApi.runPlan("away");
        assertEquals("SUCCEEDED", run.getString("state"), run.prettify());
        awaitCopied("sftp");
        awaitCopied("rest");
        awaitCopied("s3");
        awaitCopied("vault");

        Set<String> primary = snapshotTimes(ResticCli.run(SidecarStack.repo("away"), SidecarStack.key("away"),
                "snapshots", "--json"));
        String primaryConfig = ResticCli.run(SidecarStack.repo("away"), SidecarStack.key("away"), "cat", "config");
        for (String copy : List.of("sftp", "rest", "s3", "vault")) {
            assertEquals(primary, copySnapshotTimes(copy), "copy " + copy + " holds every snapshot of the primary");
            ResticCli.remote(SidecarStack.awayCopyUri(copy), SidecarStack.key("away-" + copy),
                    SidecarStack.awayCopyOptions(copy), "check");
            String copyConfig = ResticCli.remote(SidecarStack.awayCopyUri(copy), SidecarStack.key("away-" + copy),
                    SidecarStack.awayCopyOptions(copy), "cat", "config");
            assertEquals(JSON.readTree(primaryConfig).path("chunker_polynomial"),
                    JSON.readTree(copyConfig).path("chunker_polynomial"), "deduplication survives the copy");
            assertEquals(JSON.readTree(primaryConfig).path("version"), JSON.readTree(copyConfig).path("version"),
                    "the same repository version, so the same compression");
        }
        JsonPath plan = given().get("/api/plans/away").then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("rest", "s3", "sftp", "vault"), plan.getList("copies.copy"));
        assertNotNull(plan.getString("copies[0].newestSnapshotTime"), plan.prettify());
        assertTrue(plan.getString("copies.uri").contains("sftp:offsite@127.0.0.1:/srv/copies/away"), plan.prettify());
        given().get("/q/health/well").then()
                .body("checks.find { it.name == 'copy rest of repo away' }.status", org.hamcrest.Matchers.equalTo("UP"));
        String metrics = given().get("/q/metrics").asString();
        assertTrue(metrics.contains("sidecar_copy_newest_snapshot_timestamp_seconds{copy=\"rest\",repo=\"away\"}"),
                "per-copy metrics");
    }

    @Test
    @Order(2)
    void aServerKilledMidCopyFailsTheCopyNotTheBackupAndTheNextCopyCompletes() throws Exception {
        TestDocker.exec(files, "sh", "-c", "head -c 64000000 /dev/urandom > /data/second.bin").out();
        long failedBefore = told("FAILED: copy rest of repo away");
        java.nio.file.Path packs = SidecarStack.root().resolve("rest/away/data");
        long bytesBefore = bytes(packs);
        String id = SidecarApi.startRun("away");
        // 64 MB at the copy's 4 MiB/s limit: killed once it has sent half, more than the packs it has
        // under way at once (5 connections of 4 MiB packs), so whole packs are there
        TestDocker.await("the rest copy under way", Duration.ofMinutes(2),
                () -> copy("rest").path("running").asBoolean() && bytes(packs) - bytesBefore > 32_000_000L);
        SidecarStack.rest().kill();
        long sentBeforeTheKill = bytes(packs) - bytesBefore;
        try {
            JsonPath run = SidecarApi.awaitRun(id, Duration.ofMinutes(3));
            assertEquals("SUCCEEDED", run.getString("state"), "a copy never fails the backup: " + run.prettify());
            TestDocker.await("the rest copy failed", Duration.ofMinutes(2),
                    () -> !copy("rest").path("running").asBoolean() && !noError(copy("rest")));
            TestDocker.await("the failure told", Duration.ofSeconds(30),
                    () -> told("FAILED: copy rest of repo away") == failedBefore + 1);
        } finally {
            SidecarStack.rest().start();
        }
        given().post("/api/repos/away/copies/rest/runs").then().statusCode(202);
        TestDocker.await("the rest copy done", Duration.ofMinutes(3), () -> {
            JsonNode c = copy("rest");
            return !c.path("running").asBoolean() && noError(c) && c.path("lastSuccess").asText().compareTo(
                    c.path("lastAttempt").asText()) >= 0;
        });
        Set<String> primary = snapshotTimes(ResticCli.run(SidecarStack.repo("away"), SidecarStack.key("away"),
                "snapshots", "--json"));
        assertEquals(primary, copySnapshotTimes("rest"), "every snapshot is there after the interrupted copy");
        // the packs sent before the kill are indexed and kept, not sent again: sent twice, the repo would
        // grow by the 64 MB of new (incompressible) data and all that was sent before the kill again; only
        // the packs cut off mid-upload are lost
        long grew = bytes(packs) - bytesBefore;
        assertTrue(grew < 64_000_000L + sentBeforeTheKill - 4_000_000L, "the copy repo grew by " + grew + " bytes for 64 MB of new "
                + "data, " + sentBeforeTheKill + " of which had been sent before the kill");
        ResticCli.remote(SidecarStack.awayCopyUri("rest"), SidecarStack.key("away-rest"), Map.of(), "check");
        TestDocker.await("the recovery told", Duration.ofSeconds(30),
                () -> told("RECOVERED: copy rest of repo away") >= 1);
    }

    /**
     * A drill from the REST copy reads the newest run out of the copy and restores it: it passes, and
     * says so; with the copy's packs damaged (the primary intact) it fails while a drill of the
     * primary still passes: what it proves is the copy.
     */
    @Test
    @Order(3)
    void aDrillFromACopyProvesTheCopy() throws Exception {
        given().queryParam("from", "nope").post("/api/plans/away/drills").then().statusCode(404);
        JsonPath good = SidecarApi.drill("away", "rest");
        assertTrue(good.getBoolean("passed"), good.prettify());
        assertTrue(good.getString("results[0].checks[0]").startsWith("read from copy rest (rest:http://127.0.0.1:"),
                good.prettify());

        java.nio.file.Path packs = SidecarStack.root().resolve("rest/away/data");
        Map<java.nio.file.Path, byte[]> kept = new java.util.HashMap<>();
        try (var all = java.nio.file.Files.walk(packs)) {
            for (java.nio.file.Path pack : all.filter(java.nio.file.Files::isRegularFile).toList()) {
                kept.put(pack, java.nio.file.Files.readAllBytes(pack));
                byte[] garbage = kept.get(pack).clone();
                java.util.Arrays.fill(garbage, garbage.length / 2, garbage.length, (byte) 7);
                java.nio.file.Files.write(pack, garbage);
            }
        }
        try {
            JsonPath damaged = SidecarApi.drill("away", "rest");
            assertEquals(false, damaged.getBoolean("passed"), damaged.prettify());
            assertTrue(damaged.getString("results[0].failure").contains("copy rest"), damaged.prettify());
            JsonPath primary = SidecarApi.drill("away", null);
            assertTrue(primary.getBoolean("passed"), "the primary is intact: " + primary.prettify());
        } finally {
            for (var e : kept.entrySet()) {
                java.nio.file.Files.write(e.getKey(), e.getValue());
            }
        }
        JsonPath again = SidecarApi.drill("away", "rest");
        assertTrue(again.getBoolean("passed"), again.prettify());
        assertEquals(0, TestDocker.client().listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of("backrest-sidecar.helper", TestDocker.INSTANCE)).exec().size(), "no helper left");
        try (var left = java.nio.file.Files.list(SidecarStack.root().resolve("state/drill-from-copy"))) {
            assertEquals(List.of(), left.toList(), "the scratch repo is removed");
        }
    }

    /**
     * README "Recovering onto a new machine", by hand: the host's repo and the container with its
     * volume are gone; the repo is brought back from the S3 copy with restic (the commands the README
     * gives), the container is created anew, and the sidecar's restore puts the files back.
     */
    @Test
    @Order(4)
    void withTheHostGoneTheCopyBringsTheDataBack() throws Exception {
        JsonPath last = goodRun();
        TestDocker.await("copy s3 holds the last run", Duration.ofMinutes(3), () -> {
            JsonNode c = copy("s3");
            return !c.path("running").asBoolean() && noError(c)
                    && c.path("lastSuccess").asText().compareTo(last.getString("endedAt")) > 0;
        });
        // the host is lost after its copies of the last run ended: the copy after s3 (vault), cut by the
        // repo's removal, would stand 20 s retrying to remove its lock from a folder that is gone
        TestDocker.await("every copy of the last run ended", Duration.ofMinutes(3), () -> List.of("sftp", "rest", "s3", "vault")
                .stream().map(CopiesGoOffsiteTest::copy).allMatch(c -> !c.path("running").asBoolean()
                        && c.path("lastAttempt").asText().compareTo(last.getString("endedAt")) > 0));
        String before = TestDocker.exec(files, "sh", "-c", SUMS).out();

        TestDocker.remove("away-files");
        java.nio.file.Path primary = SidecarStack.repo("away");
        TestDocker.run(List.of("rm", "-rf", primary.toString()), Map.of());

        // the new host: the repo from the copy (its chunker kept), with the keys kept off the old host
        Map<String, String> s3 = Map.of("AWS_ACCESS_KEY_ID", org.backrestsidecar.testing.S3Server.ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY", org.backrestsidecar.testing.S3Server.SECRET_KEY);
        for (String verb : List.of("init --copy-chunker-params", "copy")) {
            List<String> command = new java.util.ArrayList<>(List.of("restic", "-r", primary.toString(),
                    "--password-file", SidecarStack.key("away").toString()));
            command.addAll(List.of(verb.split(" ")));
            command.addAll(List.of("--from-repo", SidecarStack.awayCopyUri("s3"), "--from-password-file",
                    SidecarStack.key("away-s3").toString()));
            TestDocker.run(command, s3);
        }
        // before the stack is up again, a recovery finds nothing to restore into: it must say so, not succeed
        TestDocker.await("the old container gone", Duration.ofSeconds(30), () -> !given().get("/api/targets").asString()
                .contains("\"name\":\"away-files\""));
        JsonPath nothingHere = recoveryRestore("s3", "");
        assertEquals("FAILED", nothingHere.getString("state"), nothingHere.prettify());
        assertTrue(nothingHere.getList("steps.findAll { it.name == 'restore away-files' && it.outcome == 'FAILED' }.detail")
                .toString().contains("no container here is target away-files of plan away"), nothingHere.prettify());
        // the management script's record of it: nothing restored, so its next attempt tries the target again
        assertEquals("", ledger(nothingHere));
        // a swarm node's own part says only that nothing of the copy runs on it: the whole swarm's
        // recovery, which asked it, accounts for the target (docs/swarm.md)
        JsonPath nodesPart = recoveryRestore("s3", "?thisNode=true");
        assertEquals(List.of("SKIPPED"), nodesPart.getList("steps.outcome"), nodesPart.prettify());
        assertTrue(nodesPart.getString("steps[0].detail").contains("none of the targets"), nodesPart.prettify());

        files = TestDocker.container("away-files").volume("/data")
                .labels(SidecarStack.serviceLabels("away-files", "away", "volume")).start(TestDocker.IDLE);
        TestDocker.await("the new container found", Duration.ofSeconds(30), () -> given().get("/api/targets").asString()
                .contains("\"name\":\"away-files\""));
        JsonPath restore = SidecarApi.restore(Map.of("target", "away-files", "confirm", "away-files"));
        assertEquals("SUCCEEDED", restore.getString("state"), restore.prettify());
        assertEquals(before, TestDocker.exec(files, "sh", "-c", SUMS).out(), "every file back, byte for byte");
    }

    /** The key of copy vault's owner, kept on its server: the host never holds it. */
    private static java.nio.file.Path ownerKey;

    /**
     * Copy vault is served append-only ({@code rclone serve restic --append-only}, a real server on
     * 127.0.0.1). A taken host, with every key and credential the sidecar has, tries to erase it: restic's
     * forget and prune, removing a key, deleting a snapshot, a pack, an index and a key through the REST
     * API, overwriting a pack. Each is refused, every snapshot is still there and every byte reads back;
     * the sidecar's own runs, copies, prunes and a drill from it go on without an error.
     */
    @Test
    @Order(5)
    void anAppendOnlyCopyKeepsEverySnapshotWhateverTheHostTries() throws Exception {
        JsonPath run = goodRun();
        awaitCopiedAfter("vault", run.getString("endedAt"));
        JsonNode vault = copy("vault");
        assertTrue(vault.path("appendOnly").asBoolean(), vault.toString());
        assertEquals("append-only: retention runs where the copy lives", vault.path("retentionNote").asText());
        String uri = SidecarStack.awayCopyUri("vault");
        java.nio.file.Path hostKey = SidecarStack.key("away-vault");
        // its owner's key, added when the copy was set up, kept on the server
        java.nio.file.Path keys = SidecarStack.vault().dir().resolve("away/keys");
        Set<String> keysBefore = names(keys);
        ownerKey = SidecarStack.root().resolve("vault-owner.key");
        java.nio.file.Files.writeString(ownerKey, "the-owner-of-the-vault-0123456789\n");
        ResticCli.remote(uri, hostKey, Map.of(), "key", "add", "--new-password-file", ownerKey.toString());
        Set<String> ownersKey = names(keys);
        ownersKey.removeAll(keysBefore);
        assertEquals(1, ownersKey.size(), ownersKey.toString());
        Set<String> before = ids(ResticCli.remote(uri, hostKey, Map.of(), "snapshots", "--json"));

        // restic as the taken host would run it
        refused(uri, hostKey, "forget", "--keep-last", "1", "--prune");
        refused(uri, hostKey, "key", "remove", ownersKey.iterator().next());
        // and the REST API directly
        java.nio.file.Path served = SidecarStack.vault().dir().resolve("away");
        String pack = any(served.resolve("data"));
        String base = "http://127.0.0.1:" + SidecarStack.vault().port() + "/away/";
        for (String path : List.of("snapshots/" + before.iterator().next(), "data/" + pack,
                "index/" + any(served.resolve("index")), "keys/" + ownersKey.iterator().next())) {
            assertEquals(403, http("DELETE", base + path), "DELETE " + path);
        }
        byte[] packBytes = java.nio.file.Files.readAllBytes(find(served.resolve("data"), pack));
        assertEquals(403, http("POST", base + "data/" + pack), "a pack overwritten");
        assertTrue(java.util.Arrays.equals(packBytes, java.nio.file.Files.readAllBytes(find(served.resolve("data"), pack))));

        assertEquals(before, ids(ResticCli.remote(uri, hostKey, Map.of(), "snapshots", "--json")), "every snapshot there");
        String check = ResticCli.remote(uri, hostKey, Map.of(), "check", "--read-data");
        assertTrue(check.contains("no errors were found"), check);
        assertTrue(names(keys).containsAll(ownersKey), "the owner's key there");

        // the sidecar's own work on it goes on: a run copied, a prune that leaves it be, a drill from it
        long logged = java.nio.file.Files.size(SidecarStack.vault().log());
        JsonPath next = goodRun();
        awaitCopiedAfter("vault", next.getString("endedAt"));
        // the server's own log: the sidecar asked to delete nothing there but its own locks (so nothing was
        // refused, and restic had nothing to retry)
        List<String> deletes = SidecarStack.vault().requestsSince(logged, "DELETE");
        assertTrue(deletes.stream().allMatch(line -> line.startsWith("DELETE /away/locks/")), deletes.toString());
        assertFalse(deletes.isEmpty(), "the server's log names the copy's lock removed: the log is read");
        JsonPath prunes = given().contentType("application/json").post("/api/repos/away/prunes").then().statusCode(200)
                .extract().jsonPath();
        assertEquals("append-only: retention runs where the copy lives",
                prunes.getString("find { it.repo == 'away/vault' }.output"), prunes.prettify());
        JsonPath drill = SidecarApi.drill("away", "vault");
        assertTrue(drill.getBoolean("passed"), drill.prettify());
        String status = given().get("/api/status").asString();
        assertTrue(status.contains("copy vault of repo away: append-only: retention runs where the copy lives"), status);
        given().get("/q/health/well").then().body("checks.find { it.name == 'copy vault of repo away' }.data.retention",
                org.hamcrest.Matchers.equalTo("append-only: retention runs where the copy lives"));
        given().get("/api/repos/away/copies/rest/retention").then().statusCode(404);
    }

    /**
     * The retention of copy vault, as the sidecar gives it for its server, run there with its owner's key
     * (restic on the folder the server serves): of a series of one snapshot a day it keeps each day's
     * newest for three days and nothing older (tiers {@code daily: 3}), and nothing else goes. Before, the
     * sidecar counts what has been past those tiers for over a week and says so; after, none, and the
     * next copy does not send again what the retention removed (the primary still holds it).
     */
    @Test
    @Order(6)
    void theCopysRetentionOnItsServerRemovesWhatItsTiersSayAndNothingElse() throws Exception {
        java.nio.file.Path folder = java.nio.file.Files.createTempDirectory(SidecarStack.root(), "series");
        java.nio.file.Files.writeString(folder.resolve("a.txt"), "one file of an old series\n");
        // a series of one snapshot a day, copied as it grew: first three days, each sent (within three
        // days of the newest then), and twelve days on three more
        for (List<String> days : List.of(List.of("2026-05-27 11:00:00", "2026-05-28 11:00:00", "2026-05-29 11:00:00"),
                List.of("2026-06-08 11:00:00", "2026-06-09 11:00:00", "2026-06-10 12:00:00"))) {
            for (String time : days) {
                ResticCli.run(SidecarStack.repo("away"), SidecarStack.key("away"), "backup", "--host", "series",
                        "--tag", "plan:away", "--time", time, folder.toString());
            }
            String asked = java.time.Instant.now().toString();
            given().post("/api/repos/away/copies/vault/runs").then().statusCode(202);
            awaitCopiedAfter("vault", asked);
        }
        // 05-27 to 05-29 are outside three days and a week's grace of 06-10
        assertEquals(3, copy("vault").path("pastRetention").asInt(), copy("vault").toString());
        assertTrue(given().get("/q/metrics").asString()
                .contains("sidecar_copy_past_retention_snapshots{copy=\"vault\",repo=\"away\"} 3.0"));
        assertTrue(given().get("/api/status").asString().contains("3 snapshots past its tiers for over a week"));

        String script = given().get("/api/repos/away/copies/vault/retention").then().statusCode(200).extract().asString();
        java.nio.file.Path served = SidecarStack.vault().dir().resolve("away");
        Map<String, String> owner = Map.of("RESTIC_REPOSITORY", served.toString(), "RESTIC_PASSWORD_FILE",
                ownerKey.toString(), "RESTIC_CACHE_DIR", SidecarStack.root().resolve("owner-cache").toString());
        JsonNode all = JSON.readTree(ResticCli.run(served, ownerKey, "snapshots", "--json"));
        // worked out here from the snapshots: the plan's, each (host, paths) group by its tiers; the
        // safety snapshots of restores (no plan), each group's within 30 days of its newest
        Set<String> expectedGone = new TreeSet<>();
        Map<String, List<JsonNode>> groups = new java.util.HashMap<>();
        all.forEach(snap -> groups.computeIfAbsent(snap.path("tags").toString().contains("\"safety\"") + " "
                + snap.path("hostname").asText() + snap.path("paths"), g -> new java.util.ArrayList<>()).add(snap));
        groups.forEach((group, snaps) -> expectedGone.addAll(group.startsWith("true")
                ? outside(snaps, 30, false) : outside(snaps, 3, true)));
        Set<String> series = new TreeSet<>();
        all.forEach(snap -> {
            if (snap.path("hostname").asText().equals("series") && snap.path("time").asText().startsWith("2026-05-2")) {
                series.add(snap.path("id").asText());
            }
        });
        assertEquals(3, series.size());
        assertTrue(expectedGone.containsAll(series), "of the series, 05-27 to 05-29 go");

        TestDocker.run(List.of("sh", "-c", script), owner);
        Set<String> left = ids(ResticCli.run(served, ownerKey, "snapshots", "--json"));
        Set<String> gone = ids(all.toString());
        gone.removeAll(left);
        assertEquals(expectedGone, gone, "what the tiers say goes, and nothing else");
        String check = ResticCli.run(served, ownerKey, "check", "--read-data");
        assertTrue(check.contains("no errors were found"), check);

        String again = java.time.Instant.now().toString();
        given().post("/api/repos/away/copies/vault/runs").then().statusCode(202);
        awaitCopiedAfter("vault", again);
        assertEquals(0, copy("vault").path("pastRetention").asInt(), copy("vault").toString());
        assertEquals(0, copy("vault").path("snapshotsCopied").asInt(),
                "what its retention removed there is not sent again: " + copy("vault"));
        assertEquals(left, ids(ResticCli.run(served, ownerKey, "snapshots", "--json")));
    }

    /**
     * The host's repo is lost: the recovery brings it back from the append-only copy (it only reads
     * there) and restores the target from it, byte for byte.
     */
    @Test
    @Order(7)
    void theRecoveryBringsTheRepoBackFromTheAppendOnlyCopy() throws Exception {
        JsonPath last = goodRun();
        awaitCopiedAfter("vault", last.getString("endedAt"));
        String before = TestDocker.exec(files, "sh", "-c", SUMS).out();
        TestDocker.run(List.of("rm", "-rf", SidecarStack.repo("away").toString()), Map.of());
        TestDocker.exec(files, "sh", "-c", "rm -rf /data/* && echo ransom > /data/README.txt").out();

        String pull = given().post("/api/recovery/vault/pulls").then().statusCode(202).extract().path("id");
        TestDocker.await("the pull from vault ended", Duration.ofMinutes(3),
                () -> !"RUNNING".equals(given().get("/api/recovery/jobs/" + pull).then().extract().path("state")));
        JsonPath pulled = given().get("/api/recovery/jobs/" + pull).then().statusCode(200).extract().jsonPath();
        assertEquals("SUCCEEDED", pulled.getString("state"), pulled.prettify());
        JsonPath restored = recoveryRestore("vault", "");
        assertEquals("SUCCEEDED", restored.getString("state"), restored.prettify());
        assertEquals(before, TestDocker.exec(files, "sh", "-c", SUMS).out(), "every file back, byte for byte");
        assertEquals("restored away-files\n", ledger(restored), "what the management script records");
        String held = given().get("/api/recovery/vault/held").then().statusCode(200).extract().asString();
        assertEquals(List.of("away-files away"), held.lines().toList(), "the copy's targets with their plans");

        // the script's record (.recovery/vault.done) as it stands now: the sidecar owes a drill of
        // plan away, and will not say RECOVERED before it passed
        List<String> record = new java.util.ArrayList<>(List.of("pulled"));
        record.addAll(ledger(restored).lines().toList());
        assertEquals("away\n", recordSays("drills-owed", record));
        assertEquals("NOT RECOVERED: drills not passed: away. Fix what the steps above say and run recover again: it "
                + "goes on from there\n", recordSays("verdict", record));
        JsonPath drill = SidecarApi.drill("away", null);
        assertEquals(Boolean.TRUE, drill.getBoolean("passed"), drill.prettify());
        record.add("drilled away");
        assertEquals("", recordSays("drills-owed", record));
        assertEquals("RECOVERED: 1 target restored (away-files), 1 drill passed (away)\n", recordSays("verdict", record));
        // a record the script never wrote is refused by its line, never read as recovered
        given().contentType("application/json").body(Map.of("lines", List.of("pulled", "RECOVERED: everything")))
                .post("/api/recovery/vault/verdict").then().statusCode(400)
                .body("error", org.hamcrest.Matchers.startsWith("line 2 of the recovery's record is none the "
                        + "management script writes: 'RECOVERED: everything'"));
    }

    /** What the sidecar answers to the management script's record of a recovery from copy vault. */
    private static String recordSays(String what, List<String> record) {
        return given().contentType("application/json").body(Map.of("lines", record))
                .post("/api/recovery/vault/" + what).then().statusCode(200).extract().asString();
    }

    /** The recovery job's ledger (GET .../ledger), the lines the management script keeps across attempts. */
    private static String ledger(JsonPath job) {
        return given().get("/api/recovery/jobs/" + job.getString("id") + "/ledger").then().statusCode(200)
                .extract().asString();
    }

    /**
     * Every copy is checked with its own key, and read back a part at a time as its repo is: one byte of
     * one pack of copy rest flipped on its server's disk is found within N data checks (readBackIn 4),
     * its part is read again at every data check and the copy's health stays DOWN until the byte is put
     * back; then a clean round is a full read-back of the copy. The append-only copy is checked too (a
     * check writes only its lock); a copy that says readBack: false is checked, never read back.
     */
    @Test
    @Order(8)
    void everyCopyIsReadBackAndADamagedPackKeepsItRedUntilReadClean() throws Exception {
        assertTrue(checkCopy("vault", false).getBoolean("passed"), "the append-only copy's structure");
        assertTrue(checkCopy("s3", false).getBoolean("passed"), "the cloud copy's structure");
        String refused = given().post("/api/repos/away/copies/s3/checks?data=true").then().statusCode(400).extract().asString();
        assertTrue(refused.contains("copy s3 of repo away is not read back (readBack: false"), refused);
        given().post("/api/repos/away/copies/nowhere/checks").then().statusCode(404);

        java.nio.file.Path packs = SidecarStack.rest().dir().resolve("away/data");
        java.nio.file.Path pack;
        try (var files = java.nio.file.Files.walk(packs)) {
            pack = files.filter(java.nio.file.Files::isRegularFile).max(java.util.Comparator.comparingLong(
                    f -> f.toFile().length())).orElseThrow();
        }
        byte[] good = java.nio.file.Files.readAllBytes(pack);
        byte[] bad = good.clone();
        bad[bad.length / 2] ^= 0x5a;
        java.nio.file.Files.write(pack, bad);
        try {
            String failedPart = null;
            for (int i = 0; i < 4 && failedPart == null; i++) {
                JsonPath check = checkCopy("rest", true);
                if (!check.getBoolean("passed")) {
                    failedPart = check.getString("part");
                }
            }
            assertNotNull(failedPart, "the flipped byte found within readBackIn (4) data checks");
            JsonPath again = checkCopy("rest", true);
            assertEquals(failedPart, again.getString("part"), "the failed part read again first");
            assertFalse(again.getBoolean("passed"), again.prettify());
            assertEquals(Integer.parseInt(failedPart.split("/")[0]), given().get("/api/repos/read-back").jsonPath()
                    .getInt("find { it.repo == 'away/rest' }.failedPart"));
            assertEquals("DOWN", copyHealth("rest"), "the copy's health while its damage is not read clean");
            assertEquals("UP", copyHealth("sftp"), "another copy's is its own");

            java.nio.file.Files.write(pack, good);
            JsonPath repaired = checkCopy("rest", true);
            assertEquals(failedPart, repaired.getString("part"));
            assertTrue(repaired.getBoolean("passed"), repaired.prettify());
            for (int i = 0; i < 4 && given().get("/api/repos/read-back").jsonPath()
                    .getString("find { it.repo == 'away/rest' }.lastFull") == null; i++) {
                assertTrue(checkCopy("rest", true).getBoolean("passed"));
            }
            assertNotNull(given().get("/api/repos/read-back").jsonPath().getString("find { it.repo == 'away/rest' }.lastFull"),
                    "every part of copy rest read back clean: a full read-back");
            assertEquals("UP", copyHealth("rest"));
            assertTrue(given().get("/api/repos/read-back").jsonPath().getList("repo").stream()
                    .noneMatch("away/s3"::equals), "a copy not read back has no read-back");
        } finally {
            java.nio.file.Files.write(pack, good);
        }
    }

    private static JsonPath checkCopy(String copy, boolean data) {
        return given().post("/api/repos/away/copies/" + copy + "/checks?data=" + data).then().statusCode(200)
                .extract().jsonPath();
    }

    private static String copyHealth(String copy) {
        return given().get("/q/health/well").jsonPath()
                .getString("checks.find { it.name == 'restic check of copy " + copy + " of repo away' }.status");
    }

    /**
     * Of one (host, paths) group, what restic removes with {@code --keep-within-daily <days>d} (each day's
     * newest within that many days of the group's newest) or {@code --keep-within <days>d} (every one).
     */
    private static Set<String> outside(List<JsonNode> group, int days, boolean dailyOnly) {
        List<JsonNode> byTime = new java.util.ArrayList<>(group);
        byTime.sort(java.util.Comparator.comparing((JsonNode s) -> java.time.OffsetDateTime.parse(s.path("time").asText())).reversed());
        java.time.OffsetDateTime newest = java.time.OffsetDateTime.parse(byTime.get(0).path("time").asText());
        Set<String> seenDays = new java.util.HashSet<>();
        Set<String> gone = new TreeSet<>();
        for (JsonNode s : byTime) {
            java.time.OffsetDateTime t = java.time.OffsetDateTime.parse(s.path("time").asText());
            boolean firstOfItsDay = seenDays.add(s.path("time").asText().substring(0, 10));
            if ((firstOfItsDay || !dailyOnly) && t.isAfter(newest.minusDays(days))) {
                continue;
            }
            gone.add(s.path("id").asText());
        }
        return gone;
    }

    /**
     * restic as the taken host would run it, refused by the server: the first 403 it prints is the
     * refusal. restic 0.14 then retries the refused request for about 100 s before it gives up (what
     * this test waited for until now, twice); it is stopped at the first, as its operator would stop it,
     * and what the server still holds is checked after.
     */
    private static void refused(String uri, java.nio.file.Path key, String... args) throws Exception {
        Process restic = ResticCli.startRemote(uri, key, Map.of(), args);
        StringBuilder said = new StringBuilder();
        try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(restic.getInputStream(),
                java.nio.charset.StandardCharsets.UTF_8))) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                said.append(line).append('\n');
                if (line.contains("403")) {
                    return;
                }
            }
            restic.waitFor();
            throw new AssertionError("restic " + String.join(" ", args) + " was not refused (exit "
                    + restic.exitValue() + "): " + said);
        } finally {
            restic.destroyForcibly().waitFor();
            // its lock stays (restic 0.14 interrupted does not remove it): the operator's `restic unlock`
            // removes it as stale (the server allows deleting locks), or the next command is locked out
            ResticCli.remote(uri, key, Map.of(), "unlock");
        }
    }

    private static int http(String method, String url) throws Exception {
        var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
                .method(method, method.equals("POST") ? java.net.http.HttpRequest.BodyPublishers.ofString("not a pack")
                        : java.net.http.HttpRequest.BodyPublishers.noBody()).build();
        return java.net.http.HttpClient.newHttpClient().send(request, java.net.http.HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    private static Set<String> names(java.nio.file.Path dir) throws java.io.IOException {
        try (var files = java.nio.file.Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).collect(java.util.stream.Collectors.toCollection(TreeSet::new));
        }
    }

    private static String any(java.nio.file.Path dir) throws java.io.IOException {
        try (var files = java.nio.file.Files.walk(dir)) {
            return files.filter(java.nio.file.Files::isRegularFile).findFirst().orElseThrow().getFileName().toString();
        }
    }

    private static java.nio.file.Path find(java.nio.file.Path dir, String name) throws java.io.IOException {
        try (var files = java.nio.file.Files.walk(dir)) {
            return files.filter(f -> f.getFileName().toString().equals(name)).findFirst().orElseThrow();
        }
    }

    private static Set<String> ids(String snapshotsJson) throws java.io.IOException {
        Set<String> out = new TreeSet<>();
        JSON.readTree(snapshotsJson).forEach(s -> out.add(s.path("id").asText()));
        return out;
    }

    private static void awaitCopiedAfter(String copy, String after) {
        TestDocker.await("copy " + copy + " after " + after, Duration.ofMinutes(3), () -> {
            JsonNode c = copy(copy);
            return !c.path("running").asBoolean() && c.path("lastAttempt").asText().compareTo(after) > 0;
        });
        assertTrue(noError(copy(copy)), copy(copy).toString());
    }

    /** A run of plan away, which must succeed. */
    private static JsonPath goodRun() {
        JsonPath run = SidecarApi.runPlan("away");
        assertEquals("SUCCEEDED", run.getString("state"), run.prettify());
        return run;
    }

    private static JsonPath recoveryRestore(String copy, String query) {
        String id = given().contentType("application/json").body(Map.of("confirm", copy))
                .post("/api/recovery/" + copy + "/restores" + query).then().statusCode(202).extract().path("id");
        TestDocker.await("recovery restore " + id + " ended", Duration.ofMinutes(3),
                () -> !"RUNNING".equals(given().get("/api/recovery/jobs/" + id).then().extract().path("state")));
        return given().get("/api/recovery/jobs/" + id).then().statusCode(200).extract().jsonPath();
    }

    private static long bytes(java.nio.file.Path dir) {
        try (var files = java.nio.file.Files.walk(dir)) {
            return files.filter(java.nio.file.Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    private static void awaitCopied(String copy) {
        TestDocker.await("copy " + copy + " up to date", Duration.ofMinutes(3), () -> {
            JsonNode c = copy(copy);
            return c.path("lastSuccess").isTextual() && !c.path("running").asBoolean();
        });
        assertTrue(noError(copy(copy)), copy(copy).toString());
    }

    /** The API leaves out empty fields. */
    private static boolean noError(JsonNode copy) {
        return copy.path("error").isMissingNode() || copy.path("error").isNull();
    }

    private static JsonNode copy(String id) {
        try {
            for (JsonNode c : JSON.readTree(given().get("/api/repos/copies").then().statusCode(200).extract().asString())) {
                if (c.path("repo").asText().equals("away") && c.path("copy").asText().equals(id)) {
                    return c;
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        throw new AssertionError("no copy " + id);
    }

    private static Set<String> copySnapshotTimes(String copy) throws Exception {
        return snapshotTimes(ResticCli.remote(SidecarStack.awayCopyUri(copy), SidecarStack.key("away-" + copy),
                SidecarStack.awayCopyOptions(copy), "snapshots", "--json"));
    }

    /** A snapshot and its copy share time, paths and tags (the id differs): compare by those. */
    private static Set<String> snapshotTimes(String json) throws Exception {
        Set<String> out = new TreeSet<>();
        for (JsonNode s : JSON.readTree(json)) {
            out.add(s.path("time").asText() + " " + s.path("paths") + " " + s.path("tags"));
        }
        return out;
    }

    private static long told(String part) {
        return SidecarStack.telegram().texts().stream().filter(t -> t.contains(part)).count();
    }
}
