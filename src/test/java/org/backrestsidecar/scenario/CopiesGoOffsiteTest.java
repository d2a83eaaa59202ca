package org.backrestsidecar.scenario;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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

        Set<String> primary = snapshotTimes(ResticCli.run(SidecarStack.repo("away"), SidecarStack.key("away"),
                "snapshots", "--json"));
        String primaryConfig = ResticCli.run(SidecarStack.repo("away"), SidecarStack.key("away"), "cat", "config");
        for (String copy : List.of("sftp", "rest", "s3")) {
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
        assertEquals(List.of("rest", "s3", "sftp"), plan.getList("copies.copy"));
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
                .withLabelFilter(Map.of("backrest-sidecar.helper", "test-host")).exec().size(), "no helper left");
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
        String sums = "cd /data && find . -type f | sort | xargs sha256sum";
        JsonPath last = SidecarApi.runPlan("away");
        assertEquals("SUCCEEDED", last.getString("state"), last.prettify());
        TestDocker.await("copy s3 holds the last run", Duration.ofMinutes(3), () -> {
            JsonNode c = copy("s3");
            return !c.path("running").asBoolean() && noError(c)
                    && c.path("lastSuccess").asText().compareTo(last.getString("endedAt")) > 0;
        });
        String before = TestDocker.exec(files, "sh", "-c", sums).out();

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
        assertEquals(before, TestDocker.exec(files, "sh", "-c", sums).out(), "every file back, byte for byte");
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
