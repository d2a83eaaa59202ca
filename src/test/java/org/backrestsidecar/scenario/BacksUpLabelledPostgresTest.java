package org.backrestsidecar.scenario;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.backrestsidecar.testing.PostgresContainer;
import org.backrestsidecar.testing.ResticCli;
import org.backrestsidecar.testing.SidecarApi;
import org.backrestsidecar.testing.SidecarStack;
import org.backrestsidecar.testing.TestDocker;
import org.junit.jupiter.api.Test;

/**
 * A labelled Postgres is backed up by POST /api/plans/critical/runs, and what restic holds restores
 * into a fresh Postgres with every row the same.
 */
@QuarkusTest
@QuarkusTestResource(SidecarStack.class)
class BacksUpLabelledPostgresTest {

    @Test
    void dumpRestoresIntoAFreshPostgresWithTheSameRows() throws Exception {
        PostgresContainer live = SidecarStack.main();
        String appBefore = live.checksum("app", "items");
        String authBefore = live.checksum("auth", "users");
        // an app's session holds a temporary table while the backup runs: no other session may read
        // it, and the dump's facts must not try (they did once, and every dump of that database failed)
        TestDocker.run(List.of("docker", "exec", "-d", live.id(), "psql", "-U", "postgres", "-d", "app", "-c",
                "CREATE TEMP TABLE app_session_scratch (x int)", "-c", "INSERT INTO app_session_scratch VALUES (1)",
                "-c", "SELECT pg_sleep(600)"), Map.of());
        TestDocker.await("the app's session to hold its temporary table", java.time.Duration.ofSeconds(30),
                () -> live.sql("app", "SELECT count(*) FROM pg_class WHERE relname = 'app_session_scratch'").strip()
                        .equals("1"));

        JsonPath run;
        try {
            run = SidecarApi.runPlan("critical");
        } finally {
            live.sql("postgres", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(600)%'"
                    + " AND pid <> pg_backend_pid()");
        }
        assertEquals("SUCCEEDED", run.getString("state"), run.prettify());
        List<String> snapshotIds = run.getList("targets.find { it.target == 'pg-main' }.snapshots");
        assertEquals(5, snapshotIds.size(), "globals + app + auth + postgres + the facts: " + run.prettify());

        Path repo = SidecarStack.repo("critical");
        Path key = SidecarStack.key("critical");
        JsonNode snapshots = new ObjectMapper().readTree(ResticCli.run(repo, key, "snapshots", "--json"));
        List<String> paths = new ArrayList<>();
        for (JsonNode s : snapshots) {
            // restic 0.14 reports the short id after a backup, newer ones the full id
            if (snapshotIds.stream().anyMatch(id -> s.path("id").asText().startsWith(id))) {
                List<String> tags = new ArrayList<>();
                s.path("tags").forEach(t -> tags.add(t.asText()));
                assertTrue(tags.containsAll(List.of("plan:critical", "created-by:" + TestDocker.INSTANCE, "target:pg-main")),
                        "tags Backrest files the snapshot by: " + tags);
                assertEquals(TestDocker.INSTANCE, s.path("hostname").asText());
                paths.add(s.path("paths").get(0).asText());
            }
        }
        assertEquals(List.of("/pg-main/app.dump", "/pg-main/auth.dump", "/pg-main/backup-facts.json", "/pg-main/globals.sql",
                        "/pg-main/postgres.dump"),
                paths.stream().sorted().toList());

        PostgresContainer fresh = PostgresContainer.start("pg-restored", Map.of());
        try {
            Path work = Files.createTempDirectory("bsc-restore");
            for (String file : List.of("app.dump", "auth.dump", "globals.sql")) {
                String snapshot = snapshotFor(snapshots, "/pg-main/" + file);
                ResticCli.dump(repo, key, snapshot, "/pg-main/" + file, work.resolve(file));
                TestDocker.copyInto(fresh.id(), work.resolve(file), "/tmp");
            }
            TestDocker.exec(fresh.id(), "psql", "-U", "postgres", "-v", "ON_ERROR_STOP=0", "-f", "/tmp/globals.sql").out();
            for (String db : List.of("app", "auth")) {
                fresh.sql("postgres", "CREATE DATABASE " + db);
                TestDocker.exec(fresh.id(), "pg_restore", "-U", "postgres", "-d", db, "--exit-on-error",
                        "/tmp/" + db + ".dump").out();
            }
            assertEquals(appBefore, fresh.checksum("app", "items"));
            assertEquals(authBefore, fresh.checksum("auth", "users"));
            assertEquals("t", fresh.sql("postgres", "SELECT count(*) = 1 FROM pg_roles WHERE rolname = 'reader'"),
                    "globals.sql brought the role back");
        } finally {
            fresh.remove();
        }

        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("sidecar_target_last_success_timestamp_seconds{plan=\"critical\",target=\"pg-main\"}"))
                .body(containsString("sidecar_target_runs_total{plan=\"critical\",result=\"success\",target=\"pg-main\"}"))
                .body(containsString("sidecar_target_snapshots_kept{plan=\"critical\",target=\"pg-main\"}"))
                .body(containsString("sidecar_repo_size_bytes{repo=\"critical\"}"))
                .body(containsString("sidecar_plan_runs_total{plan=\"critical\",result=\"success\"}"));

        given().get("/api/snapshots?plan=critical&target=pg-main").then().statusCode(200)
                .body("size()", org.hamcrest.Matchers.greaterThanOrEqualTo(3))
                .body("[0].tags", org.hamcrest.Matchers.hasItem("target:pg-main"));
    }

    @Test
    void eachRepoOpensOnlyWithItsOwnKey() throws Exception {
        assertEquals("SUCCEEDED", SidecarApi.runPlan("critical").getString("state"));
        assertThrows(IOException.class,
                () -> ResticCli.run(SidecarStack.repo("critical"), SidecarStack.key("models"), "cat", "config"),
                "the models key must not open the critical repo");
        ResticCli.run(SidecarStack.repo("critical"), SidecarStack.key("critical"), "cat", "config");
    }

    private static String snapshotFor(JsonNode snapshots, String path) {
        String newest = null;
        String newestTime = "";
        for (JsonNode s : snapshots) {
            if (s.path("paths").get(0).asText().equals(path) && s.path("time").asText().compareTo(newestTime) > 0) {
                newest = s.path("id").asText();
                newestTime = s.path("time").asText();
            }
        }
        assertTrue(newest != null, "a snapshot of " + path);
        return newest;
    }
}
