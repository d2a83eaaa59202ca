package org.backrestsidecar.testing;

import static io.restassured.RestAssured.given;
import static io.restassured.RestAssured.when;

import io.restassured.path.json.JsonPath;
import java.time.Duration;

/** The sidecar's HTTP API as an operator's script uses it. */
public final class SidecarApi {
    private SidecarApi() {
    }

    /**
     * POST /api/plans/{plan}/runs, expecting 202; returns the run id. A run under way (409: the test
     * config's schedules fire too, e.g. critical at 02:00 UTC) is waited for first, as
     * backrest-management.sh backup does: the run returned began after it was asked.
     */
    public static String startRun(String plan) {
        for (int attempt = 1; ; attempt++) {
            io.restassured.response.Response answer = given().post("/api/plans/" + plan + "/runs");
            String running = answer.statusCode() == 409 ? answer.path("running") : null;
            if (running == null || attempt == 3) {
                return answer.then().statusCode(202).extract().path("id");
            }
            awaitRun(running, Duration.ofMinutes(10));
        }
    }

    /** Polls GET /api/runs/{id} until the run has ended. */
    public static JsonPath awaitRun(String id, Duration limit) {
        JsonPath[] last = new JsonPath[1];
        TestDocker.await("run " + id + " to end", limit, () -> {
            last[0] = when().get("/api/runs/" + id).then().statusCode(200).extract().jsonPath();
            return last[0].getString("endedAt") != null;
        });
        return last[0];
    }

    /** POST /api/restores with {@code body}, expecting 202, then polls the restore until it has ended. */
    public static JsonPath restore(java.util.Map<String, Object> body) {
        String id = given().contentType("application/json").body(body).post("/api/restores").then()
                .log().ifValidationFails().statusCode(202)
                .extract().path("id");
        JsonPath[] last = new JsonPath[1];
        TestDocker.await("restore " + id + " to end", Duration.ofMinutes(5), () -> {
            last[0] = when().get("/api/restores/" + id).then().statusCode(200).extract().jsonPath();
            return last[0].getString("endedAt") != null;
        });
        return last[0];
    }

    public static JsonPath runPlan(String plan) {
        return awaitRun(startRun(plan), Duration.ofMinutes(5));
    }

    /** POST /api/plans/{plan}/drills (from copy {@code from} when not null), then polls the drill until it has ended. */
    public static JsonPath drill(String plan, String from) {
        return drill(plan, from, null);
    }

    /** As {@link #drill(String, String)}, of {@code target} only when it is not null. */
    public static JsonPath drill(String plan, String from, String target) {
        java.util.Map<String, String> query = new java.util.HashMap<>();
        if (from != null) {
            query.put("from", from);
        }
        if (target != null) {
            query.put("target", target);
        }
        String id = given().queryParams(query)
                .post("/api/plans/" + plan + "/drills").then().statusCode(202).extract().path("id");
        JsonPath[] last = new JsonPath[1];
        TestDocker.await("drill " + id + " to end", Duration.ofMinutes(5), () -> {
            last[0] = when().get("/api/drills/runs/" + id).then().statusCode(200).extract().jsonPath();
            return last[0].getString("endedAt") != null;
        });
        return last[0];
    }
}
