package org.backrestsidecar.scenario;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventType;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.backrestsidecar.testing.SidecarApi;
import org.backrestsidecar.testing.SidecarStack;
import org.backrestsidecar.testing.TestDocker;
import org.junit.jupiter.api.Test;

/** Whatever happens during a copy, a container the sidecar paused or stopped is running again after it. */
@QuarkusTest
@QuarkusTestResource(SidecarStack.class)
class PausedOrStoppedContainersComeBackTest {

    private static Map<String, String> labels(String service, String plan, String strategy, String... more) {
        Map<String, String> labels = new HashMap<>(Map.of("backup.enable", "true", "backup.plan", plan,
                "backup.strategy", strategy, "com.docker.compose.service", service,
                "com.docker.compose.project", TestDocker.PROJECT));
        for (int i = 0; i + 1 < more.length; i += 2) {
            labels.put(more[i], more[i + 1]);
        }
        return labels;
    }

    private static String withData(String name, Map<String, String> labels) {
        String id = TestDocker.container(name).volume("/data").labels(labels).start(TestDocker.IDLE);
        TestDocker.exec(id, "sh", "-c", "head -c 200000 /dev/urandom > /data/state.bin").out();
        return id;
    }

    private static Map<String, Object> target(JsonPath run, String name) {
        return run.getMap("targets.find { it.target == '" + name + "' }");
    }

    @Test
    void pausedForTheCopyAndRunningAfterWithItsDowntimeReported() {
        String app = withData("paused-app", labels("paused-app", "pausing", "pause"));
        String theirs = withData("paused-by-them", labels("paused-by-them", "pausing", "pause"));
        TestDocker.client().pauseContainerCmd(theirs).exec();
        try {
            JsonPath run = SidecarApi.runPlan("pausing");
            assertEquals("SUCCEEDED", run.getString("state"), run.prettify());
            assertEquals(new TestDocker.State(true, false), TestDocker.state(app));
            assertEquals(new TestDocker.State(true, true), TestDocker.state(theirs), "someone else's pause is kept");
            double downtime = Duration.parse((String) target(run, "paused-app").get("downtime")).toMillis() / 1000.0;
            assertTrue(downtime > 0 && downtime < 60, "downtime measured: " + downtime);
            System.out.printf("paused for %.3f s to copy a 200 kB volume%n", downtime);
            assertEquals("PT0S", target(run, "paused-by-them").get("downtime"));
            given().get("/q/metrics").then().body(containsString(
                    "sidecar_target_last_run_quiesce_downtime_seconds{plan=\"pausing\",target=\"paused-app\"}"));
        } finally {
            TestDocker.remove("paused-app");
            TestDocker.remove("paused-by-them");
        }
    }

    @Test
    void stopAndStartFollowComposeDependencies() throws Exception {
        String db = withData("chain-db", labels("db", "stopping", "stop"));
        // app depends_on db (as Compose v2 writes it); web shares app's network (network_mode: service:app)
        TestDocker.container("chain-app").labels(Map.of("com.docker.compose.project", TestDocker.PROJECT,
                "com.docker.compose.service", "app", "com.docker.compose.depends_on", "db:service_started:false"))
                .start(TestDocker.IDLE);
        TestDocker.container("chain-web").networkOf("chain-app").labels(Map.of("com.docker.compose.project", TestDocker.PROJECT,
                "com.docker.compose.service", "web")).start(TestDocker.IDLE);
        // a dependant that was not running is not started by the backup
        String idle = TestDocker.container("chain-idle").labels(Map.of("com.docker.compose.project", TestDocker.PROJECT,
                "com.docker.compose.service", "idle", "com.docker.compose.depends_on", "db:service_started:false"))
                .create(TestDocker.IDLE);
        try {
            Instant since = Instant.now().minusSeconds(1);
            JsonPath run = SidecarApi.runPlan("stopping");
            assertEquals("SUCCEEDED", run.getString("state"), run.prettify());
            List<String> events = events(since, Instant.now().plusSeconds(1));
            String chain = TestDocker.PREFIX + "chain-";
            assertEquals(List.of("stop " + chain + "web", "stop " + chain + "app", "stop " + chain + "db",
                    "start " + chain + "db", "start " + chain + "app", "start " + chain + "web"), events);
            for (String name : List.of("chain-db", "chain-app", "chain-web")) {
                assertEquals(new TestDocker.State(true, false), TestDocker.state(TestDocker.PREFIX + name), name);
            }
            assertEquals(new TestDocker.State(false, false), TestDocker.state(idle));
            assertTrue(Duration.parse((String) target(run, "db").get("downtime")).toMillis() > 0);
        } finally {
            for (String name : List.of("chain-web", "chain-app", "chain-db", "chain-idle")) {
                TestDocker.remove(name);
            }
        }
    }

    @Test
    void aFailingPreHookSkipsItsTargetAndTheOthersStillRun() {
        String failing = withData("hook-fails", labels("hook-fails", "hooks", "pause",
                "backup.exec.pre", "[\"sh\",\"-c\",\"echo not ready >&2; exit 3\"]", "backup.exec.on-error", "fail"));
        String fine = withData("hook-runs", labels("hook-runs", "hooks", "pause",
                "backup.exec.pre", "[\"sh\",\"-c\",\"echo pre >> /tmp/hooks\"]",
                "backup.exec.post", "[\"sh\",\"-c\",\"echo post >> /tmp/hooks\"]"));
        try {
            JsonPath run = SidecarApi.runPlan("hooks");
            assertEquals("FAILED", run.getString("state"));
            Map<String, Object> skipped = target(run, "hook-fails");
            assertEquals("FAILED", skipped.get("outcome"));
            assertTrue(((String) skipped.get("error")).contains("exited with 3: not ready"), skipped.toString());
            assertEquals("PT0S", skipped.get("downtime"), "skipped before it was paused");
            assertEquals(new TestDocker.State(true, false), TestDocker.state(failing));
            assertEquals("SUCCEEDED", target(run, "hook-runs").get("outcome"));
            assertEquals("pre\npost", TestDocker.exec(fine, "cat", "/tmp/hooks").out());
            assertEquals(new TestDocker.State(true, false), TestDocker.state(fine));
            given().get("/q/metrics").then().body(containsString(
                    "sidecar_target_hook_failures_total{plan=\"hooks\",target=\"hook-fails\"} 1.0"));
        } finally {
            TestDocker.remove("hook-fails");
            TestDocker.remove("hook-runs");
        }
    }

    @Test
    void overTheDowntimeBudgetTheCopyIsAbortedAndTheContainerResumed() {
        String slow = TestDocker.container("slow").volume("/data")
                .labels(labels("slow", "budget", "pause", "backup.max-downtime", "2s")).start("sleep 600");
        TestDocker.exec(slow, "sh", "-c", "for i in 1 2 3 4 5 6; do head -c 150000000 /dev/urandom > /data/big-$i; done")
                .out();
        try {
            JsonPath run = SidecarApi.runPlan("budget");
            assertEquals("FAILED", run.getString("state"), run.prettify());
            Map<String, Object> t = target(run, "slow");
            assertTrue(((String) t.get("error")).contains("downtime budget PT2S exceeded"), t.toString());
            assertEquals(new TestDocker.State(true, false), TestDocker.state(slow));
            long downtime = Duration.parse((String) t.get("downtime")).toMillis();
            assertTrue(downtime >= 2000 && downtime < 7000, "resumed within the budget plus a few seconds: " + downtime);
            System.out.printf("budget 2 s: resumed after %d ms%n", downtime);
            assertEquals("[]", TestDocker.client().listContainersCmd().withShowAll(true)
                    .withLabelFilter(Map.of("backrest-sidecar.helper", TestDocker.INSTANCE)).exec().toString(),
                    "the helper is gone");
        } finally {
            TestDocker.remove("slow");
        }
    }

    /**
     * "stop NAME" / "start NAME" for the chain's containers, in the order Docker saw them, from the
     * first stop on (the events API counts whole seconds, so the set-up's starts come along).
     */
    private static List<String> events(Instant since, Instant until) throws InterruptedException {
        List<Event> seen = new ArrayList<>();
        TestDocker.client().eventsCmd().withEventTypeFilter(EventType.CONTAINER)
                .withSince(Long.toString(since.getEpochSecond())).withUntil(Long.toString(until.getEpochSecond()))
                .exec(new ResultCallback.Adapter<Event>() {
                    @Override
                    public void onNext(Event e) {
                        seen.add(e);
                    }
                }).awaitCompletion(30, TimeUnit.SECONDS);
        return seen.stream()
                .filter(e -> "stop".equals(e.getAction()) || "start".equals(e.getAction()))
                .filter(e -> e.getActor().getAttributes().getOrDefault("name", "").startsWith(TestDocker.PREFIX + "chain-"))
                .map(e -> e.getAction() + " " + e.getActor().getAttributes().get("name"))
                .dropWhile(e -> e.startsWith("start "))
                .toList();
    }
}
