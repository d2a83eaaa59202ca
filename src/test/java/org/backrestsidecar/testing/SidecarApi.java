package org.backrestsidecar.testing;

import static io.restassured.RestAssured.given;
import static io.restassured.RestAssured.when;

import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.time.Instant;

/** The sidecar's HTTP API as an operator's script uses it. */
public final class SidecarApi {
    private SidecarApi() {
    }

    /** POST /api/plans/{plan}/runs, expecting 202; returns the run id. */
    public static String startRun(String plan) {
        return given().post("/api/plans/" + plan + "/runs").then().statusCode(202)
                .extract().path("id");
    }

    /** Polls GET /api/runs/{id} until the run has ended. */
    public static JsonPath awaitRun(String id, Duration limit) {
        Instant end = Instant.now().plus(limit);
        while (Instant.now().isBefore(end)) {
            JsonPath run = when().get("/api/runs/" + id).then().statusCode(200).extract().jsonPath();
            if (run.getString("endedAt") != null) {
                return run;
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("run " + id + " did not end within " + limit);
    }

    public static JsonPath runPlan(String plan) {
        return awaitRun(startRun(plan), Duration.ofMinutes(5));
    }
}
