package org.backrestsidecar.scenario;

import static io.restassured.RestAssured.when;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.StreamSupport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.backrestsidecar.backrest.BackrestException;
import org.backrestsidecar.backrest.BackrestConfigRules;
import org.backrestsidecar.backrest.BackrestSync;
import org.backrestsidecar.testing.FakeBackrest;
import org.backrestsidecar.testing.SidecarApi;
import org.backrestsidecar.testing.SidecarStack;
import org.backrestsidecar.testing.TestDocker;
import org.junit.jupiter.api.Test;

/**
 * Backrest (a stand-in speaking its documented Connect JSON: Backrest itself cannot be had here)
 * shows the sidecar's repos and plans, keeps the operator's own, indexes after each run, and being
 * down never fails a backup.
 */
@QuarkusTest
@QuarkusTestResource(SidecarStack.class)
class KeepsBackrestInStepTest {
    @Inject
    BackrestSync sync;

    private static FakeBackrest backrest() {
        return SidecarStack.backrest();
    }

    @Test
    void backrestHasOurReposAndPlansBesideTheOperatorsOwn() throws Exception {
        sync.sync();
        JsonNode config = backrest().config();
        List<String> repos = ids(config.path("repos"));
        List<String> plans = ids(config.path("plans"));
        assertTrue(repos.containsAll(List.of("offsite", "critical", "models", "system", "spare")), repos.toString());
        assertTrue(plans.containsAll(List.of("photos", "critical", "models", "system", "hourly")), plans.toString());
        for (JsonNode repo : config.path("repos")) {
            if (!repo.path("id").asText().equals("offsite")) {
                assertEquals(Files.readString(SidecarStack.key(repo.path("id").asText())).strip(),
                        repo.path("password").asText(), "Backrest opens the repo with its own key");
            }
        }
        for (JsonNode plan : config.path("plans")) {
            if (!plan.path("id").asText().equals("photos")) {
                assertTrue(plan.path("schedule").path("disabled").asBoolean(), plan.toString());
            }
        }
        ObjectNode withoutAuth = config.deepCopy();
        withoutAuth.remove("auth"); // GetConfig masks the hashes; setup writes the real ones
        assertEquals(List.of(), BackrestConfigRules.problems(withoutAuth));
        int calls = backrest().setConfigs().size();
        sync.sync();
        assertEquals(calls, backrest().setConfigs().size(), "nothing changed, nothing sent");
    }

    @Test
    void theSyncSettlesModnoMovesOnlyForARealChange() throws Exception {
        sync.sync();
        long settled = backrest().modno();
        for (int i = 0; i < 4; i++) {
            sync.sync();
        }
        assertEquals(settled, backrest().modno(), "Backrest answers in protojson; in step means no SetConfig");
        backrest().removePlan("critical"); // the operator's change
        long changed = backrest().modno();
        sync.sync();
        sync.sync();
        sync.sync();
        assertEquals(changed + 1, backrest().modno(), "one real change, one SetConfig");
        assertTrue(ids(backrest().config().path("plans")).contains("critical"));
        assertEquals(0, backrest().refusedConfigs(), "no repo without a guid was ever sent");
        assertFalse(backrest().setConfigs().toString().contains("autoInitialize"));
    }

    @Test
    void aRepoNotMadeYetHoldsNoSnapshotsAndOneThatCannotBeMadeStaysOutOfBackrest() throws Exception {
        Path spare = SidecarStack.repo("spare");
        Path away = spare.resolveSibling("spare.away");
        Files.move(spare, away);
        try {
            // before anything creates it again: no snapshots is an empty list, not restic's error
            when().get("/api/snapshots?plan=hourly").then().statusCode(200).body("size()", equalTo(0));
            when().get("/api/plans/hourly").then().body("repoState", equalTo("not created yet"));

            // a repo the sidecar can neither open nor create has no restic id to give Backrest
            Files.writeString(spare, "not a folder");
            backrest().removeRepo("spare");
            sync.sync();
            JsonNode config = backrest().config();
            assertFalse(ids(config.path("repos")).contains("spare"), config.toString());
            assertFalse(ids(config.path("plans")).contains("hourly"), "its plan waits with it");
            assertEquals(0, backrest().refusedConfigs(), "never a repo without a guid");
            assertTrue(sync.status().orElseThrow().leftOut().toString().contains("repo spare"));
            when().get("/api/plans/hourly").then().body("backrestSync.leftOut[0]", containsString("repo spare"));
        } finally {
            Files.deleteIfExists(spare);
            Files.move(away, spare);
        }
        sync.sync();
        JsonNode repo = StreamSupport.stream(backrest().config().path("repos").spliterator(), false)
                .filter(r -> r.path("id").asText().equals("spare")).findFirst().orElseThrow();
        assertEquals(64, repo.path("guid").asText().length(), "back, named by its restic id: " + repo);
        assertTrue(sync.status().orElseThrow().leftOut().isEmpty());
    }

    @Test
    void aConfigChangedMeanwhileIsReadAgainAndOurPlanPutBack() throws Exception {
        backrest().removePlan("critical");
        backrest().refuseNextSetConfigs(1);
        sync.sync();
        assertTrue(ids(backrest().config().path("plans")).contains("critical"));
    }

    @Test
    void afterARunBackrestIndexesThatRepo() {
        int before = backrest().repoTasks().size();
        assertEquals("SUCCEEDED", SidecarApi.runPlan("hourly").getString("state"));
        TestDocker.await("DoRepoTask for spare", Duration.ofSeconds(20), () -> backrest().repoTasks().stream()
                .skip(before).anyMatch(t -> t.path("repoId").asText().equals("spare")
                        && t.path("task").asText().equals("TASK_INDEX_SNAPSHOTS")));
    }

    @Test
    void backrestDownIsAWarningAndNeverAFailedBackup() throws Exception {
        long outBefore = told("FAILED: Backrest has been out of step");
        long inBefore = told("RECOVERED: Backrest is in step again");
        backrest().down(true);
        try {
            assertThrows(BackrestException.class, sync::sync);
            assertEquals("SUCCEEDED", SidecarApi.runPlan("hourly").getString("state"));
            String check = "checks.find { it.name == 'backrest sync' }";
            when().get("/q/health/well").then().body(check + ".status", equalTo("UP"))
                    .body(check + ".data.state", equalTo("warning"));
            when().get("/api/plans/hourly").then().body("backrestSync.warning", notNullValue());
            // out of step for longer than backrestOutOfStep (3 s in this stack): told, with the error
            org.backrestsidecar.testing.TestDocker.await("out of step told", java.time.Duration.ofSeconds(30),
                    () -> told("FAILED: Backrest has been out of step for over PT3S") == outBefore + 1);
        } finally {
            backrest().down(false);
        }
        sync.sync();
        when().get("/q/health/well").then().body("checks.find { it.name == 'backrest sync' }.data.state",
                equalTo("in step"));
        org.backrestsidecar.testing.TestDocker.await("in step again told", java.time.Duration.ofSeconds(30),
                () -> told("RECOVERED: Backrest is in step again") == inBefore + 1);
    }

    private static long told(String part) {
        return org.backrestsidecar.testing.SidecarStack.telegram().texts().stream().filter(t -> t.contains(part)).count();
    }

    private static List<String> ids(JsonNode list) {
        List<String> ids = new ArrayList<>();
        list.forEach(n -> ids.add(n.path("id").asText()));
        return ids;
    }
}
