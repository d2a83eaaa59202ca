package org.backrestsidecar.scenario;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.backrestsidecar.testing.SidecarStack;
import org.backrestsidecar.testing.TestDocker;
import org.junit.jupiter.api.Test;

/**
 * The API reads what it is sent as written, or refuses it before anything is touched, and says why in
 * its JSON error body: a misspelt "dry run" never restores for real, "?data=maybe" never checks less
 * than asked, and no call from another site changes anything.
 */
@QuarkusTest
@QuarkusTestResource(SidecarStack.class)
class ApiReadsRequestsStrictlyTest {
    private static final String TARGET = "pg-main";

    @Test
    void aRestoreBodyThatIsNotWhatTheCallTakesIsRefusedAndNothingIsTouched() throws Exception {
        int restores = restoreCount();
        String started = startedAt();
        Map<String, String[]> bodies = new LinkedHashMap<>();
        // what, body, what the error must say
        bodies.put("a misspelt dry run", new String[] {"{\"target\":\"" + TARGET + "\",\"dryrun\":true,\"confirm\":\""
                + TARGET + "\"}", "unknown field 'dryrun' in the body; this call takes: confirm, database, dryRun"});
        bodies.put("fields nobody takes", new String[] {"{\"target\":\"" + TARGET + "\",\"dryRun\":true,\"rm\":\"-rf /\","
                + "\"admin\":true}", "unknown field 'rm'"});
        bodies.put("yes for a boolean", new String[] {"{\"target\":\"" + TARGET + "\",\"dryRun\":\"yes\"}",
                "field 'dryRun' must be true or false"});
        bodies.put("a boolean as a string", new String[] {"{\"target\":\"" + TARGET + "\",\"dryRun\":\"true\",\"confirm\":\""
                + TARGET + "\"}", "field 'dryRun' must be true or false"});
        bodies.put("an object for a boolean", new String[] {"{\"target\":\"" + TARGET + "\",\"globals\":{\"a\":1}}",
                "field 'globals' must be true or false"});
        bodies.put("a number for a name", new String[] {"{\"target\":7}", "field 'target' must be a string"});
        bodies.put("a list for the body", new String[] {"[{\"target\":\"" + TARGET + "\"}]", "the body must be one JSON object"});
        bodies.put("a key given twice", new String[] {"{\"target\":\"" + TARGET + "\",\"dryRun\":true,\"dryRun\":false,"
                + "\"confirm\":\"" + TARGET + "\"}", "Duplicate field 'dryRun'"});
        bodies.put("a second value after the body", new String[] {"{\"target\":\"" + TARGET + "\",\"dryRun\":true}"
                + "{\"confirm\":\"" + TARGET + "\"}", "the body must be one JSON object"});
        bodies.put("not JSON", new String[] {"{target: " + TARGET + "}", "the body is not one JSON value"});
        bodies.forEach((what, body) -> {
            Response answer = given().contentType("application/json").body(body[0]).post("/api/restores");
            assertRefused(what, answer, 400, body[1]);
        });
        assertEquals(restores, restoreCount(), "no restore was started");
        assertEquals(started, startedAt(), TARGET + " was neither stopped nor restarted");
    }

    @Test
    void aBodyPastTheLimitIs413WithTheJsonError() {
        Response answer = given().contentType("application/json").body("{\"target\":\"" + "x".repeat(10 * 1024 * 1024) + "\"}")
                .post("/api/restores");
        assertRefused("a 10 MB body", answer, 413, "the API takes at most");
    }

    @Test
    void aQueryTheCallDoesNotTakeIsRefusedBeforeAnyCheckRuns() {
        int checks = given().get("/api/repos/checks").then().statusCode(200).extract().jsonPath().getList("$").size();
        assertRefused("?data=maybe", given().post("/api/repos/critical/checks?data=maybe"), 400,
                "query parameter 'data' must be true or false, not 'maybe'");
        assertRefused("?dat=true", given().post("/api/repos/critical/checks?dat=true"), 400,
                "unknown query parameter 'dat'; this call takes data");
        assertRefused("?limit=lots", given().get("/api/audit?limit=lots"), 400, "must be a whole number");
        assertEquals(checks, given().get("/api/repos/checks").then().statusCode(200).extract().jsonPath().getList("$").size(),
                "no check ran");
    }

    @Test
    void everyRefusalCarriesTheJsonBody() {
        assertRefused("an unknown path", given().get("/api/nothing-here"), 404, "");
        assertRefused("a method the path does not take", given().delete("/api/plans"), 405, "");
        assertRefused("no token", given().header("Authorization", "").get("/api/targets"), 401, "Bearer");
        assertRefused("a body type the call does not take", given().contentType("application/xml").body("<a/>")
                .post("/api/restores"), 415, "");
    }

    /**
     * Straight to the sidecar, as a browser would send it had it the token: another site's Origin or
     * Sec-Fetch-Site is refused by name, whatever it asks for, and nothing starts.
     */
    @Test
    void aChangeFromAnotherSiteIsRefusedWhateverItAsks() {
        int runs = given().get("/api/runs?plan=system").then().statusCode(200).extract().jsonPath().getList("$").size();
        for (String path : List.of("/api/plans/system/runs", "/api/plans/system/drills", "/api/repos/system/checks",
                "/api/repos/system/prunes", "/api/notifications/test")) {
            assertRefused(path + " with another site's Origin", given().header("Origin", "https://evil.example")
                    .contentType("application/x-www-form-urlencoded").post(path), 403, "another origin");
            assertRefused(path + " with Sec-Fetch-Site cross-site", given().header("Sec-Fetch-Site", "cross-site")
                    .post(path), 403, "another site");
        }
        assertRefused("a restore from another site", given().header("Sec-Fetch-Site", "cross-site")
                .contentType("application/json").body("{\"target\":\"" + TARGET + "\",\"dryRun\":true}")
                .post("/api/restores"), 403, "another site");
        assertEquals(runs, given().get("/api/runs?plan=system").then().statusCode(200).extract().jsonPath()
                .getList("$").size(), "no run started");
    }

    private static void assertRefused(String what, Response answer, int status, String says) {
        assertEquals(status, answer.statusCode(), what + ": " + answer.asString());
        assertTrue(answer.contentType().startsWith("application/json"), what + ": " + answer.contentType());
        assertEquals(status, answer.jsonPath().getInt("status"), what + ": " + answer.asString());
        String error = answer.jsonPath().getString("error");
        assertTrue(error != null && !error.isBlank() && error.contains(says), what + ": " + answer.asString());
    }

    private static int restoreCount() {
        return given().get("/api/restores").then().statusCode(200).extract().jsonPath().getList("$").size();
    }

    private static String startedAt() {
        return TestDocker.client().inspectContainerCmd(TestDocker.PREFIX + TARGET).exec().getState().getStartedAt();
    }
}
