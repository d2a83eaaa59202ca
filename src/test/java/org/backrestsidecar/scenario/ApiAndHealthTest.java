package org.backrestsidecar.scenario;

import static io.restassured.RestAssured.given;
import static io.restassured.RestAssured.when;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.backrestsidecar.testing.SidecarApi;
import org.backrestsidecar.testing.SidecarStack;
import org.backrestsidecar.testing.TestDocker;
import org.junit.jupiter.api.Test;

/** The codes an operator's script relies on, and health that turns DOWN and back UP. */
@QuarkusTest
@QuarkusTestResource(SidecarStack.class)
class ApiAndHealthTest {

    @Test
    void theApiNeedsTheBearerTokenWhileHealthAndMetricsStayOpen() {
        given().header("Authorization", "").get("/api/targets").then().statusCode(401)
                .header("WWW-Authenticate", startsWith("Bearer"))
                .body("error", containsString("needs 'Authorization: Bearer <token>'"));
        given().header("Authorization", "Bearer not-the-token-of-this-sidecar").post("/api/plans/critical/runs")
                .then().statusCode(401).body("error", equalTo("the bearer token is not this sidecar's"));
        given().header("Authorization", "Basic dXNlcjpwYXNz").get("/api/runs").then().statusCode(401);
        given().header("Authorization", "").get("/q/health/live").then().statusCode(200);
        given().header("Authorization", "").get("/q/metrics").then().statusCode(200);
        given().get("/api/targets").then().statusCode(200);
    }

    @Test
    void unknownIdsAre404WithAJsonReason() {
        given().post("/api/plans/nope/runs").then().statusCode(404)
                .body("status", equalTo(404)).body("error", equalTo("no plan nope"));
        when().get("/api/runs/does-not-exist").then().statusCode(404).body("error", equalTo("no run does-not-exist"));
        when().get("/api/plans/nope").then().statusCode(404).body("error", equalTo("no plan nope"));
        when().get("/api/snapshots?plan=nope").then().statusCode(404).body("error", equalTo("no plan nope"));
    }

    @Test
    void aloneTheViewOfNodesIsThisSidecarAndAnUnknownNodeIsNamed() {
        // not in a swarm (no SIDECAR_PEERS): one node, every part of its report filled
        given().get("/api/nodes").then().statusCode(200)
                .body("size()", equalTo(1))
                .body("[0].state", equalTo("up"))
                .body("[0].role", equalTo("all"))
                .body("[0].plans.id", org.hamcrest.Matchers.hasItem("critical"))
                .body("[0].status", org.hamcrest.Matchers.containsString("PLAN"));
        given().get("/api/nodes/nowhere/targets").then().statusCode(404)
                .body("error", org.hamcrest.Matchers.startsWith("no node nowhere"));
        given().header("Authorization", "").get("/api/nodes/nowhere/targets").then().statusCode(401);
        // a call forwarded here for another node (its old address now this sidecar's) acts on nothing here
        String self = given().get("/api/nodes").path("[0].node");
        given().header("X-Sidecar-For-Node", "node3").post("/api/plans/critical/runs").then().statusCode(421)
                .body("error", startsWith("this is node " + self + "'s sidecar, not node3's"));
        given().header("X-Sidecar-For-Node", "node3").get("/api/runs").then().statusCode(421);
        given().header("X-Sidecar-For-Node", self).get("/api/targets").then().statusCode(200);
        // the same view a line per node, as the management script counts it
        given().get("/api/nodes/seen").then().statusCode(200).body(equalTo(self + " up all\n"));
        org.junit.jupiter.api.Assertions.assertTrue(given().get("/api/status").asString().startsWith("PLAN"),
                "alone, the status is this sidecar's table as before");
    }

    @Test
    void aRunIs202WithLocationAndASecondOneWhileItRunsIs409() {
        Response first = given().post("/api/plans/critical/runs");
        first.then().statusCode(202).body("id", notNullValue())
                .header("Location", containsString("/api/runs/" + first.path("id")));
        given().post("/api/plans/critical/runs").then().statusCode(409)
                .body("error", startsWith("plan critical is already running"))
                .body("running", equalTo(first.path("id")));
        assertEquals("SUCCEEDED", SidecarApi.awaitRun(first.path("id"), Duration.ofMinutes(5)).getString("state"));
        when().get("/api/plans/critical").then().statusCode(200)
                .body("lastRun.id", equalTo(first.path("id")))
                .body("nextRun", notNullValue())
                .body("retention.daily", equalTo(30)).body("retention.yearly", equalTo(5));
        when().get("/api/runs?plan=critical").then().statusCode(200).body("[0].id", equalTo(first.path("id")));
    }

    /**
     * A change asked again with the same Idempotency-Key (as the page does when the network dropped the
     * answer) is done once: the repeat gets the first answer, marked replayed, during the run and after
     * it; another caller's request with the same key, and a new key, are requests of their own; a
     * refused change is refused the same way again; a key that is no key is named.
     */
    @Test
    void aRunAskedAgainWithTheSameKeyStartsOnce() {
        int before = when().get("/api/runs?plan=repeated").jsonPath().getList("$").size();
        java.time.Instant since = java.time.Instant.now();
        String key = java.util.UUID.randomUUID().toString();
        Response first = given().header("Idempotency-Key", key).post("/api/plans/repeated/runs");
        first.then().statusCode(202).header("Idempotent-Replayed", org.hamcrest.Matchers.nullValue());
        String id = first.path("id");
        given().header("Idempotency-Key", "\"" + key + "\"").post("/api/plans/repeated/runs").then().statusCode(202)
                .header("Idempotent-Replayed", "true").body("id", equalTo(id))
                .header("Location", equalTo(first.header("Location")));
        SidecarApi.awaitRun(id, Duration.ofMinutes(5));
        given().header("Idempotency-Key", key).post("/api/plans/repeated/runs").then().statusCode(202)
                .header("Idempotent-Replayed", "true").body("id", equalTo(id));
        assertEquals(before + 1, when().get("/api/runs?plan=repeated").jsonPath().getList("$").size(), "one run started");
        java.util.List<java.util.Map<String, Object>> audit = given().queryParam("since", since.toString()).get("/api/audit")
                .jsonPath().getList("$");
        assertEquals(3, audit.stream().filter(e -> "/api/plans/repeated/runs".equals(e.get("path"))).count(), "each ask audited: " + audit);
        assertEquals(2, audit.stream().filter(e -> String.valueOf(e.get("detail"))
                .equals("asked again with the same Idempotency-Key: answered as the first time, nothing done again")).count(),
                "the repeats said as such: " + audit);

        Response theirs = given().header("Authorization", "Bearer " + SidecarStack.OPERATOR_TOKEN)
                .header("Idempotency-Key", key).post("/api/plans/repeated/runs");
        theirs.then().statusCode(202).header("Idempotent-Replayed", org.hamcrest.Matchers.nullValue());
        org.junit.jupiter.api.Assertions.assertNotEquals(id, theirs.path("id"), "another caller's key is their own");
        SidecarApi.awaitRun(theirs.path("id"), Duration.ofMinutes(5));
        String fresh = given().header("Idempotency-Key", java.util.UUID.randomUUID().toString())
                .post("/api/plans/repeated/runs").then().statusCode(202).extract().path("id");
        SidecarApi.awaitRun(fresh, Duration.ofMinutes(5));
        assertEquals(before + 3, when().get("/api/runs?plan=repeated").jsonPath().getList("$").size());

        String refusedKey = java.util.UUID.randomUUID().toString();
        for (int ask = 0; ask < 2; ask++) {
            given().header("Idempotency-Key", refusedKey).contentType("application/json").body("{\"target\": 5}")
                    .post("/api/restores").then().statusCode(400).body("error", containsString("target"))
                    .header("Idempotent-Replayed", ask == 0 ? org.hamcrest.Matchers.nullValue() : equalTo("true"));
        }
        given().header("Idempotency-Key", "short").post("/api/plans/repeated/runs").then().statusCode(400)
                .body("error", startsWith("the header Idempotency-Key must be"));
        assertEquals(before + 3, when().get("/api/runs?plan=repeated").jsonPath().getList("$").size(), "nothing more started");
    }

    /** Prune has its own schedule (weekly); an operator prunes a repo and its copies now. */
    @Test
    void aPruneNowAnswersWithEachRepoPruned() {
        SidecarApi.runPlan("away");
        given().post("/api/repos/away/prunes").then().statusCode(200)
                .body("repo", org.hamcrest.Matchers.contains("away", "away/sftp", "away/rest", "away/s3", "away/vault"))
                .body("succeeded", org.hamcrest.Matchers.everyItem(equalTo(true)));
        when().get("/api/repos/prunes").then().statusCode(200).body("find { it.repo == 'away' }.succeeded", equalTo(true));
        given().post("/api/repos/nope/prunes").then().statusCode(404).body("error", equalTo("no repo nope"));
        String metrics = given().header("Authorization", "").get("/q/metrics").asString();
        org.junit.jupiter.api.Assertions.assertTrue(metrics.contains("sidecar_repo_prune_last_succeeded{repo=\"away\"} 1.0"),
                metrics);
    }

    @Test
    void readinessFollowsTheRepoKeys() throws Exception {
        // the sidecar makes its repos one after the other when it starts (each init times its key's
        // cost): the last of them may still be on its way when this class's first cases are done
        TestDocker.await("every repo made and opening", Duration.ofMinutes(3),
                () -> given().get("/q/health/ready").statusCode() == 200);
        when().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
        Path key = SidecarStack.key("spare");
        String good = Files.readString(key);
        Files.writeString(key, "this-is-not-the-key-of-spare\n");
        try {
            when().get("/q/health/ready").then().statusCode(503).body("status", equalTo("DOWN"))
                    .body("checks.find { it.name == 'repos' }.data.spare", containsString("wrong password"));
        } finally {
            Files.writeString(key, good);
        }
        when().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
        when().get("/q/health/live").then().statusCode(200);
    }

    @Test
    void freshnessIsDownPastTheObjectiveAndUpAfterAGoodRun() {
        String check = "checks.find { it.name == 'backup freshness of plan hourly' }";
        TestDocker.await("plan hourly to be stale (objective 15s)", Duration.ofSeconds(60),
                () -> "DOWN".equals(when().get("/q/health").jsonPath().getString(check + ".status")));
        when().get("/q/health").then().statusCode(503).body(check + ".data.reason", notNullValue());
        assertEquals("SUCCEEDED", SidecarApi.runPlan("hourly").getString("state"));
        when().get("/q/health/well").then().body(check + ".status", equalTo("UP"));
    }
}
