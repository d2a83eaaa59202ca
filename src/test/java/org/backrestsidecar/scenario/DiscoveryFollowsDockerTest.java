package org.backrestsidecar.scenario;

import static io.restassured.RestAssured.when;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.backrestsidecar.testing.PostgresContainer;
import org.backrestsidecar.testing.SidecarApi;
import org.backrestsidecar.testing.SidecarStack;
import org.backrestsidecar.testing.TestDocker;
import org.junit.jupiter.api.Test;

/** Containers started after the sidecar become targets without a restart; bad labels are named. */
@QuarkusTest
@QuarkusTestResource(SidecarStack.class)
class DiscoveryFollowsDockerTest {

    @Test
    void containerStartedLaterIsFoundAndBackedUp() {
        PostgresContainer late = PostgresContainer.start("pg-late", SidecarStack.labels("pg-late", "models"));
        try {
            TestDocker.await("pg-late in /api/targets", Duration.ofSeconds(20),
                    () -> "running".equals(target("pg-late").getString("status")));
            JsonPath run = SidecarApi.runPlan("models");
            assertEquals("SUCCEEDED", run.getString("state"), run.prettify());
            assertEquals(List.of("pg-late"), run.getList("targets.target"));
        } finally {
            late.remove();
        }
        TestDocker.await("pg-late gone from /api/targets", Duration.ofSeconds(20),
                () -> when().get("/api/targets").jsonPath().getList("name").stream().noneMatch("pg-late"::equals));
    }

    @Test
    void badLabelsAreReportedOnTheirTargetOnly() {
        TestDocker.start("bad-labels", Map.of("backup.enable", "true", "backup.plan", "nightly",
                "backup.strategy", "postgress", "backup.timeout", "soon", "com.docker.compose.service", "bad-labels"),
                "sleep 600");
        try {
            TestDocker.await("bad-labels in /api/targets", Duration.ofSeconds(20),
                    () -> target("bad-labels") != null);
            JsonPath bad = target("bad-labels");
            assertEquals("invalid", bad.getString("status"));
            String problems = String.join("\n", bad.getList("problems"));
            // the error names every plan the sidecar knows, sorted: the same list GET /api/plans gives
            String known = String.join(", ", when().get("/api/plans").then().statusCode(200).extract().jsonPath()
                    .getList("id", String.class).stream().sorted().toList());
            assertTrue(known.contains("critical") && known.contains("models"), known);
            assertTrue(problems.contains("label backup.plan='nightly': no such plan (known: " + known + ")"),
                    problems);
            assertTrue(problems.contains("label backup.strategy='postgress': no such strategy (known: pause, postgres, redis, sqlite, stop, volume)"), problems);
            assertTrue(problems.contains("label backup.timeout: 'soon' is not a duration"), problems);
            assertEquals("running", target("pg-main").getString("status"), "the other targets are untouched");
            assertTrue(target("pg-main").getList("problems").isEmpty());
        } finally {
            TestDocker.remove("bad-labels");
        }
    }

    private static JsonPath target(String name) {
        List<Map<String, Object>> all = when().get("/api/targets").then().statusCode(200).extract().jsonPath()
                .getList("$");
        return all.stream().filter(t -> name.equals(t.get("name"))).findFirst()
                .map(t -> new JsonPath(new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(t).toString()))
                .orElse(null);
    }
}
