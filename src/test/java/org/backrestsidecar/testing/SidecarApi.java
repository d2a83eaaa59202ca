package org.backrestsidecar.testing;

import static io.restassured.RestAssured.given;

import io.restassured.path.json.JsonPath;
import java.time.Duration;

/** The sidecar's HTTP API as an operator's script uses it. */
public final class SidecarApi {
    private static final java.net.http.HttpClient HTTP = java.net.http.HttpClient.newHttpClient();
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private SidecarApi() {
    }

    /**
     * Asks {@code GET path} every 200 ms until its JSON has {@code endedAt}; the last answer. Asked with
     * the JDK's HTTP client and read with Jackson, not RestAssured: a JFR profile of a CI run had these
     * polls (RestAssured's Groovy JSON paths and its class-path lookups on every call) as the scenario
     * JVM's largest use of CPU, on two shared cores.
     */
    private static JsonPath awaitEnded(String what, String path, Duration limit) {
        java.net.URI uri = java.net.URI.create(io.restassured.RestAssured.baseURI + ":" + io.restassured.RestAssured.port + path);
        String[] last = new String[1];
        TestDocker.await(what + " to end", limit, () -> {
            try {
                java.net.http.HttpResponse<String> answer = HTTP.send(java.net.http.HttpRequest.newBuilder(uri)
                        .header("Authorization", "Bearer " + SidecarStack.API_TOKEN).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                if (answer.statusCode() != 200) {
                    throw new AssertionError("GET " + path + " answered " + answer.statusCode() + ": " + answer.body());
                }
                last[0] = answer.body();
                return JSON.readTree(last[0]).hasNonNull("endedAt");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        });
        return new JsonPath(last[0]);
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
        return awaitEnded("run " + id, "/api/runs/" + id, limit);
    }

    /** POST /api/restores with {@code body}, expecting 202, then polls the restore until it has ended. */
    public static JsonPath restore(java.util.Map<String, Object> body) {
        String id = given().contentType("application/json").body(body).post("/api/restores").then()
                .log().ifValidationFails().statusCode(202)
                .extract().path("id");
        return awaitEnded("restore " + id, "/api/restores/" + id, Duration.ofMinutes(5));
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
        return awaitEnded("drill " + id, "/api/drills/runs/" + id, Duration.ofMinutes(5));
    }
}
