package org.backrestsidecar.scenario;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.backrestsidecar.testing.FakeTelegram;
import org.backrestsidecar.testing.PostgresContainer;
import org.backrestsidecar.testing.RecordingServer;
import org.backrestsidecar.testing.SidecarApi;
import org.backrestsidecar.testing.SidecarStack;
import org.backrestsidecar.testing.TestDocker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Failures reach people: a real SMTP server (GreenMail) takes the mail; local HTTP servers stand in
 * for Telegram's Bot API ({@link FakeTelegram}), a Slack incoming webhook and healthchecks.io, since
 * none can be reached from here, and record exactly what the sidecar sent. Plan {@code alerting}
 * backs up a real Postgres that the test pauses to make its backup fail.
 */
@QuarkusTest
@QuarkusTestResource(SidecarStack.class)
class TellsPeopleTest {
    private static PostgresContainer pg;

    @BeforeAll
    static void start() {
        pg = PostgresContainer.start("pg-alerting", SidecarStack.labels("pg-alerting", "alerting"));
        pg.sql("postgres", "CREATE DATABASE alerts; ");
        pg.sql("alerts", "CREATE TABLE a (id int); INSERT INTO a SELECT generate_series(1, 100)");
    }

    @AfterAll
    static void remove() {
        if (pg != null) {
            pg.remove();
        }
    }

    private static final String FAILED = "FAILED: backup of plan alerting, target pg-alerting";
    private static final String RECOVERED = "RECOVERED: backup of plan alerting, target pg-alerting";

    @Test
    void aFailedBackupIsToldOnceEverywhereAndItsRecoveryOnce() throws Exception {
        TestDocker.client().pauseContainerCmd(pg.id()).exec();
        try {
            assertEquals("FAILED", SidecarApi.runPlan("alerting").getString("state"));
            TestDocker.await("the failure on Telegram", Duration.ofSeconds(30), () -> count(telegram(), FAILED) == 1);
            String text = telegram().stream().filter(t -> t.contains(FAILED)).findFirst().orElseThrow();
            assertTrue(text.startsWith("[" + TestDocker.INSTANCE + "] " + FAILED), text);
            for (String part : List.of("plan: alerting", "target: pg-alerting", "container: " + TestDocker.PREFIX + "pg-alerting",
                    "repo: models", "paused, not running", "scripts/backrest-management.sh backup alerting")) {
                assertTrue(text.contains(part), "the message says " + part + ": " + text);
            }
            TestDocker.await("the failure in the mailbox", Duration.ofSeconds(30), () -> mails(FAILED) == 1);
            MimeMessage mail = mail(FAILED);
            assertEquals("[" + TestDocker.INSTANCE + "] " + FAILED, mail.getSubject());
            assertEquals(SidecarStack.MAIL_TO, mail.getAllRecipients()[0].toString());
            TestDocker.await("the failure in the chat", Duration.ofSeconds(30), () -> chat(FAILED).size() == 1);
            RecordingServer.Request hook = chat(FAILED).get(0);
            assertEquals(SidecarStack.WEBHOOK_PATH, hook.path(), "posted to the webhook's URL as given");
            assertEquals(text, JsonPath.from(hook.body()).getString("text"), "Slack's shape: {\"text\": ...}");
            TestDocker.await("the start and fail pings", Duration.ofSeconds(30),
                    () -> pinged("/" + SidecarStack.PING_ID + "/start") >= 1 && pinged("/" + SidecarStack.PING_ID + "/fail") == 1);

            // the same failure again is the same problem: nothing new is told (a reminder waits remindEvery)
            assertEquals("FAILED", SidecarApi.runPlan("alerting").getString("state"));
            TestDocker.await("the second fail ping", Duration.ofSeconds(30),
                    () -> pinged("/" + SidecarStack.PING_ID + "/fail") == 2);
            Thread.sleep(2000);
            assertEquals(1, count(telegram(), FAILED), "one message per change of state: " + telegram());
            assertEquals(1, mails(FAILED));
        } finally {
            TestDocker.client().unpauseContainerCmd(pg.id()).exec();
        }
        JsonPath good = SidecarApi.runPlan("alerting");
        assertEquals("SUCCEEDED", good.getString("state"), good.prettify());
        TestDocker.await("the recovery on Telegram and by mail", Duration.ofSeconds(30),
                () -> count(telegram(), RECOVERED) == 1 && mails(RECOVERED) == 1);
        TestDocker.await("the success ping", Duration.ofSeconds(30), () -> pinged("/" + SidecarStack.PING_ID) >= 1);
        assertEquals(1, count(telegram(), FAILED), "the recovery is not a new failure");
        assertTrue(given().get("/api/notifications").then().statusCode(200).extract().jsonPath()
                .getMap("openProblems").keySet().stream().noneMatch(k -> k.toString().startsWith("backup:alerting")));

        // a heartbeat service that is down: the backup still succeeds, and the ping arrives once it is back
        int before = pinged("/" + SidecarStack.PING_ID);
        SidecarStack.pings().down(503);
        try {
            assertEquals("SUCCEEDED", SidecarApi.runPlan("alerting").getString("state"), "delivery never fails a backup");
            TestDocker.await("the failed delivery to show", Duration.ofSeconds(30), () -> {
                JsonPath pings = channel("pings");
                return pings.getInt("failed") >= 1 && pings.getInt("waiting") >= 1;
            });
            String error = channel("pings").getString("lastError");
            assertTrue(error.contains("HTTP 503"), error);
            assertFalse(error.contains(SidecarStack.PING_ID), "the ping's id is a secret: " + error);
        } finally {
            SidecarStack.pings().down(0);
        }
        TestDocker.await("the waiting ping delivered", Duration.ofSeconds(30),
                () -> pinged("/" + SidecarStack.PING_ID) == before + 1 && channel("pings").getInt("waiting") == 0);

        // a restore is news for those who asked for it: who asked, which target
        JsonPath restore = SidecarApi.restore(Map.of("target", "pg-alerting", "database", "alerts",
                "confirm", "pg-alerting"));
        assertEquals("SUCCEEDED", restore.getString("state"), restore.prettify());
        TestDocker.await("the restore told by mail and in the chat", Duration.ofSeconds(30),
                () -> mails("INFO: restore of pg-alerting succeeded") == 1 && chat("restore of pg-alerting started").size() == 1);
        assertTrue(mail("INFO: restore of pg-alerting started").getContent().toString().contains("asked by: api-token"));
        assertTrue(telegram().stream().noneMatch(t -> t.contains("restore of pg-alerting")),
                "Telegram asked for failures only");
    }

    @Test
    void aLatePlanIsToldAndSoIsItsFreshBackup() {
        // plan hourly's objective is 15 s: it is late 15 s after its last good run (which another test
        // may have just made: the newest word on the plan must be "late", not an older one)
        TestDocker.await("plan hourly told late", Duration.ofSeconds(60), () -> {
            List<String> aboutHourly = telegram().stream().filter(t -> t.contains("plan hourly")).toList();
            return !aboutHourly.isEmpty() && aboutHourly.get(aboutHourly.size() - 1).contains("FAILED: plan hourly is late");
        });
        int recovered = count(telegram(), "RECOVERED: plan hourly has a fresh backup again");
        assertEquals("SUCCEEDED", SidecarApi.runPlan("hourly").getString("state"));
        TestDocker.await("plan hourly told fresh", Duration.ofSeconds(30),
                () -> count(telegram(), "RECOVERED: plan hourly has a fresh backup again") == recovered + 1);
        assertTrue(chat("plan hourly").isEmpty(), "the chat asked for backup-failed and restore only");
    }

    @Test
    void aFullDiskIsToldWithItsLevel() {
        // diskThresholds [1, 99]: any disk this test runs on is over 1 % and (we trust) under 99 %
        TestDocker.await("the disk notice", Duration.ofSeconds(30),
                () -> telegram().stream().anyMatch(t -> t.contains("FAILED: the disk of repo critical is")
                        && t.contains("(over 1 %)")));
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(metrics.contains("sidecar_repo_disk_used_ratio{repo=\"critical\"}"), "the alert rules' metric");
    }

    @Test
    void aTestMessageGoesToEveryChannelAndEachSaysHowItWent() throws Exception {
        SidecarStack.webhook().down(503);
        List<Map<String, Object>> outcomes;
        try {
            outcomes = given().post("/api/notifications/test").then().statusCode(200).extract().jsonPath().getList("");
        } finally {
            SidecarStack.webhook().down(0);
        }
        Map<String, String> byChannel = new java.util.TreeMap<>();
        outcomes.forEach(o -> byChannel.put((String) o.get("channel"), (String) o.get("outcome")));
        assertEquals(Map.of("telegram", "delivered", "mail", "delivered", "chat", "failed", "pings", "skipped"),
                byChannel, outcomes.toString());
        String chatError = outcomes.stream().filter(o -> o.get("channel").equals("chat")).findFirst().orElseThrow()
                .get("error").toString();
        assertTrue(chatError.contains("answered HTTP 503") && !chatError.contains("webhookSecret"), chatError);
        assertTrue(telegram().stream().anyMatch(t -> t.contains("INFO: test message, asked by api-token")));
        assertTrue(mails("INFO: test message, asked by api-token") >= 1);

        String overview = given().get("/api/notifications").then().statusCode(200).extract().asString();
        for (String secret : List.of(FakeTelegram.TOKEN, SidecarStack.SMTP_PASSWORD, "webhookSecret",
                SidecarStack.PING_ID)) {
            assertFalse(overview.contains(secret), "GET /api/notifications shows no secret: " + overview);
        }
        assertTrue(overview.contains("\"name\":\"telegram\"") && overview.contains("\"chatId\":\"" + FakeTelegram.CHAT + "\""),
                overview);

        given().header("Authorization", "Bearer " + SidecarStack.OPERATOR_TOKEN).post("/api/notifications/test")
                .then().statusCode(403);
    }

    @Test
    void theAuditLogHoldsEveryChangeAndEveryRefusal() {
        Instant since = Instant.now();
        given().header("Authorization", "Bearer not-a-token-of-this-sidecar-0000").post("/api/plans/hourly/runs")
                .then().statusCode(401);
        given().contentType("application/json").body(Map.of("target", "pg-main", "database", "app"))
                .post("/api/restores").then().statusCode(400);
        given().header("Authorization", "Bearer " + SidecarStack.OPERATOR_TOKEN).contentType("application/json")
                .body(Map.of("target", "pg-main", "database", "app", "confirm", "pg-main")).post("/api/restores")
                .then().statusCode(403);
        String run = given().header("Authorization", "Bearer " + SidecarStack.OPERATOR_TOKEN)
                .post("/api/plans/hourly/runs").then().statusCode(202).extract().path("id");
        SidecarApi.awaitRun(run, Duration.ofMinutes(2));

        JsonPath audit = given().queryParam("since", since.toString()).get("/api/audit").then().statusCode(200)
                .extract().jsonPath();
        List<Map<String, Object>> entries = audit.getList("");
        assertEquals(List.of("unknown 401 unauthenticated POST /api/plans/hourly/runs",
                        "api-token 400 refused POST /api/restores",
                        "ci 403 forbidden POST /api/restores",
                        "ci 202 accepted POST /api/plans/hourly/runs"),
                entries.stream().map(e -> e.get("who") + " " + e.get("status") + " " + e.get("outcome") + " "
                        + e.get("method") + " " + e.get("path")).toList(), entries.toString());
        assertTrue(entries.get(1).get("detail").toString().contains("\"confirm\": \"pg-main\""), entries.get(1).toString());
        assertEquals("operator", entries.get(3).get("role"));
        assertEquals("127.0.0.1", entries.get(3).get("from"));
        assertEquals(2, given().queryParam("since", since.toString()).queryParam("limit", 2).get("/api/audit")
                .then().statusCode(200).extract().jsonPath().getList("").size(), "limit keeps the newest");
    }

    private static List<String> telegram() {
        return SidecarStack.telegram().texts();
    }

    private static int count(List<String> texts, String part) {
        return (int) texts.stream().filter(t -> t.contains(part)).count();
    }

    private static List<RecordingServer.Request> chat(String part) {
        return SidecarStack.webhook().requests().stream().filter(r -> r.body().contains(part)).toList();
    }

    private static int pinged(String path) {
        return (int) SidecarStack.pings().requests().stream().filter(r -> r.path().equals(path)).count();
    }

    private static JsonPath channel(String name) {
        JsonPath all = given().get("/api/notifications").then().statusCode(200).extract().jsonPath();
        return new JsonPath(all.prettify()).setRootPath("channels.find { it.name == '" + name + "' }");
    }

    private static int mails(String subjectPart) {
        try {
            int n = 0;
            for (MimeMessage m : SidecarStack.smtp().getReceivedMessages()) {
                if (m.getSubject().contains(subjectPart)) {
                    n++;
                }
            }
            return n;
        } catch (jakarta.mail.MessagingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static MimeMessage mail(String subjectPart) throws Exception {
        for (MimeMessage m : SidecarStack.smtp().getReceivedMessages()) {
            if (m.getSubject().contains(subjectPart)) {
                return m;
            }
        }
        throw new AssertionError("no mail with subject " + subjectPart);
    }
}
