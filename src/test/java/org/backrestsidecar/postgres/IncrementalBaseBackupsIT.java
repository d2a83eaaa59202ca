package org.backrestsidecar.postgres;

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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.backrestsidecar.testing.PackagedSidecar;
import org.backrestsidecar.testing.PostgresContainer;
import org.backrestsidecar.testing.ResticCli;
import org.backrestsidecar.testing.TestDocker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * Incremental base backups on a real Postgres 17 (Debian trixie's, with pg_combinebackup), through
 * the packaged sidecar with real restic: the first base backup is full and switches WAL summarization
 * on; the next ones are incremental against the one before, up to the chain's bound
 * ({@code backup.postgres.base.full-every=4}), then a full one again. Proven with the data a user
 * relies on:
 * <ul>
 *   <li>a restore to a moment after the second incremental, into a new container, holds exactly the
 *       rows the server had then (full + two incrementals combined, then the WAL replayed);</li>
 *   <li>a drill of the newest run verifies each link against its own manifest, combines and replays them,
 *       from the repo and from its copy;</li>
 *   <li>the sidecar killed while restic stores an incremental: that run is cut short, never a parent,
 *       and the next one is incremental against the last base stored whole;</li>
 *   <li>with the first incremental's snapshot removed from the repo, every base that builds on it is
 *       out of the window, said why, and a restore to a moment it covered is refused before anything is
 *       touched, naming the missing one.</li>
 * </ul>
 * Postgres 15's full base backups, and the words that say so, are RestoresToAMomentTest's.
 *
 * <p>Runs beside the end-to-end chain (pom.xml, failsafe), as the Swarm test does: its target and its
 * sidecar's config name a Compose project of their own ({@link #PROJECT}), so its sidecar finds only its
 * Postgres and the chain's sidecars never find it.
 */
@Execution(ExecutionMode.CONCURRENT)
class IncrementalBaseBackupsIT {
    private static final String PROJECT = TestDocker.PROJECT + "-incr";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TARGET = "incr-pg";
    private static final String COPY = "backrest-sidecar-" + TestDocker.PREFIX + "incr-pg-copy";
    /** The sidecar is killed once restic has read this much of the incremental base (a new 15 MB table and a WAL segment, at 8 MB/s). */
    private static final long STORING = 4L << 20;
    private Process sidecar;
    private PostgresContainer pg;

    @AfterEach
    void cleanUp() {
        if (sidecar != null) {
            sidecar.destroyForcibly();
        }
        if (pg != null) {
            pg.removeWithStream();
        }
        try {
            TestDocker.client().removeContainerCmd(COPY).withForce(true).withRemoveVolumes(true).exec();
            TestDocker.client().removeVolumeCmd(COPY + "-data").exec();
        } catch (RuntimeException e) {
            // not there
        }
    }

    @Test
    void aChainOfIncrementalBaseBackupsRestoresExactlyAndKeepsWhole() throws Exception {
        Path root = Files.createTempDirectory("bsc-incremental");
        Path key = root.resolve("incr.key");
        Files.writeString(key, "incremental-test-key-0123456789ab\n");
        PackagedSidecar.writeToken(root);
        Path config = root.resolve("sidecar.yml");
        Path repo = root.resolve("repo");
        Path copy = root.resolve("copy");
        Path copyKey = root.resolve("copy.key");
        Files.writeString(copyKey, "incremental-copy-key-0123456789ab\n");
        Files.writeString(config, """
                instance: incr-host
                composeProject: %s
                stateDir: %s
                repos:
                  - id: incr
                    uri: %s
                    keyFile: %s
                    copies:
                      - id: second
                        uri: %s
                        keyFile: %s
                plans:
                  - id: incr
                    repo: incr
                    schedule: "0 2 1 1 *"
                """.formatted(PROJECT, root.resolve("state"), repo, key, copy, copyKey));
        // paced, so that a kill finds restic storing the incremental base
        pg = PostgresContainer.startOfficialLike17(TARGET, Map.of("backup.enable", "true", "backup.plan", "incr",
                "backup.strategy", "postgres", "com.docker.compose.service", TARGET, "backup.postgres.mode", "wal",
                "backup.postgres.checkpoint", "fast", "backup.postgres.base.full-every", "4",
                "backup.postgres.base.max-rate", "8M", "com.docker.compose.project", PROJECT));
        assertEquals("off", pg.sql("postgres", "SHOW summarize_wal").strip());
        // an AI stack's chats: rows appended all day, a few updated, a few deleted
        pg.sql("postgres", "CREATE TABLE chats (id serial PRIMARY KEY, at timestamptz DEFAULT clock_timestamp(), body text)");
        chatter(2000);

        int port = freePort();
        sidecar = start(config, port, root.resolve("first.log"));
        awaitReady(port, root.resolve("first.log"));

        // 1. the first base: full, and WAL summarization switched on (reloaded, no restart)
        JsonNode first = PackagedSidecar.runPlan(port, "incr");
        assertEquals("SUCCEEDED", first.path("state").asText(), first.toString());
        assertTrue(first.toString().contains("WAL summarization switched on"), first.toString());
        assertEquals("on", pg.sql("postgres", "SHOW summarize_wal").strip());
        String run1 = first.path("id").asText();

        // 2. and 3. incremental, each against the one before
        chatter(500);
        String run2 = succeeded(PackagedSidecar.runPlan(port, "incr"));
        chatter(500);
        String run3 = succeeded(PackagedSidecar.runPlan(port, "incr"));
        JsonNode window = window(port);
        assertEquals(List.of(run1, run2, run3), runs(window), window.toString());
        assertEquals(parents(null, run1, run2), parentsOf(window), "each incremental names its parent: " + window);
        assertEquals("incremental, a full one every 4 base backups", window.path("baseBackups").asText());
        assertTrue(storedBytes(repo, key, run3) < storedBytes(repo, key, run1),
                "an incremental stores what changed, not the whole: " + storedBytes(repo, key, run3) + " against "
                        + storedBytes(repo, key, run1));

        // the moment after the second incremental, and the rows then
        chatter(300);
        Instant noted = serverNow();
        String atNoted = checksum(pg.id());
        chatter(300);
        awaitShippedPast(port, noted);

        // a drill of the newest run: every link verified, combined, replayed to its restore points
        String drillId = JSON.readTree(postJson(port, "/api/plans/incr/drills", "")).path("id").asText();
        TestDocker.await("the drill to end", Duration.ofMinutes(5), () -> ask(() -> JSON.readTree(
                get(port, "/api/drills/runs/" + drillId)).hasNonNull("endedAt")));
        JsonNode drill = JSON.readTree(get(port, "/api/drills/runs/" + drillId));
        assertTrue(drill.path("passed").asBoolean(), drill.toString());
        String checks = drill.path("results").get(0).path("checks").toString();
        assertTrue(checks.contains("the 3 base backups of its chain each verified against their own manifest "
                + "(pg_verifybackup) and combined (pg_combinebackup)"), checks);
        assertTrue(checks.contains("base backup of run " + run3 + " (incremental, combined with " + run1 + ", " + run2
                + " by pg_combinebackup)"), checks);

        // the same from the copy: what restic copy brought there is a chain too
        TestDocker.await("run " + run3 + " copied", Duration.ofMinutes(2), () -> ask(() -> JSON.readTree(ResticCli.run(copy,
                copyKey, "snapshots", "--json", "--tag", "run:" + run3)).size() == 3)); // base, manifest, facts
        String fromCopy = JSON.readTree(postJson(port, "/api/plans/incr/drills?from=second", "")).path("id").asText();
        TestDocker.await("the drill from the copy to end", Duration.ofMinutes(5), () -> ask(() -> JSON.readTree(
                get(port, "/api/drills/runs/" + fromCopy)).hasNonNull("endedAt")));
        JsonNode copyDrill = JSON.readTree(get(port, "/api/drills/runs/" + fromCopy));
        assertTrue(copyDrill.path("passed").asBoolean(), copyDrill.toString());
        assertTrue(copyDrill.toString().contains("the 3 base backups of its chain each verified"), copyDrill.toString());

        // a restore to the noted moment into a new container: exactly the rows the server had then
        String restoreId = JSON.readTree(postJson(port, "/api/restores", "{\"target\":\"" + TARGET + "\",\"to\":\""
                + noted + "\",\"newContainer\":\"" + COPY + "\"}")).path("id").asText();
        JsonNode restored = awaitRestore(port, restoreId);
        assertEquals("SUCCEEDED", restored.path("state").asText(), restored.toString());
        assertTrue(restored.toString().contains("incremental, combined with " + run1 + ", " + run2), restored.toString());
        assertEquals(atNoted, checksum(COPY), "the rows at the noted moment, from a full and two incrementals");
        TestDocker.client().removeContainerCmd(COPY).withForce(true).withRemoveVolumes(true).exec();
        TestDocker.client().removeVolumeCmd(COPY + "-data").exec();

        // 4. the sidecar killed while restic stores an incremental base: that run never becomes a parent
        chatter(300);
        pg.sql("postgres", "CREATE TABLE bulk AS SELECT g AS id, repeat(md5(g::text), 30) AS body FROM generate_series(1, 15000) g");
        String killed = JSON.readTree(postJson(port, "/api/plans/incr/runs", "")).path("id").asText();
        PackagedSidecar.awaitResticStoring(TARGET + "/base.tar", STORING);
        sidecar.destroyForcibly().waitFor();
        pg.awaitNoBaseBackupProcess();
        sidecar = start(config, port, root.resolve("after-kill.log"));
        awaitReady(port, root.resolve("after-kill.log"));
        JsonNode cut = JSON.readTree(get(port, "/api/runs/" + killed));
        assertEquals("FAILED", cut.path("state").asText(), cut.toString());
        String run5 = succeeded(PackagedSidecar.runPlan(port, "incr"));
        window = window(port);
        assertFalse(runs(window).contains(killed), "the cut run is no base: " + window);
        assertEquals(parents(null, run1, run2, run3), parentsOf(window),
                "the next incremental is against the last base stored whole, not the cut one: " + window);
        assertEquals(List.of(run1, run2, run3, run5), runs(window));

        // 5. the chain holds 4 bases: the next one is full
        String run6 = succeeded(PackagedSidecar.runPlan(port, "incr"));
        window = window(port);
        assertEquals(parents(null, run1, run2, run3, null), parentsOf(window), window.toString());
        assertEquals(run6, runs(window).get(4));

        // 6. the first incremental's snapshot removed from the repo: the bases that build on it leave the
        // window, saying why, and a moment only they covered is refused before anything is touched
        String run2Base = ResticCli.run(repo, key, "snapshots", "--json", "--tag", "run:" + run2, "--path",
                "/" + TARGET + "/base.tar");
        String id = JSON.readTree(run2Base).get(0).path("id").asText();
        // the archiver ships every 15 s: restic 0.14 does not wait for its lock
        TestDocker.await("the base of " + run2 + " forgotten", Duration.ofMinutes(1), () -> ask(() -> {
            ResticCli.run(repo, key, "forget", id);
            return true;
        }));
        window = window(port);
        assertEquals(List.of(run1, run6), runs(window), "only what restores is in the window: " + window);
        String unrestorable = window.path("unrestorable").toString();
        for (String run : List.of(run3, run5)) {
            assertTrue(unrestorable.contains("base backup " + run + " of " + TARGET + " is incremental and cannot be "
                    + "restored: base backup " + run2 + ", which it builds on, is not in the repo whole"), unrestorable);
        }
        var refused = postJsonAnswer(port, "/api/restores", "{\"target\":\"" + TARGET + "\",\"to\":\"" + noted
                + "\",\"newContainer\":\"" + COPY + "\"}");
        assertEquals(400, refused.statusCode(), refused.body());
        assertTrue(refused.body().contains("base backup " + run3 + " of " + TARGET + " is incremental and cannot be "
                + "restored: base backup " + run2 + ", which it builds on"), refused.body());
        assertTrue(TestDocker.client().listContainersCmd().withShowAll(true).withNameFilter(List.of(COPY)).exec().isEmpty(),
                "nothing was made");
        assertTrue(TestDocker.state(pg.id()).running(), "nor the live server touched");
        assertTrue(get(port, "/api/status").contains("base backup " + run3 + " of " + TARGET + " is incremental and cannot"),
                "status says it too");
    }

    /** Rows appended, 1 in 50 updated, 1 in 100 deleted: a day of chats, {@code n} rows of it. */
    private void chatter(int n) {
        pg.sql("postgres", "INSERT INTO chats (body) SELECT repeat(md5(random()::text), 8) FROM generate_series(1, " + n + ")");
        pg.sql("postgres", "UPDATE chats SET body = body || ' (edited)' WHERE id % 50 = (SELECT max(id) FROM chats) % 50");
        pg.sql("postgres", "DELETE FROM chats WHERE id % 100 = (SELECT max(id) FROM chats) % 97");
    }

    private Instant serverNow() {
        return Instant.parse(pg.sql("postgres", "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', "
                + "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')").strip());
    }

    private static String succeeded(JsonNode run) {
        assertEquals("SUCCEEDED", run.path("state").asText(), run.toString());
        return run.path("id").asText();
    }

    private static List<String> runs(JsonNode window) {
        List<String> runs = new ArrayList<>();
        window.path("bases").forEach(b -> runs.add(b.path("run").asText()));
        return runs;
    }

    private static List<Optional<String>> parentsOf(JsonNode window) {
        List<Optional<String>> parents = new ArrayList<>();
        window.path("bases").forEach(b -> parents.add(b.path("parent").isTextual()
                ? Optional.of(b.path("parent").asText()) : Optional.empty()));
        return parents;
    }

    private static List<Optional<String>> parents(String... runs) {
        List<Optional<String>> parents = new ArrayList<>();
        for (String run : runs) {
            parents.add(Optional.ofNullable(run));
        }
        return parents;
    }

    /** What restic stored of a run's base.tar snapshot (its summary's data added is not kept: the file's size). */
    private static long storedBytes(Path repo, Path key, String run) throws IOException, InterruptedException {
        JsonNode snapshots = JSON.readTree(ResticCli.run(repo, key, "snapshots", "--json", "--tag", "run:" + run,
                "--path", "/" + TARGET + "/base.tar"));
        String id = snapshots.get(0).path("id").asText();
        return JSON.readTree(ResticCli.run(repo, key, "stats", "--json", "--mode", "restore-size", id)).path("total_size").asLong();
    }

    private static JsonNode window(int port) throws IOException, InterruptedException {
        return JSON.readTree(get(port, "/api/targets/" + TARGET + "/window"));
    }

    private static JsonNode awaitRestore(int port, String id) throws IOException, InterruptedException {
        TestDocker.await("restore " + id + " to end", Duration.ofMinutes(5),
                () -> ask(() -> JSON.readTree(get(port, "/api/restores/" + id)).hasNonNull("endedAt")));
        return JSON.readTree(get(port, "/api/restores/" + id));
    }

    private static void awaitShippedPast(int port, Instant moment) {
        TestDocker.await("WAL shipped past " + moment, Duration.ofMinutes(3), () -> ask(() -> {
            JsonNode until = window(port).path("until");
            return until.isTextual() && Instant.parse(until.asText()).isAfter(moment);
        }));
    }

    private static String checksum(String container) {
        return TestDocker.exec(container, "psql", "-U", "postgres", "-Atc",
                "SELECT count(*) || ':' || md5(string_agg(t::text, '|' ORDER BY t.id)) FROM chats t").out().strip();
    }
}
