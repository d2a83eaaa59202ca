package org.backrestsidecar.crash;

import static org.backrestsidecar.testing.PackagedSidecar.ask;
import static org.backrestsidecar.testing.PackagedSidecar.awaitReady;
import static org.backrestsidecar.testing.PackagedSidecar.freePort;
import static org.backrestsidecar.testing.PackagedSidecar.get;
import static org.backrestsidecar.testing.PackagedSidecar.postJson;
import static org.backrestsidecar.testing.PackagedSidecar.postJsonAnswer;
import static org.backrestsidecar.testing.PackagedSidecar.start;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.backrestsidecar.testing.PackagedSidecar;
import org.backrestsidecar.testing.PostgresContainer;
import org.backrestsidecar.testing.TestDocker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The packaged sidecar, streaming a wal-mode Postgres under steady writes, is killed with SIGKILL
 * twice: once while it streams and ships, with 150 MB of WAL written while it is down; once while
 * restic stores a base backup. Each time, started again, its window still reaches past the kill (the
 * chain has no hole, the status names none), the server's pg_wal stayed within the slot's bound, the
 * half-stored base backup is never offered as a base, and a restore to "latest" into a new container
 * holds exactly the rows the live server has. Then a hole (the stream down past the slot's bound):
 * once a base backup closes it, the window lists it as a gap and refuses a moment inside it.
 */
class SidecarKilledWhileStreamingIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TARGET = "crash-pg";
    private static final String COPY = "backrest-sidecar-" + TestDocker.PREFIX + "crash-pg-copy";
    private static final long BOUND = 64L << 20;
    private static final long MAX_WAL_SIZE = 32L << 20;
    /** The sidecar is killed once restic has read this much of a base backup. */
    private static final long STORING = 8L << 20;
    private Process sidecar;
    private PostgresContainer pg;

    @AfterEach
    void cleanUp() {
        if (sidecar != null) {
            sidecar.destroyForcibly();
        }
        if (pg != null) {
            pg.remove();
        }
        for (String name : new String[] {"backrest-sidecar-wal-" + TARGET, COPY}) {
            try {
                TestDocker.client().removeContainerCmd(name).withForce(true).withRemoveVolumes(true).exec();
            } catch (RuntimeException e) {
                // not there
            }
        }
        try {
            TestDocker.client().removeVolumeCmd(COPY + "-data").exec();
        } catch (RuntimeException e) {
            // not there
        }
    }

    @Test
    void aKillMidStreamOrMidBaseBackupLeavesNoHoleAndTheDiskBounded() throws Exception {
        Path root = Files.createTempDirectory("bsc-wal-crash");
        Files.writeString(root.resolve("crash.key"), "wal-crash-test-key-0123456789ab\n");
        PackagedSidecar.writeToken(root);
        PackagedSidecar.buildImage();
        Path config = root.resolve("sidecar.yml");
        Files.writeString(config, """
                instance: wal-crash-host
                composeProject: %s
                stateDir: %s
                repos:
                  - id: walcrash
                    uri: %s
                    keyFile: %s
                plans:
                  - id: walcrash
                    repo: walcrash
                    schedule: "0 2 1 1 *"
                """.formatted(TestDocker.PROJECT, root.resolve("state"), root.resolve("repo"), root.resolve("crash.key")));
        pg = PostgresContainer.startOfficialLike(TARGET, Map.of("backup.enable", "true", "backup.plan", "walcrash",
                "backup.strategy", "postgres", "com.docker.compose.service", TARGET, "backup.postgres.mode", "wal",
                "backup.postgres.checkpoint", "fast", "backup.postgres.wal.max-retained", "64MB"));
        pg.sql("postgres", "ALTER SYSTEM SET max_wal_size = '32MB'");
        pg.sql("postgres", "SELECT pg_reload_conf()");
        pg.sql("postgres", "CREATE TABLE ticks (id serial PRIMARY KEY, at timestamptz DEFAULT clock_timestamp(), pad text)");
        // steady writes all along: 20 rows every 0.2 s, until /tmp/stop-writing exists
        TestDocker.execDetached(pg.id(), "sh", "-c", "while [ ! -e /tmp/stop-writing ]; do psql -U postgres -qc "
                + "\"INSERT INTO ticks (pad) SELECT repeat('t', 100) FROM generate_series(1, 20)\"; sleep 0.2; done");

        int port = freePort();
        sidecar = start(config, port, root.resolve("first.log"));
        awaitReady(port, root.resolve("first.log"));
        assertEquals("SUCCEEDED", PackagedSidecar.runPlan(port, "walcrash").path("state").asText(), "the first base backup");
        awaitShippedPast(port, Instant.now());

        // 1. killed while it streams; 150 MB of WAL written while it is down
        sidecar.destroyForcibly().waitFor();
        assertTrue(TestDocker.state("backrest-sidecar-wal-" + TARGET).running(), "the stream outlives the sidecar");
        // at a rate the stream follows (a burst faster than it, over the bound, loses the slot: RestoresToAMomentTest)
        pg.sql("postgres", "CREATE TABLE bulk (id int, body text)");
        writePaced("bulk", 15);
        pg.sql("postgres", "CHECKPOINT");
        long walBytes = Long.parseLong(pg.sql("postgres", "SELECT sum(size) FROM pg_ls_waldir()").strip());
        assertTrue(walBytes <= BOUND + MAX_WAL_SIZE, "pg_wal holds " + (walBytes >> 20)
                + " MiB with the sidecar dead: more than the slot's bound (64 MiB) and max_wal_size (32 MiB)");
        assertFalse(pg.sql("postgres", "SELECT wal_status FROM pg_replication_slots").contains("lost"),
                "the slot was kept: the stream outlived the sidecar");
        sidecar = start(config, port, root.resolve("after-stream-kill.log"));
        awaitReady(port, root.resolve("after-stream-kill.log"));
        Instant afterFirstKill = Instant.now();
        JsonNode window = awaitShippedPast(port, afterFirstKill);
        assertFalse(window.path("stream").hasNonNull("holeSince"), "no hole after a kill mid-stream: " + window);
        assertEquals(1, window.path("bases").size(), "still the first chain: " + window);

        // 2. killed while restic stores a base backup: a bigger database (paced), so that the store lasts
        writePaced("bulk", 20);
        String killed = JSON.readTree(postJson(port, "/api/plans/walcrash/runs", "")).path("id").asText();
        long storing = PackagedSidecar.awaitResticStoring(TARGET + "/base.tar", STORING);
        sidecar.destroyForcibly().waitFor();
        pg.awaitNoBaseBackupProcess();
        sidecar = start(config, port, root.resolve("after-base-kill.log"));
        awaitReady(port, root.resolve("after-base-kill.log"));
        assertCutShort(port, killed);
        window = awaitShippedPast(port, Instant.now());
        assertFalse(window.path("stream").hasNonNull("holeSince"), "no hole after a kill mid-base-backup: " + window);
        for (JsonNode base : window.path("bases")) {
            assertFalse(base.path("run").asText().equals(killed),
                    "the base backup the kill cut short (restic had read " + storing + " bytes) is never a base: " + window);
        }
        // the slot that held the cut base backup's WAL would hold the server's WAL until the next base
        // backup: the restarted sidecar drops it at its first look
        assertEquals("backrest_sidecar_" + TARGET.replace('-', '_'), pg.sql("postgres",
                "SELECT string_agg(slot_name, ',') FROM pg_replication_slots").strip(), "only the stream's slot is left");

        // 3. a hole, and a kill before the base backup that closes it ends: the stream and the sidecar
        // down, 350 MB written at once, a checkpoint: the server gives up the slot
        Instant streamDown = Instant.now();
        sidecar.destroyForcibly().waitFor();
        TestDocker.client().killContainerCmd("backrest-sidecar-wal-" + TARGET).exec();
        pg.sql("postgres", "INSERT INTO bulk SELECT * FROM bulk");
        pg.sql("postgres", "CHECKPOINT");
        Instant walLost = Instant.now();
        long walBytes2 = Long.parseLong(pg.sql("postgres", "SELECT sum(size) FROM pg_ls_waldir()").strip());
        assertTrue(walBytes2 <= BOUND + MAX_WAL_SIZE, "pg_wal holds " + (walBytes2 >> 20) + " MiB with no stream");
        assertEquals("lost", pg.sql("postgres", "SELECT wal_status FROM pg_replication_slots").strip(),
                "past the bound the server gave up the slot, not its disk");
        sidecar = start(config, port, root.resolve("after-hole.log"));
        awaitReady(port, root.resolve("after-hole.log"));
        // the sidecar finds the lost slot, tells the hole and starts a base backup by itself; killed in it
        PackagedSidecar.awaitResticStoring(TARGET + "/base.tar", STORING);
        String closing = JSON.readTree(get(port, "/api/runs?plan=walcrash")).get(0).path("id").asText();
        sidecar.destroyForcibly().waitFor();
        pg.awaitNoBaseBackupProcess();
        sidecar = start(config, port, root.resolve("after-hole-kill.log"));
        awaitReady(port, root.resolve("after-hole-kill.log"));
        assertCutShort(port, closing);
        TestDocker.await("the hole shown again after the kill", Duration.ofMinutes(1), () -> ask(() -> JSON.readTree(
                get(port, "/api/targets/" + TARGET + "/window")).path("stream").hasNonNull("holeSince")));
        // and closed by the base backup the restarted sidecar starts by itself
        TestDocker.await("a second base backup", Duration.ofMinutes(5), () -> ask(() -> JSON.readTree(
                get(port, "/api/targets/" + TARGET + "/window")).path("bases").size() == 2));
        // the hole is a gap of the window: the old chain's WAL ends before the stream went down, the new
        // base is ready after the WAL was lost; a moment in between is refused before anything is touched
        JsonNode gaps = JSON.readTree(get(port, "/api/targets/" + TARGET + "/window")).path("gaps");
        assertEquals(1, gaps.size(), "the hole, and only it: " + gaps);
        Instant gapAfter = Instant.parse(gaps.get(0).path("after").asText());
        Instant gapBefore = Instant.parse(gaps.get(0).path("before").asText());
        assertTrue(!gapAfter.isAfter(streamDown) && gapBefore.isAfter(walLost), "the gap " + gaps + " holds the hole, from "
                + streamDown + " (stream down) to " + walLost + " (its WAL gone)");
        var inHole = postJsonAnswer(port, "/api/restores", "{\"target\":\"" + TARGET + "\",\"to\":\"" + walLost
                + "\",\"newContainer\":\"" + COPY + "\",\"dryRun\":true}");
        assertEquals(400, inHole.statusCode(), inHole.body());
        assertTrue(inHole.body().contains("the window has a gap there, up to " + gapBefore), inHole.body());

        // every row the live server has comes back
        TestDocker.exec(pg.id(), "touch", "/tmp/stop-writing");
        Thread.sleep(1000);
        String live = checksum(pg.id());
        window = awaitShippedPast(port, Instant.now());
        assertFalse(window.path("stream").hasNonNull("holeSince"), "the new base closed the hole: " + window);
        String restore = postJson(port, "/api/restores", "{\"target\":\"" + TARGET + "\",\"to\":\"latest\",\"newContainer\":\""
                + COPY + "\"}");
        String restoreId = JSON.readTree(restore).path("id").asText();
        TestDocker.await("the restore to end", Duration.ofMinutes(5),
                () -> ask(() -> JSON.readTree(get(port, "/api/restores/" + restoreId)).hasNonNull("endedAt")));
        JsonNode restored = JSON.readTree(get(port, "/api/restores/" + restoreId));
        assertEquals("SUCCEEDED", restored.path("state").asText(), restored.toString());
        assertEquals(live, checksum(COPY), "every row of the live server, across the kills and the hole");
    }

    /** Writes 10 MB into {@code table} every second for {@code seconds}: a rate the stream follows. */
    private void writePaced(String table, int seconds) throws InterruptedException {
        for (int i = 0; i < seconds; i++) {
            pg.sql("postgres", "INSERT INTO " + table + " SELECT g, repeat(md5(g::text), 30) FROM generate_series(1, 10000) g");
            Thread.sleep(1000);
        }
    }

    private static void assertCutShort(int port, String run) throws IOException, InterruptedException {
        JsonNode cut = JSON.readTree(get(port, "/api/runs/" + run));
        assertEquals("FAILED", cut.path("state").asText(), cut.toString());
        assertTrue(cut.path("error").asText().contains("the sidecar stopped during this run"), cut.toString());
    }

    /** Waits until the repo holds WAL up to a moment after {@code moment} and the stream was looked at; the window then. */
    private static JsonNode awaitShippedPast(int port, Instant moment) throws IOException, InterruptedException {
        TestDocker.await("WAL shipped past " + moment, Duration.ofMinutes(3), () -> ask(() -> {
            JsonNode window = JSON.readTree(get(port, "/api/targets/" + TARGET + "/window"));
            JsonNode until = window.path("until");
            return until.isTextual() && Instant.parse(until.asText()).isAfter(moment) && window.path("stream").isObject();
        }));
        return JSON.readTree(get(port, "/api/targets/" + TARGET + "/window"));
    }

    private static String checksum(String container) {
        return TestDocker.exec(container, "psql", "-U", "postgres", "-Atc",
                "SELECT count(*) || ':' || md5(string_agg(t::text, '|' ORDER BY t.id)) FROM ticks t").out().strip();
    }
}
