package org.backrestsidecar.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import io.restassured.path.json.JsonPath;
import org.backrestsidecar.testing.SidecarApi;
import org.backrestsidecar.testing.SidecarStack;
import org.backrestsidecar.testing.TestDocker;
import org.junit.jupiter.api.Test;

/** scripts/backrest-management.sh against the running sidecar, as an operator types it. */
@QuarkusTest
@QuarkusTestResource(SidecarStack.class)
class ManagementScriptTest {
    @TestHTTPResource("/")
    URL sidecar;

    private record Result(int exit, String output) {
    }

    private Result script(String url, String token, String... args) throws Exception {
        Path tokenFile = Files.createTempFile("token", "");
        Files.writeString(tokenFile, token);
        var command = new java.util.ArrayList<>(java.util.List.of("bash", "scripts/backrest-management.sh"));
        command.addAll(java.util.List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("SIDECAR_URL", url);
        pb.environment().put("SIDECAR_API_TOKEN_FILE", tokenFile.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES));
        return new Result(p.exitValue(), out);
    }

    private String base() {
        return sidecar.toString().replaceFirst("/$", "");
    }

    @Test
    void backupFollowsTheRunToItsEnd() throws Exception {
        Result r = script(base(), SidecarStack.API_TOKEN, "backup", "hourly");
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("SUCCEEDED"), r.output());
        Result targets = script(base(), SidecarStack.API_TOKEN, "targets");
        assertEquals(0, targets.exit(), targets.output());
        assertTrue(targets.output().contains("pg-main"), targets.output());
    }

    /**
     * Asked while its plan runs (the schedule's run, another operator's), backup waits for the run under
     * way, then starts its own: the backup it reports began after it was asked. (A CI run once failed
     * when the bundle's 03:00 schedule started a run as the test asked for one.) The target's pre hook
     * holds the first run 8 s, long enough for the script to find it running.
     */
    @Test
    void backupAskedWhileThePlanRunsWaitsForThatRunThenRunsItsOwn() throws Exception {
        TestDocker.container("asked-twice").volume("/data").labels(SidecarStack.serviceLabels("asked-twice", "asked",
                "volume", "backup.exec.pre", "[\"sh\",\"-c\",\"sleep 8\"]")).start(TestDocker.IDLE);
        try {
            String first = SidecarApi.startRun("asked");
            Result r = script(base(), SidecarStack.API_TOKEN, "backup", "asked");
            assertEquals(0, r.exit(), r.output());
            assertTrue(r.output().contains("plan asked is already running (run " + first + "): waiting for it to end"),
                    r.output());
            JsonPath firstRun = SidecarApi.awaitRun(first, Duration.ofSeconds(30));
            JsonPath own = io.restassured.RestAssured.when().get("/api/runs?plan=asked").then().statusCode(200)
                    .extract().jsonPath();
            String ownId = own.getString("[0].id");
            assertTrue(!ownId.equals(first) && r.output().contains("run of plan asked started: /api/runs/" + ownId)
                    && r.output().endsWith("run of plan asked SUCCEEDED\n"), r.output());
            assertEquals("SUCCEEDED", own.getString("[0].state"));
            assertTrue(!Instant.parse(own.getString("[0].startedAt")).isBefore(Instant.parse(firstRun.getString("endedAt"))),
                    "its own run began after the one under way ended: " + own.prettify());
        } finally {
            TestDocker.remove("asked-twice");
        }
    }

    @Test
    void restoreShowsADryRunAsksAndFollowsTheRestore() throws Exception {
        assertEquals(0, script(base(), SidecarStack.API_TOKEN, "backup", "critical").exit());
        Result unasked = script(base(), SidecarStack.API_TOKEN, "restore", "pg-main", "--database", "auth");
        assertEquals(1, unasked.exit(), unasked.output());
        assertTrue(unasked.output().contains("database auth replaced") && unasked.output().contains("add --yes"),
                unasked.output());

        Result copied = script(base(), SidecarStack.API_TOKEN, "restore", "pg-main", "--database", "auth",
                "--new-database", "auth_from_script", "--yes");
        assertEquals(0, copied.exit(), copied.output());
        assertTrue(copied.output().contains("restore of pg-main SUCCEEDED"), copied.output());
        assertEquals(SidecarStack.main().checksum("auth", "users"), SidecarStack.main().checksum("auth_from_script", "users"));
        SidecarStack.main().sql("postgres", "DROP DATABASE auth_from_script");

        // followed to its end: all of pg-main's databases restored and counted before it says PASSED
        Result drill = script(base(), SidecarStack.API_TOKEN, "drill", "critical");
        assertEquals(0, drill.exit(), drill.output());
        assertTrue(drill.output().contains("PASSED") && drill.output().contains("database app rows per table")
                && drill.output().contains("database auth rows per table"), drill.output());
    }

    /** docs/restore.md: `drill <plan> --target <target>` drills that one target, and names the plan's when it has no such one. */
    @Test
    void aDrillOfOneTargetDrillsThatOneOnly() throws Exception {
        assertEquals("SUCCEEDED", SidecarApi.runPlan("critical").getString("state"));
        Result one = script(base(), SidecarStack.API_TOKEN, "drill", "critical", "--target", "pg-main");
        assertEquals(0, one.exit(), one.output());
        assertTrue(one.output().contains("PASSED") && one.output().matches("(?s).*\"target\": ?\"pg-main\".*"), one.output());
        assertTrue(one.output().lines().filter(l -> l.matches("\\s*\"target\": ?\"[^\"]*\",?"))
                .allMatch(l -> l.contains("\"pg-main\"")), "pg-main alone: " + one.output());

        Result none = script(base(), SidecarStack.API_TOKEN, "drill", "critical", "--target", "nope");
        assertEquals(1, none.exit(), none.output());
        assertTrue(none.output().contains("answered 404") && none.output().contains("plan critical has no target nope to "
                + "drill (its targets: ") && none.output().contains("pg-main"), none.output());
        Result odd = script(base(), SidecarStack.API_TOKEN, "drill", "critical", "--everything");
        assertEquals(1, odd.exit(), odd.output());
        assertTrue(odd.output().contains("drill <plan> [--from <copy>] [--target <target>]: unknown '--everything'"),
                odd.output());
    }

    @Test
    void statusIsATableForPeopleAndJsonForMachines() throws Exception {
        assertEquals("SUCCEEDED", SidecarApi.runPlan("critical").getString("state"));
        Result table = script(base(), SidecarStack.API_TOKEN, "status");
        assertEquals(0, table.exit(), table.output());
        assertTrue(table.output().startsWith("PLAN ") && table.output().contains("LAST GOOD BACKUP"), table.output());
        String critical = table.output().lines().filter(l -> l.startsWith("critical ")).findFirst().orElseThrow();
        assertTrue(critical.contains(" min ago)") && critical.contains(" fresh ")
                && (critical.endsWith(" KiB") || critical.endsWith(" MiB")), critical);
        Result json = script(base(), SidecarStack.API_TOKEN, "status", "--json");
        assertEquals(0, json.exit(), json.output());
        assertTrue(json.output().contains("\"freshness\"") && json.output().contains("\"repoBytes\""), json.output());
    }

    @Test
    void errorsSayWhatWentWrong() throws Exception {
        Result unknown = script(base(), SidecarStack.API_TOKEN, "backup", "nope");
        assertEquals(1, unknown.exit());
        assertTrue(unknown.output().contains("POST /api/plans/nope/runs answered 404") && unknown.output().contains("no plan nope"),
                unknown.output());
        Result badToken = script(base(), "not-the-token-0123456789abcdef", "status");
        assertEquals(1, badToken.exit());
        assertTrue(badToken.output().contains("answered 401"), badToken.output());
        Result down = script("http://127.0.0.1:1", SidecarStack.API_TOKEN, "status");
        assertEquals(1, down.exit());
        assertTrue(down.output().contains("the sidecar at http://127.0.0.1:1 does not answer"), down.output());
    }
}
