package org.backrestsidecar.notify;

import org.backrestsidecar.config.Topic;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.backrestsidecar.config.NotificationsConfig;
import org.backrestsidecar.testing.RecordingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What waits in the outbox and what was told survive a restart: a new {@link Outbox} or
 * {@link Problems} on the same folder is what the restarted sidecar has. A local HTTP server stands
 * in for a webhook service that is down, then back.
 */
class OutboxTest {
    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    @TempDir
    Path state;
    private final RecordingServer hook = new RecordingServer(r -> RecordingServer.Answer.ok("text/plain", "ok"));

    @AfterEach
    void stop() {
        hook.stop();
    }

    private Notice notice(String title) {
        return new Notice(Topic.BACKUP_FAILED, Notice.Kind.PROBLEM, title, Map.of("plan", "critical"),
                List.of("pg_dump exited with 1"), "run it again", Instant.now());
    }

    private WebhookChannel channel() {
        return new WebhookChannel(new NotificationsConfig.Webhook("chat", Set.of("all"),
                URI.create(hook.url() + "/hook/secret"), Map.of(), Map.of(), "json", Optional.empty()), JSON);
    }

    @Test
    void aMessageAChannelCouldNotTakeIsSentAfterARestartOnceTheChannelIsBack() throws Exception {
        Path dir = state.resolve("outbox");
        Outbox before = new Outbox(dir, JSON, Duration.ofMillis(200), Duration.ofHours(24));
        before.put("chat", notice("backup of plan critical"), null, null);
        hook.down(503);
        before.deliverDue(name -> channel());
        assertEquals(1, before.waitingFor("chat"));
        assertEquals(1, before.record("chat").failed());
        assertTrue(before.record("chat").lastError().contains("HTTP 503"), before.record("chat").lastError());
        assertTrue(!before.record("chat").lastError().contains("secret"), "the URL's path is not shown");

        hook.down(0);
        Outbox restarted = new Outbox(dir, JSON, Duration.ofMillis(200), Duration.ofHours(24));
        assertEquals(1, restarted.waitingFor("chat"), "the message is still there after the restart");
        Thread.sleep(500);
        restarted.deliverDue(name -> channel());
        assertEquals(0, restarted.waitingFor("chat"));
        assertEquals(1, hook.requests().size(), "delivered once");
        assertEquals("backup of plan critical", JSON.readTree(hook.requests().get(0).body()).path("title").asText());
        try (var left = Files.list(dir)) {
            assertEquals(0, left.count(), "nothing left in the outbox");
        }
    }

    @Test
    void aMessageThatCannotBeDeliveredWithinGiveUpAfterIsDropped() throws Exception {
        Outbox outbox = new Outbox(state.resolve("outbox"), JSON, Duration.ofMillis(10), Duration.ofMillis(300));
        outbox.put("chat", notice("backup of plan models"), null, null);
        hook.down(503);
        outbox.deliverDue(name -> channel());
        Thread.sleep(400);
        outbox.deliverDue(name -> channel());
        assertEquals(0, outbox.waitingFor("chat"));
        assertEquals(1, outbox.record("chat").dropped());
    }

    @Test
    void aNewerPingOfAPlanReplacesOneStillWaiting() {
        Outbox outbox = new Outbox(state.resolve("outbox"), JSON, Duration.ofSeconds(30), Duration.ofHours(24));
        outbox.put("pings", null, URI.create(hook.url() + "/id/start"), "critical");
        outbox.put("pings", null, URI.create(hook.url() + "/id"), "critical");
        outbox.put("pings", null, URI.create(hook.url() + "/other"), "models");
        assertEquals(2, outbox.waitingFor("pings"));
    }

    @Test
    void whatWasToldIsRememberedAcrossARestartAndRemindedOnlyWhenDue() {
        Path file = state.resolve("problems.json");
        Instant t0 = Instant.parse("2026-11-21T02:00:00Z");
        Problems before = new Problems(file, JSON);
        assertEquals(Problems.Change.NEW, before.seen("disk:critical", 1, disk(t0), t0, Duration.ofHours(24)));
        assertEquals(Problems.Change.NOTHING, before.seen("disk:critical", 1, disk(t0), t0.plusSeconds(60),
                Duration.ofHours(24)));

        Problems restarted = new Problems(file, JSON);
        assertEquals(Problems.Change.NOTHING, restarted.seen("disk:critical", 1, disk(t0), t0.plusSeconds(3600),
                Duration.ofHours(24)), "a restart does not tell it again");
        assertEquals(Problems.Change.NEW, restarted.seen("disk:critical", 2, disk(t0), t0.plusSeconds(7200),
                Duration.ofHours(24)), "a new level is a change");
        assertEquals(Problems.Change.REMINDER, restarted.seen("disk:critical", 2, disk(t0),
                t0.plusSeconds(7200).plus(Duration.ofHours(24)), Duration.ofHours(24)));
        assertEquals(t0, restarted.fine("disk:critical").orElseThrow().since(), "recovered, failing since the first sight");
        assertTrue(new Problems(file, JSON).fine("disk:critical").isEmpty(), "told once");
    }

    /** A problem no event comes back for (a weekly plan failed once) is reminded by the clock alone. */
    @Test
    void aProblemThatStaysIsRemindedByTheClockEvenAfterARestart() {
        Path file = state.resolve("problems.json");
        Instant t0 = Instant.parse("2026-11-21T02:00:00Z");
        Duration every = Duration.ofSeconds(90);
        Problems problems = new Problems(file, JSON);
        problems.seen("backup:models", 1, disk(t0), t0, every);
        assertEquals(Map.of(), problems.due(t0.plusSeconds(89), every), "not due yet");
        Problems restarted = new Problems(file, JSON);
        var due = restarted.due(t0.plusSeconds(90), every);
        assertEquals(Set.of("backup:models"), due.keySet());
        assertEquals("the disk of repo critical is 91 % full", due.get("backup:models").told().title());
        assertEquals(Map.of(), restarted.due(t0.plusSeconds(150), every), "reminded once per period");
        assertEquals(Set.of("backup:models"), new Problems(file, JSON).due(t0.plusSeconds(180), every).keySet());
    }

    private static Notice disk(Instant at) {
        return new Notice(Topic.DISK_FULL, Notice.Kind.PROBLEM, "the disk of repo critical is 91 % full",
                Map.of("repo", "critical"), List.of(), "free space", at);
    }
}
