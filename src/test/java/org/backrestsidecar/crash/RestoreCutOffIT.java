package org.backrestsidecar.crash;

import static org.backrestsidecar.testing.PackagedSidecar.awaitReady;
import static org.backrestsidecar.testing.PackagedSidecar.freePort;
import static org.backrestsidecar.testing.PackagedSidecar.get;
import static org.backrestsidecar.testing.PackagedSidecar.postJson;
import static org.backrestsidecar.testing.PackagedSidecar.postJsonAnswer;
import static org.backrestsidecar.testing.PackagedSidecar.start;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.backrestsidecar.testing.PackagedSidecar;
import org.backrestsidecar.testing.PostgresContainer;
import org.backrestsidecar.testing.TestDocker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Restores cut off by a crash: the packaged sidecar, a real process, is killed with SIGKILL in the
 * middle of a confirmed restore and started again with its state. How each test aims at its moment
 * is said where it kills.
 * <ul>
 *   <li>Redis, mid-copy of a 120 MB RDB of random values: the copy is written beside the RDB (checked
 *       cut short there, the RDB in place whole); the safety copy is put back before the container
 *       starts and the cut copy removed once it runs; Redis loads the data from before. Before this,
 *       the RDB was written in place, and Redis aborted on the cut-off RDB and stayed down. Then cut
 *       at the start (the backup's RDB whole in place, Redis not started): Redis runs on the backup's
 *       data and the record says so. Cut too about to stop Redis, and stopped with nothing written:
 *       the data from before.</li>
 *   <li>Files (strategy pause), cut at each phase its journal records, aimed by the sidecar itself:
 *       {@code SIDECAR_CRASH_TEST_HALT_AFTER} makes it stop dead (Runtime.halt, as kill -9) the moment
 *       the phase is written: about to stop the container, the safety snapshot taken, the backup's
 *       data whole in place before the start. The data from before, before, the backup's.</li>
 *   <li>Files (strategy stop), once at the safety snapshot (nothing written: the helper stopped,
 *       the container started), then while the helper's restic restores 150 MB beside the live data:
 *       the killed helper is stopped, the paths written back from the safety snapshot, the staging
 *       copy removed; the container runs on the files from before. Before this, the staging copy stayed
 *       on the volume beside the live data. Then inside the swap, held open for the test
 *       ({@code SIDECAR_CRASH_TEST_SWAP_PAUSE}), with the live entries moved aside and the restored ones
 *       not yet in: the same.</li>
 *   <li>SQLite (a 120 MB database in WAL mode), while the helper's restic restores it: the database
 *       from before, whole (integrity_check), every row as it was. Then cut at each phase as the
 *       paused target: the rows from before, before, the backup's. The next backup holds no
 *       leftover of the cut restores.</li>
 *   <li>Postgres dump, while pg_restore runs in the container and its dump still streams in, in parts
 *       of 64 KiB here ({@code SIDECAR_RESTORE_PART_BYTES}; held at its first DROP by a prepared
 *       transaction's lock, so that it surely outlives the restart; it also holds the database, so the
 *       restore cannot go beside it: it takes a safety pg_dump and restores in place): it goes on
 *       without the sidecar; the restarted sidecar tells its reader no more parts come, refuses a
 *       second restore of the target (409) while pg_restore runs, waits for it and its kept exit code
 *       once the lock goes: pg_restore read a dump cut short and failed, and the record says its one
 *       transaction left the rows from before, which the rows confirm; no part is left in /tmp. Then,
 *       nothing holding the database, the restore beside it (postgres/RestoreBeside) cut at each step
 *       its journal records: pg_restore about to write the database beside (the record says it never
 *       began, the database beside dropped, the rows from before, no part in /tmp); the database beside
 *       about to be made (the rows from before, nothing left); the backup whole beside, the switch
 *       about to be made (dropped, connections allowed, the rows from before); switched, the live one
 *       aside about to be saved into the repo (the backup's rows, the one aside kept with the rows from
 *       before, which the record names).</li>
 *   <li>A wal-mode Postgres restored over the live server, cut by the sidecar itself with the server
 *       stopped and then with its folder moved aside, killed from outside while the base backup is
 *       laid down, then again once the server was started on the backup to replay: the server is
 *       stopped if it runs, what was laid down is removed, the live folder put back and the server
 *       started on it. Last, a kept folder being put back (to: kept:), killed with it half moved
 *       back (held there by SIDECAR_CRASH_TEST_PUT_BACK_PAUSE): the server on its own data, the kept
 *       folder whole, which a second put-back proves.</li>
 * </ul>
 * Each record says FAILED ("interrupted") and which data the target holds; the restore journal is
 * empty afterwards.
 * <p>It runs in failsafe's main thread, one class after the other (tried beside the others on a third
 * thread: on two cores the end-to-end phase was no shorter, and the Swarm test's view missed answers).
 */
class RestoreCutOffIT {
    private static final String APP = "cut-redis";
    private static final String FILES = "cut-files";
    private static final String SQLITE = "cut-sqlite";
    private static final String PG = "cut-pg";
    private static final String WAL_PG = "cut-walpg";
    private static final String PAUSED = "cut-paused";
    private static final String RECOVERED = "cut-recovered";
    private static final ObjectMapper JSON = new ObjectMapper();
    private Process sidecar;
    /** The helpers there were when {@link #cutAt} cut the last restore. */
    private List<String> helpersAtTheCut = List.of();

    @AfterEach
    void cleanUp() {
        if (sidecar != null) {
            sidecar.destroyForcibly();
        }
        TestDocker.remove(APP);
        TestDocker.remove(FILES);
        TestDocker.remove(SQLITE);
        TestDocker.remove(PG);
        TestDocker.remove(WAL_PG);
        TestDocker.remove(PAUSED);
        TestDocker.remove(RECOVERED);
        try {
            // the WAL stream's container of the wal-mode target
            TestDocker.client().removeContainerCmd("backrest-sidecar-wal-" + WAL_PG).withForce(true).exec();
        } catch (RuntimeException e) {
            // not there
        }
        TestDocker.removeHelpersOf("cut-host");
    }

    /**
     * A sidecar's folder: a key, a token, a config with plan and repo "cut"; the config's path. The
     * plan runs at priority {@code full}: at {@code low} (the default) its processes run in SCHED_IDLE,
     * which gets a core only when no other process wants it, and the Swarm test beside this one keeps
     * both cores of a CI machine busy: the likely reason the wal-mode case's first base backup (13 s
     * here) did not end in 5 minutes on the project's CI once. Restores run at full priority whatever
     * the plan's; what priority low lowers is BackupYieldsToTheServicesTest's.
     */
    private static Path sidecarRoot() throws Exception {
        return sidecarRoot(root -> "");
    }

    /** As {@link #sidecarRoot()}, with {@code repoMore} (of the folder) added to repo "cut"'s settings. */
    private static Path sidecarRoot(java.util.function.Function<Path, String> repoMore) throws Exception {
        Path root = Files.createTempDirectory("bsc-cut");
        Files.writeString(root.resolve("cut.key"), "cut-test-key-0123456789abcdef\n");
        PackagedSidecar.writeToken(root);
        PackagedSidecar.buildImage();
        Files.writeString(root.resolve("sidecar.yml"), """
                instance: cut-host
                composeProject: %s
                stateDir: %s
                repos:
                  - id: cut
                    uri: %s
                    keyFile: %s
                %s
                plans:
                  - id: cut
                    schedule: "0 2 1 1 *"  # January 1st only: no scheduled run meets the test's own
                    priority: full
                """.formatted(TestDocker.PROJECT, root.resolve("state"), root.resolve("repo"), root.resolve("cut.key"),
                repoMore.apply(root).indent(4).stripTrailing()));
        return root;
    }

    /** Starts the sidecar of {@code root} on a free port and backs plan "cut" up once; the port. */
    private int startAndBackUp(Path root) throws Exception {
        return startAndBackUp(root, Map.of());
    }

    /** As {@link #startAndBackUp(Path)}, the sidecar with {@code env} added to its environment. */
    private int startAndBackUp(Path root, Map<String, String> env) throws Exception {
        int port = freePort();
        sidecar = start(root.resolve("sidecar.yml"), port, root.resolve("first.log"), env);
        awaitReady(port, root.resolve("first.log"));
        backUp(port, root.resolve("first.log"));
        return port;
    }

    /** Runs plan "cut" once; a run that fails or does not end shows its record and the end of {@code log}. */
    private static void backUp(int port, Path log) throws Exception {
        JsonNode run = PackagedSidecar.runPlan(port, "cut", log);
        assertEquals("SUCCEEDED", run.path("state").asText(), "the backup: " + run + "; the end of the sidecar's log:\n"
                + PackagedSidecar.tail(log));
    }

    /** Follows restore {@code id} every 10 ms until {@code aim} holds of it; fails if it ends first. */
    private static void awaitRestore(int port, String id, java.util.function.Predicate<JsonNode> aim) throws Exception {
        long until = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        JsonNode now = JSON.readTree(get(port, "/api/restores/" + id));
        while (!aim.test(now)) {
            assertTrue(System.nanoTime() < until && now.path("endedAt").isMissingNode() | now.path("endedAt").isNull(),
                    "the restore was seen at the phase aimed at before it ended: " + now);
            Thread.sleep(10);
            now = JSON.readTree(get(port, "/api/restores/" + id));
        }
    }

    /** The restore's record, once a restarted sidecar has settled it ({@code what} in its error). */
    private static JsonNode awaitSettled(int port, String id, String what) {
        JsonNode[] record = new JsonNode[1];
        TestDocker.await("the restore's record to say " + what, Duration.ofMinutes(2), () -> ask(() -> {
            record[0] = JSON.readTree(get(port, "/api/restores/" + id));
            return record[0].path("error").asText().contains(what);
        }));
        return record[0];
    }

    /**
     * Cuts a restore ({@code body}) at {@code phase}, aimed by the sidecar itself: started with
     * {@code SIDECAR_CRASH_TEST_HALT_AFTER} (RestoreJournal.HALT_AFTER), it stops dead the moment its
     * journal records the phase, as kill -9 would (no finally, no shutdown hook). {@code atTheCut} is
     * checked while no sidecar runs; then the sidecar is started again without it. The restore's id.
     */
    private String cutAt(Path root, int port, String body, String phase, Check atTheCut) throws Exception {
        if (sidecar != null) {
            sidecar.destroyForcibly().waitFor();
        }
        Path halting = root.resolve("halt-" + phase + ".log");
        sidecar = start(root.resolve("sidecar.yml"), port, halting, Map.of("SIDECAR_CRASH_TEST_HALT_AFTER", phase));
        awaitReady(port, halting);
        String id;
        try {
            id = JSON.readTree(postJson(port, "/api/restores", body)).path("id").asText();
        } catch (java.io.IOException haltedFirst) {
            // on a busy machine the restore can reach its phase and halt before the 202 is written:
            // its id is then the one its journal recorded
            id = null;
        }
        assertTrue(sidecar.waitFor(5, java.util.concurrent.TimeUnit.MINUTES), "it halted at " + phase);
        if (id == null) {
            id = JSON.readTree(journal(root)).get(0).path("restoreId").asText();
        }
        assertTrue(journal(root).contains("\"phase\":\"" + phase + "\""), phase + ": " + journal(root));
        assertTrue(atTheCut.get(), "at the cut, " + phase);
        helpersAtTheCut = helpers();
        Path after = root.resolve("after-" + phase + ".log");
        sidecar = start(root.resolve("sidecar.yml"), port, after);
        awaitReady(port, after);
        return id;
    }

    /** The log of the sidecar started last in {@code root}. */
    private static Path newestLog(Path root) throws java.io.IOException {
        try (var files = Files.list(root)) {
            return files.filter(f -> f.toString().endsWith(".log"))
                    .max(java.util.Comparator.comparing(f -> f.toFile().lastModified())).orElseThrow();
        }
    }

    private static String journal(Path root) throws java.io.IOException {
        return Files.readString(root.resolve("state/restores-under-way.json")).strip();
    }

    /** No helper of the sidecar and nothing under way in its restore journal. */
    private static void nothingUnderWay(Path root, String when) throws Exception {
        assertEquals(List.of(), helpers(), when + ": no helper left");
        assertEquals("[]", journal(root), when + ": nothing left under way");
    }

    /**
     * For a wal-mode target, whose WAL the restarted sidecar ships through helpers of its own: none
     * of the helpers there were at the cut is left, and nothing is under way in the restore journal.
     */
    private void nothingLeftOfTheCut(Path root, String when) throws Exception {
        List<String> left = new java.util.ArrayList<>(helpersAtTheCut);
        left.retainAll(helpers());
        assertEquals(List.of(), left, when + ": no helper of the cut left");
        assertEquals("[]", journal(root), when + ": nothing left under way");
    }

    private static List<String> helpers() throws Exception {
        return TestDocker.run(List.of("docker", "ps", "-aq", "--no-trunc", "--filter",
                "label=backrest-sidecar.helper=cut-host"), Map.of()).lines().map(String::strip)
                .filter(l -> !l.isEmpty()).toList();
    }

    @Test
    void aFilesRestoreKilledAtItsSafetySnapshotMidCopyOrInsideItsSwapLeavesTheDataFromBeforeAndNoStagingCopy()
            throws Exception {
        Path root = sidecarRoot();
        String app = appOnAVolume(FILES, "stop");
        // random content that does not compress: the helper's restic takes a while to restore it
        TestDocker.exec(app, "sh", "-c", "mkdir -p /data/big && for i in $(seq 1 150); do head -c 1000000 "
                + "/dev/urandom > /data/big/$i; done && echo at-backup > /data/marker").out();
        int port = startAndBackUp(root);
        // the data from before the restore: other files, which the backup does not hold
        TestDocker.exec(app, "sh", "-c", "rm -rf /data/big && mkdir /data/small && for i in $(seq 1 20); do "
                + "head -c 100000 /dev/urandom > /data/small/$i; done && echo before-restore > /data/marker").out();
        String before = filesDigest(app);
        String body = "{\"target\":\"" + FILES + "\",\"confirm\":\"" + FILES + "\"}";

        // 1. aimed at the safety snapshot: killed the moment the restore says it takes it (10 ms asks;
        // restic alone takes longer to start), so the journal holds it as stopped, nothing written
        String first = JSON.readTree(postJson(port, "/api/restores", body)).path("id").asText();
        awaitRestore(port, first, now -> now.path("phase").asText().startsWith("safety snapshot"));
        sidecar.destroyForcibly().waitFor();
        String journalAtKill = journal(root);
        assertTrue(journalAtKill.contains("\"phase\":\"STOPPED\""), "killed before anything was written: " + journalAtKill);
        sidecar = start(root.resolve("sidecar.yml"), port, root.resolve("after-safety-kill.log"));
        awaitReady(port, root.resolve("after-safety-kill.log"));
        TestDocker.await("the container to run again", Duration.ofSeconds(60), () -> TestDocker.state(app).running());
        assertEquals(before, filesDigest(app), "killed during the safety snapshot: every file as before");
        JsonNode cut = awaitSettled(port, first, "holds the data from before it");
        assertFalse(cut.path("rolledBack").asBoolean(), "nothing was written, nothing rolled back: " + cut);
        assertEquals("", TestDocker.run(List.of("docker", "ps", "-aq", "--filter", "label=backrest-sidecar.helper=cut-host"),
                Map.of()).strip(), "no helper left");

        // 2. aimed at the copy: killed once the restore says it writes /data and the helper's restic
        // restores (its process seen in the helper), while it writes the 150 MB beside the live data
        String id = JSON.readTree(postJson(port, "/api/restores", body)).path("id").asText();
        awaitRestore(port, id, now -> now.path("phase").asText().startsWith("writing") && helperRestores());
        sidecar.destroyForcibly().waitFor();
        assertTrue(!TestDocker.state(app).running(), "killed mid-restore, the container is still stopped");
        // the killed sidecar's helper goes on: its staging copy is there, beside the live data
        TestDocker.await("the staging copy on the volume", Duration.ofSeconds(30),
                () -> volumeListing(app).contains(".backrest-sidecar-staging"));

        sidecar = start(root.resolve("sidecar.yml"), port, root.resolve("after-copy-kill.log"));
        awaitReady(port, root.resolve("after-copy-kill.log"));
        TestDocker.await("the container to run again", Duration.ofSeconds(60), () -> TestDocker.state(app).running());
        assertEquals(before, filesDigest(app), "every file as before the restore, byte for byte, none of the backup's");
        assertEquals("before-restore", TestDocker.exec(app, "cat", "/data/marker").out().strip());
        rolledBackLeavingNothing(root, port, id, app);

        // 3. aimed inside the swap: the helper's move of the live entries aside and of the restored
        // ones in is held apart for a minute (SIDECAR_CRASH_TEST_SWAP_PAUSE, tests only), and the
        // sidecar killed once /data holds only the entries moved aside: the folder is torn
        sidecar.destroyForcibly().waitFor();
        Path swapping = root.resolve("swap-pause.log");
        sidecar = start(root.resolve("sidecar.yml"), port, swapping, Map.of("SIDECAR_CRASH_TEST_SWAP_PAUSE", "60"));
        awaitReady(port, swapping);
        String inSwap = JSON.readTree(postJson(port, "/api/restores", body)).path("id").asText();
        TestDocker.await("the live entries moved aside, the restored ones not yet in", Duration.ofMinutes(3), () -> {
            String listing = volumeListing(app);
            return listing.contains(".backrest-sidecar-old") && !listing.contains("marker");
        });
        sidecar.destroyForcibly().waitFor();
        sidecar = start(root.resolve("sidecar.yml"), port, root.resolve("after-swap-kill.log"));
        awaitReady(port, root.resolve("after-swap-kill.log"));
        TestDocker.await("the container to run again", Duration.ofSeconds(60), () -> TestDocker.state(app).running());
        assertEquals(before, filesDigest(app), "cut inside the swap: every file as before the restore, none of the backup's");
        rolledBackLeavingNothing(root, port, inSwap, app);
    }

    @Test
    void aPausedTargetsRestoreCutAtEachPhaseItsJournalRecordsLeavesWholeDataAndTheTargetRunning() throws Exception {
        Path root = sidecarRoot();
        String app = appOnAVolume(PAUSED, "pause");
        TestDocker.exec(app, "sh", "-c", "mkdir -p /data/set && for i in $(seq 1 20); do head -c 200000 /dev/urandom "
                + "> /data/set/$i; done && echo backed-up > /data/marker").out();
        int port = startAndBackUp(root);
        String backup = filesDigest(app);
        TestDocker.exec(app, "sh", "-c", "rm -rf /data/set && mkdir /data/other && head -c 300000 /dev/urandom "
                + "> /data/other/x && echo before-restore > /data/marker").out();
        String before = filesDigest(app);
        String body = "{\"target\":\"" + PAUSED + "\",\"confirm\":\"" + PAUSED + "\"}";

        // aimed by the sidecar itself (RestoreJournal.HALT_AFTER): it stops dead the moment its journal
        // records the phase, as kill -9 would. Each phase, what must be there after the restart:
        // STOPPED  about to stop the container, no safety snapshot yet: the data from before, nothing rolled back
        // WRITING  the safety snapshot taken, the helper about to restore: written back, the data from before
        // WRITTEN  the backup's data whole in place, the container not started yet: the backup's data
        Map<String, String[]> phases = new java.util.LinkedHashMap<>();
        phases.put("STOPPED", new String[] {before, "holds the data from before it"});
        phases.put("WRITING", new String[] {before, "holds the data from before the restore"});
        phases.put("WRITTEN", new String[] {backup, "holds the backup's data (restored)"});
        for (var phase : phases.entrySet()) {
            // (STOPPED is recorded before the container is stopped: it may not have been yet)
            String id = cutAt(root, port, body, phase.getKey(), () -> phase.getKey().equals("STOPPED")
                    || !TestDocker.state(app).running());
            TestDocker.await("the container to run again", Duration.ofSeconds(60), () -> TestDocker.state(app).running());
            assertEquals(phase.getValue()[0], filesDigest(app), "cut at " + phase.getKey() + ": whole data, never a mix");
            JsonNode record = awaitSettled(port, id, phase.getValue()[1]);
            assertEquals("FAILED", record.path("state").asText(), record.toString());
            String listing = TestDocker.exec(app, "ls", "-a", "/data").out();
            assertFalse(listing.contains(".backrest-sidecar"), "cut at " + phase.getKey() + ", no staging left: " + listing);
            nothingUnderWay(root, "cut at " + phase.getKey());
        }
    }

    @Test
    void anSqliteRestoreKilledMidCopyOrCutAtEachPhaseLeavesAWholeDatabaseAndTheNextBackupHoldsNoLeftovers()
            throws Exception {
        Path root = sidecarRoot();
        String app = appOnAVolume(SQLITE, "sqlite");
        // 120 rows of random blobs in WAL mode: a database the helper's restic takes a while to restore
        TestDocker.exec(app, "sqlite3", "/data/app.db", "PRAGMA journal_mode=WAL; CREATE TABLE t(id INTEGER PRIMARY KEY, "
                + "b BLOB); WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 120) "
                + "INSERT INTO t SELECT x, randomblob(1000000) FROM c;").out();
        String backup = sqliteDigest(app);
        int port = startAndBackUp(root);
        // the data from before the restore: other rows, which the backup does not hold
        TestDocker.exec(app, "sqlite3", "/data/app.db", "DELETE FROM t; INSERT INTO t VALUES (1000, "
                + "randomblob(100000)); INSERT INTO t VALUES (1001, 'before-restore');").out();
        String before = sqliteDigest(app);
        String body = "{\"target\":\"" + SQLITE + "\",\"confirm\":\"" + SQLITE + "\"}";

        String id = JSON.readTree(postJson(port, "/api/restores", body)).path("id").asText();
        // aimed at the copy, as the files test: the restore says it writes and the helper's restic restores
        awaitRestore(port, id, now -> now.path("phase").asText().startsWith("writing") && helperRestores());
        sidecar.destroyForcibly().waitFor();
        assertTrue(!TestDocker.state(app).running(), "killed mid-restore, the container is still stopped");

        sidecar = start(root.resolve("sidecar.yml"), port, root.resolve("after-copy-kill.log"));
        awaitReady(port, root.resolve("after-copy-kill.log"));
        TestDocker.await("the container to run again", Duration.ofSeconds(60), () -> TestDocker.state(app).running());
        assertEquals("ok", TestDocker.exec(app, "sqlite3", "/data/app.db", "PRAGMA integrity_check;").out().strip(),
                "a whole database, never a mix");
        assertEquals(before, sqliteDigest(app), "every row as before the restore, none of the backup's");
        rolledBackLeavingNothing(root, port, id, app);

        // then cut at each phase its journal records, as the paused files target above
        Map<String, String[]> phases = new java.util.LinkedHashMap<>();
        phases.put("STOPPED", new String[] {before, "holds the data from before it"});
        phases.put("WRITING", new String[] {before, "holds the data from before the restore"});
        phases.put("WRITTEN", new String[] {backup, "holds the backup's data (restored)"});
        for (var phase : phases.entrySet()) {
            String cut = cutAt(root, port, body, phase.getKey(), () -> true);
            TestDocker.await("the container to run again", Duration.ofSeconds(60), () -> TestDocker.state(app).running());
            assertEquals("ok", TestDocker.exec(app, "sqlite3", "/data/app.db", "PRAGMA integrity_check;").out().strip(),
                    "cut at " + phase.getKey() + ": a whole database");
            assertEquals(phase.getValue()[0], sqliteDigest(app), "cut at " + phase.getKey() + ": every row, never a mix");
            awaitSettled(port, cut, phase.getValue()[1]);
            String listing = TestDocker.exec(app, "ls", "-a", "/data").out();
            assertFalse(listing.contains(".backrest-sidecar"), "cut at " + phase.getKey() + ", no staging left: " + listing);
            nothingUnderWay(root, "cut at " + phase.getKey());
        }

        // the next backup holds the database and nothing the cut restores left
        backUp(port, newestLog(root));
        Map<String, String> repo = Map.of("RESTIC_REPOSITORY", root.resolve("repo").toString(),
                "RESTIC_PASSWORD_FILE", root.resolve("cut.key").toString());
        String found = TestDocker.run(List.of("restic", "--no-lock", "find", "*.backrest-sidecar*",
                ".backrest-sidecar*"), repo);
        assertFalse(found.contains(".backrest-sidecar"), "no snapshot holds a leftover: " + found);
    }

    /**
     * The one-command recovery's restores, cut: with a copy "away" of repo "cut" (the recovery names
     * it; its restores read the repo, which is here), the recovery's restore of a target is cut the
     * moment its safety snapshot is taken. The target runs on its data from before, the cut restore's
     * record says so, and the recovery job is gone with the sidecar (what scripts/backrest-management.sh
     * recover then tells). Run again, the recovery restores the backup's data and says SUCCEEDED.
     */
    @Test
    void aRecoveryCutWhileItRestoresLeavesWholeDataAndRunningItAgainFinishesIt() throws Exception {
        Path root = sidecarRoot(folder -> {
            try {
                Files.writeString(folder.resolve("away.key"), "cut-test-away-key-0123456789abcdef\n");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return "copies:\n  - id: away\n    uri: " + folder.resolve("away") + "\n    keyFile: "
                    + folder.resolve("away.key") + "\n";
        });
        String app = appOnAVolume(RECOVERED, "pause");
        TestDocker.exec(app, "sh", "-c", "mkdir -p /data/set && for i in $(seq 1 10); do head -c 100000 /dev/urandom "
                + "> /data/set/$i; done && echo backed-up > /data/marker").out();
        int port = startAndBackUp(root);
        String backup = filesDigest(app);
        TestDocker.exec(app, "sh", "-c", "rm -rf /data/set && echo before-recovery > /data/marker").out();
        String before = filesDigest(app);
        String body = "{\"confirm\":\"away\"}";

        sidecar.destroyForcibly().waitFor();
        Path halting = root.resolve("halt-recovery.log");
        sidecar = start(root.resolve("sidecar.yml"), port, halting, Map.of("SIDECAR_CRASH_TEST_HALT_AFTER", "WRITING"));
        awaitReady(port, halting);
        String job = JSON.readTree(postJson(port, "/api/recovery/away/restores", body)).path("id").asText();
        assertTrue(sidecar.waitFor(5, java.util.concurrent.TimeUnit.MINUTES), "it halted inside the recovery's restore");
        Path after = root.resolve("after-recovery-cut.log");
        sidecar = start(root.resolve("sidecar.yml"), port, after);
        awaitReady(port, after);
        TestDocker.await("the container to run again", Duration.ofSeconds(60), () -> TestDocker.state(app).running());
        assertEquals(before, filesDigest(app), "the recovery cut: every file as before it, none of the backup's");
        String cut = null;
        for (JsonNode r : JSON.readTree(get(port, "/api/restores"))) {
            if (r.path("target").asText().equals(RECOVERED)) {
                cut = r.path("id").asText();
            }
        }
        assertTrue(cut != null, "the recovery's restore has its record");
        awaitSettled(port, cut, "holds the data from before the restore");
        assertTrue(get(port, "/api/recovery/jobs/" + job).contains("no recovery job"),
                "the job went with the sidecar: " + get(port, "/api/recovery/jobs/" + job));
        nothingUnderWay(root, "the recovery cut");

        String again = JSON.readTree(postJson(port, "/api/recovery/away/restores", body)).path("id").asText();
        JsonNode[] report = new JsonNode[1];
        TestDocker.await("the recovery run again to end", Duration.ofMinutes(3), () -> ask(() -> {
            report[0] = JSON.readTree(get(port, "/api/recovery/jobs/" + again));
            return !report[0].path("state").asText().equals("RUNNING");
        }));
        assertEquals("SUCCEEDED", report[0].path("state").asText(), report[0].toString());
        assertEquals(backup, filesDigest(app), "run again, the recovery put the backup's data in place");
        assertTrue(TestDocker.state(app).running());
        nothingUnderWay(root, "the recovery run again");
    }

    /** A container of {@code strategy} whose data is its volume at /data, running until it is stopped. */
    private static String appOnAVolume(String name, String strategy) {
        return TestDocker.container(name).volume("/data")
                .labels(Map.of("backup.enable", "true", "backup.plan", "cut", "backup.strategy", strategy,
                        "com.docker.compose.service", name))
                .start("trap 'exit 0' TERM; while :; do sleep 1 & wait; done");
    }

    /**
     * After a files restore cut mid-copy and the restart: its record says it was rolled back to the
     * data from before, and no staging copy, helper or journal entry is left.
     */
    private static void rolledBackLeavingNothing(Path root, int port, String id, String app) throws Exception {
        String listing = TestDocker.exec(app, "ls", "-a", "/data").out();
        assertFalse(listing.contains(".backrest-sidecar"), "no staging copy left on the volume: " + listing);
        JsonNode record = awaitSettled(port, id, "holds the data from before the restore");
        assertEquals("FAILED", record.path("state").asText(), record.toString());
        assertTrue(record.path("rolledBack").asBoolean(), record.toString());
        nothingUnderWay(root, "rolled back");
    }

    /** The database's rows as SQLite reads them (the file's bytes differ after a VACUUM INTO copy). */
    private static String sqliteDigest(String container) {
        return TestDocker.exec(container, "sh", "-c", "sqlite3 /data/app.db 'SELECT id, hex(b) FROM t ORDER BY id;' "
                + "| md5sum").out().strip();
    }

    @Test
    void aPostgresRestoreKilledWhileItsDumpStreamsInRollsBackAndTheRecordSaysSo() throws Exception {
        Path root = sidecarRoot();
        PostgresContainer pg = PostgresContainer.start(PG, Map.of("backup.enable", "true", "backup.plan", "cut",
                "backup.strategy", "postgres", "com.docker.compose.service", PG));
        pg.sql("postgres", "CREATE DATABASE app");
        // large enough that pg_restore runs for seconds
        pg.sql("app", "CREATE TABLE t (id int PRIMARY KEY, body text); INSERT INTO t SELECT g, md5(g::text) || "
                + "md5((g * 7)::text) FROM generate_series(1, 1500000) g");
        String atBackup = pg.checksum("app", "t");
        // the dump (about 50 MB) in parts of 64 KiB: hundreds of parts, far from all in when the kill comes
        int port = startAndBackUp(root, Map.of("SIDECAR_RESTORE_PART_BYTES", "65536"));
        pg.sql("app", "DELETE FROM t WHERE id <= 1000; INSERT INTO t VALUES (0, 'before-restore')");
        String beforeRestore = pg.checksum("app", "t");
        assertNotEquals(atBackup, beforeRestore);

        // a prepared transaction holds a lock on the table: pg_restore --clean waits at its DROP, inside
        // its one transaction, until the test ends it. It also holds the database, so the restore cannot
        // go beside it and switch by renames: it takes a safety pg_dump, whose lock does not conflict,
        // and restores in place. (A session holding the lock would be closed by the switch.)
        pg.sql("app", "BEGIN; LOCK TABLE t IN ACCESS SHARE MODE; PREPARE TRANSACTION 'holder'");
        assertEquals("1", pg.sql("app", "SELECT count(*) FROM pg_prepared_xacts WHERE gid = 'holder'").strip());
        // (a prepared transaction's locks are held by no process)
        assertEquals("1", pg.sql("app", "SELECT count(*) FROM pg_locks WHERE pid IS NULL AND relation = 't'::regclass").strip());
        String body = "{\"target\":\"" + PG + "\",\"database\":\"app\",\"confirm\":\"" + PG + "\"}";
        String id = JSON.readTree(postJson(port, "/api/restores", body)).path("id").asText();
        // aimed at pg_restore: killed once the restore says it writes the database and pg_restore runs
        awaitRestore(port, id, now -> now.path("phase").asText().startsWith("restoring database")
                && pgRestoreRuns(pg.id()));
        String held = get(port, "/api/restores/" + id);
        assertTrue(held.contains("safety copy by pg_dump into the repo, the restore in place: a prepared transaction "
                + "holds database app"), "the prepared transaction holds the database: " + held);
        sidecar.destroyForcibly().waitFor();
        assertTrue(pgRestoreRuns(pg.id()), "killed mid-restore: pg_restore still runs without the sidecar");
        assertEquals("", TestDocker.exec(pg.id(), "sh", "-c", "ls /tmp | grep 'backrest-sidecar-restore.*[.]exit$'; true")
                .out().strip(), "pg_restore has not ended");

        sidecar = start(root.resolve("sidecar.yml"), port, root.resolve("second.log"));
        awaitReady(port, root.resolve("second.log"));
        assertTrue(pgRestoreRuns(pg.id()), "pg_restore still waits on the reader");
        var again = postJsonAnswer(port, "/api/restores", body);
        assertEquals(409, again.statusCode(), "no second restore while the cut-off one's pg_restore writes: " + again.body());
        assertTrue(again.body().contains("still being written by restore " + id), again.body());
        assertTrue(JSON.readTree(get(port, "/api/restores/" + id)).path("error").asText().contains("it goes on in"));
        pg.sql("app", "ROLLBACK PREPARED 'holder'");
        // the parts put before the kill are read, then the reader stops at the first missing one
        JsonNode record = awaitSettled(port, id, "one transaction, database app is as it was before");
        assertTrue(record.path("error").asText().contains("pg_restore went on and ended with exit 1"), record.toString());
        assertFalse(pgRestoreRuns(pg.id()), record.toString());
        assertEquals(beforeRestore, pg.checksum("app", "t"), "the record's word: every row as before the restore");
        assertEquals("", TestDocker.exec(pg.id(), "sh", "-c", "ls /tmp | grep backrest-sidecar-restore; true").out().strip(),
                "the dump's parts, marks and exit code are gone from the container's /tmp");
        nothingUnderWay(root, "pg_restore waited for");

        // with nothing holding the database, the restore goes beside it (postgres/RestoreBeside) and
        // switches by renames; cut at each step its journal records
        // at WRITING: pg_restore about to write the database beside; it never began, which the restarted
        // sidecar tells from a mark pg_restore's shell leaves first
        pg.sql("app", "DELETE FROM t WHERE id <= 10; INSERT INTO t VALUES (-1, 'before-the-second')");
        String beforeSecond = pg.checksum("app", "t");
        String cut = cutAt(root, port, body, "WRITING", () -> !pgRestoreRuns(pg.id()));
        JsonNode notBegun = awaitSettled(port, cut, "holds the data from before the restore");
        assertTrue(notBegun.path("error").asText().contains("pg_restore had not begun"), notBegun.toString());
        assertEquals(beforeSecond, pg.checksum("app", "t"), "the record's word: every row as before the restore");
        assertEquals("", TestDocker.exec(pg.id(), "sh", "-c", "ls /tmp | grep backrest-sidecar-restore; true").out().strip(),
                "the dump is gone from the container's /tmp");
        assertEquals("0", copiesOfApp(pg), "the database beside is dropped");
        nothingUnderWay(root, "cut before pg_restore");

        // at STOPPED: the database beside about to be made
        String making = cutAt(root, port, body, "STOPPED", () -> !pgRestoreRuns(pg.id()));
        JsonNode makingCut = awaitSettled(port, making, "holds the data from before the restore");
        assertEquals(beforeSecond, pg.checksum("app", "t"), "the record's word: every row as before the restore");
        assertEquals("0", copiesOfApp(pg), "nothing made beside it is left");
        nothingUnderWay(root, "cut as the database beside was made: " + makingCut);

        // at WRITTEN: the backup whole beside, the switch about to be made: undone, the live one as it was
        // (at the cut, before the sidecar starts again: the backup whole beside the live database)
        String switching = cutAt(root, port, body, "WRITTEN", () -> !pgRestoreRuns(pg.id()) && pg.sql("postgres",
                "SELECT count(*) FROM pg_database WHERE datname LIKE 'app.restoring-%'").strip().equals("1"));
        JsonNode switchCut = awaitSettled(port, switching, "holds the data from before the restore");
        assertEquals(beforeSecond, pg.checksum("app", "t"), "the record's word: every row as before the restore");
        assertEquals("t", pg.sql("postgres", "SELECT datallowconn FROM pg_database WHERE datname = 'app'").strip(),
                "connections to the database allowed");
        assertEquals("0", copiesOfApp(pg), "the database beside is dropped: " + switchCut);
        nothingUnderWay(root, "cut before the switch");

        // at SWITCHED: the restored database in the live one's place, the one aside about to be saved
        String saving = cutAt(root, port, body, "SWITCHED", () -> !pgRestoreRuns(pg.id()));
        JsonNode savingCut = awaitSettled(port, saving, "holds the backup's data (restored)");
        String aside = "app.before-restore-" + saving.substring(0, 8);
        assertTrue(savingCut.path("error").asText().contains("the data from before is kept in the server as database "
                + aside), savingCut.toString());
        assertEquals(atBackup, pg.checksum("app", "t"), "the record's word: every row as at the backup");
        assertEquals(beforeSecond, pg.checksum(aside, "t"), "the database aside holds every row from before the restore");
        assertEquals("t", pg.sql("postgres", "SELECT datallowconn FROM pg_database WHERE datname = 'app'").strip(),
                "connections to the restored database allowed");
        pg.sql("postgres", "DROP DATABASE \"" + aside + "\"");
        assertEquals("0", copiesOfApp(pg), "nothing else left beside it");
        nothingUnderWay(root, "cut after the switch");
    }

    private static String copiesOfApp(PostgresContainer pg) {
        return pg.sql("postgres", "SELECT count(*) FROM pg_database WHERE datname LIKE 'app.before-restore-%' "
                + "OR datname LIKE 'app.restoring-%'").strip();
    }

    @Test
    void aRestoreOverALiveWalServerCutBeforeOrWhileItLaysDownTheBaseOrMidReplayLeavesTheServerOnItsOwnData()
            throws Exception {
        Path root = sidecarRoot();
        PostgresContainer pg = PostgresContainer.startOfficialLike(WAL_PG, Map.of("backup.enable", "true",
                "backup.plan", "cut", "backup.strategy", "postgres", "com.docker.compose.service", WAL_PG,
                "backup.postgres.mode", "wal", "backup.postgres.checkpoint", "fast"));
        // a data folder large enough that laying its base backup down takes seconds
        pg.sql("postgres", "CREATE TABLE t (id int PRIMARY KEY, body text); INSERT INTO t SELECT g, md5(g::text) || "
                + "md5((g * 7)::text) FROM generate_series(1, 1500000) g");
        int port = startAndBackUp(root);
        pg.sql("postgres", "DELETE FROM t WHERE id <= 1000; INSERT INTO t VALUES (0, 'before-restore')");
        String before = pg.checksum("postgres", "t");
        String body = "{\"target\":\"" + WAL_PG + "\",\"to\":\"latest\",\"confirm\":\"" + WAL_PG + "\"}";

        // 1. cut at each phase its journal records, aimed by the sidecar itself (cutAt):
        // STOPPED  the server stopped, its folder not yet moved aside: nothing to undo
        // WRITING  the live folder moved aside, nothing laid down yet: moved back
        for (String phase : List.of("STOPPED", "WRITING")) {
            String cut = cutAt(root, port, body, phase, () -> !TestDocker.state(pg.id()).running()
                    && (phase.equals("STOPPED") || TestDocker.run(List.of("docker", "run", "--rm", "--volumes-from",
                    pg.id(), TestDocker.IMAGE, "ls", "-a", "/var/lib/postgresql/data"), Map.of())
                    .contains("pgsql_tmp.backrest-sidecar-before-")));
            TestDocker.await("the server to answer again", Duration.ofSeconds(90), () -> TestDocker.state(pg.id()).running()
                    && TestDocker.exec(pg.id(), "psql", "-U", "postgres", "-Atc", "select 1").exit() == 0);
            assertEquals(before, pg.checksum("postgres", "t"), "cut at " + phase + ": every row as before the restore");
            assertEquals("", TestDocker.exec(pg.id(), "sh", "-c", "ls -a /var/lib/postgresql/data | grep -e backrest-sidecar "
                    + "-e backup_label -e recovery.signal; true").out().strip(), "cut at " + phase + ": nothing left");
            awaitSettled(port, cut, phase.equals("STOPPED") ? "holds the data from before" : "holds the data from before the restore");
            nothingLeftOfTheCut(root, "cut at " + phase);
        }

        // 2. killed from outside while the base backup is laid down, part of it in place
        String id = JSON.readTree(postJson(port, "/api/restores", body)).path("id").asText();
        // aimed at the lay-down: killed the moment the restore says it lays the base backup down (10 ms
        // asks), with the live folder moved aside; the test checks the folder is indeed torn
        awaitRestore(port, id, now -> now.path("phase").asText().startsWith("laying down base backup"));
        sidecar.destroyForcibly().waitFor();
        helpersAtTheCut = helpers();
        assertFalse(TestDocker.state(pg.id()).running(), "killed mid-restore, the server is still stopped");
        String torn = TestDocker.run(List.of("docker", "run", "--rm", "--volumes-from", pg.id(), TestDocker.IMAGE, "sh", "-c",
                "ls -a /var/lib/postgresql/data"), Map.of());
        assertTrue(torn.contains("pgsql_tmp.backrest-sidecar-before-"), "the live folder was moved aside: " + torn);

        sidecar = start(root.resolve("sidecar.yml"), port, root.resolve("second.log"));
        awaitReady(port, root.resolve("second.log"));
        TestDocker.await("the server to answer again", Duration.ofSeconds(90), () -> TestDocker.state(pg.id()).running()
                && TestDocker.exec(pg.id(), "psql", "-U", "postgres", "-Atc", "select 1").exit() == 0);
        assertEquals(before, pg.checksum("postgres", "t"), "every row as before the restore");
        assertEquals("", TestDocker.exec(pg.id(), "sh", "-c", "ls -a /var/lib/postgresql/data | grep -e backrest-sidecar "
                + "-e backup_label -e recovery.signal; true").out().strip(), "nothing of the restore left in the folder");
        JsonNode record = awaitSettled(port, id, "holds the data from before the restore");
        assertTrue(record.path("rolledBack").asBoolean(), record.toString());
        nothingLeftOfTheCut(root, "killed mid-lay-down");

        // 3. aimed at the replay: killed once the restore has started the server on the laid-down
        // backup (its phase says so and the container runs); the restarted sidecar stops it first
        String second = JSON.readTree(postJson(port, "/api/restores", body)).path("id").asText();
        awaitRestore(port, second, now -> now.path("phase").asText().startsWith("starting")
                && TestDocker.state(pg.id()).running());
        sidecar.destroyForcibly().waitFor();
        helpersAtTheCut = helpers();
        sidecar = start(root.resolve("sidecar.yml"), port, root.resolve("third.log"));
        awaitReady(port, root.resolve("third.log"));
        JsonNode replayCut = awaitSettled(port, second, "holds the data from before the restore");
        assertTrue(replayCut.path("rolledBack").asBoolean(), replayCut.toString());
        TestDocker.await("the server to answer again", Duration.ofSeconds(90), () -> TestDocker.state(pg.id()).running()
                && TestDocker.exec(pg.id(), "psql", "-U", "postgres", "-Atc", "select 1").exit() == 0);
        assertEquals(before, pg.checksum("postgres", "t"), "killed mid-replay: every row as before the restore");
        assertEquals("", TestDocker.exec(pg.id(), "sh", "-c", "ls -a /var/lib/postgresql/data | grep -e backrest-sidecar "
                + "-e backup_label -e recovery.signal; true").out().strip(), "nothing of the restore left in the folder");
        nothingLeftOfTheCut(root, "killed mid-replay");

        // 4. cut while a folder is put back: a restore over the live server that ends well keeps the
        // folder from before beside it; putting that kept folder back (to: kept:<id>) is a put-back.
        // SIDECAR_CRASH_TEST_PUT_BACK_PAUSE holds it after its first entry moved (DataFolder, tests
        // only), and the sidecar is killed there, the folder half put back
        String whole = JSON.readTree(postJson(port, "/api/restores", body)).path("id").asText();
        JsonNode ended = awaitEnded(port, whole);
        assertEquals("SUCCEEDED", ended.path("state").asText(), ended.toString());
        String keptAs = "pgsql_tmp.backrest-sidecar-before-" + whole.substring(0, 8);
        // the plan's run for a new base backup on the new timeline, which the restore started, ends first
        TestDocker.await("the plan's run after the restore", Duration.ofMinutes(5), () -> ask(() -> {
            for (JsonNode run : JSON.readTree(get(port, "/api/runs?plan=cut"))) {
                if (!run.path("endedAt").isTextual()) {
                    return false;
                }
            }
            return true;
        }));
        pg.sql("postgres", "DELETE FROM t WHERE id <= 2000; INSERT INTO t VALUES (-5, 'after-the-restore')");
        String live = pg.checksum("postgres", "t");
        assertNotEquals(before, live);
        String toKept = "{\"target\":\"" + WAL_PG + "\",\"to\":\"kept:" + whole.substring(0, 8) + "\",\"confirm\":\""
                + WAL_PG + "\"}";
        sidecar.destroyForcibly().waitFor();
        Path pausing = root.resolve("put-back-pause.log");
        sidecar = start(root.resolve("sidecar.yml"), port, pausing, Map.of("SIDECAR_CRASH_TEST_PUT_BACK_PAUSE", "600"));
        awaitReady(port, pausing);
        String putBack = JSON.readTree(postJson(port, "/api/restores", toKept)).path("id").asText();
        TestDocker.await("the put-back held after its first entry", Duration.ofMinutes(3), () -> ask(RestoreCutOffIT::putBackHeld));
        sidecar.destroyForcibly().waitFor();
        helpersAtTheCut = helpers();
        String half = TestDocker.run(List.of("docker", "run", "--rm", "--volumes-from", pg.id(), TestDocker.IMAGE, "sh", "-c",
                "cd /var/lib/postgresql/data && ls -a | grep -v -e '^[.]*$' -e '^pgsql_tmp' | wc -l; ls " + keptAs + " | wc -l"),
                Map.of());
        List<Long> counts = half.lines().map(String::strip).map(Long::parseLong).toList();
        assertTrue(counts.get(0) >= 1 && counts.get(1) >= 1, "the kept folder half put back: " + half);
        sidecar = start(root.resolve("sidecar.yml"), port, root.resolve("after-put-back.log"));
        awaitReady(port, root.resolve("after-put-back.log"));
        TestDocker.await("the server to answer again", Duration.ofSeconds(90), () -> TestDocker.state(pg.id()).running()
                && TestDocker.exec(pg.id(), "psql", "-U", "postgres", "-Atc", "select 1").exit() == 0);
        assertEquals(live, pg.checksum("postgres", "t"), "cut mid-put-back: every row as before that restore");
        // (backup_label.old is the live folder's own: Postgres renamed it when that folder was restored)
        assertEquals(keptAs, TestDocker.exec(pg.id(), "sh", "-c", "ls -a /var/lib/postgresql/data | grep -e backrest-sidecar "
                + "-e '^backup_label$' -e recovery.signal; true").out().strip(), "the kept folder whole again, nothing else left");
        awaitSettled(port, putBack, "holds the data from before the restore");
        nothingLeftOfTheCut(root, "cut mid-put-back");
        // and the kept folder is whole: put back again, uncut, it is the data it held
        String again = JSON.readTree(postJson(port, "/api/restores", toKept)).path("id").asText();
        JsonNode back = awaitEnded(port, again);
        assertEquals("SUCCEEDED", back.path("state").asText(), back.toString());
        assertEquals(before, pg.checksum("postgres", "t"), "the kept folder put back: every row it held");
    }

    /** The restore {@code id}'s record once it has ended. */
    private static JsonNode awaitEnded(int port, String id) {
        JsonNode[] record = new JsonNode[1];
        TestDocker.await("restore " + id + " to end", Duration.ofMinutes(5), () -> ask(() -> {
            record[0] = JSON.readTree(get(port, "/api/restores/" + id));
            return record[0].path("endedAt").isTextual();
        }));
        return record[0];
    }

    /** A helper of the sidecar is held inside a put-back (its {@code sleep 600}). */
    private static boolean putBackHeld() throws Exception {
        for (String helper : helpers()) {
            if (ask(() -> !TestDocker.exec(helper, "sh", "-c", "cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' ' ' "
                    + "| grep -c '[s]leep 600' ; true").out().strip().equals("0"))) {
                return true;
            }
        }
        return false;
    }

    private static boolean pgRestoreRuns(String container) {
        return !TestDocker.exec(container, "sh", "-c", "for p in /proc/[0-9]*; do [ \"$(cat $p/comm 2>/dev/null)\" = "
                + "pg_restore ] && echo $p; done; true").out().isBlank();
    }

    /** A helper of the sidecar runs {@code restic restore}. */
    private static boolean helperRestores() {
        try {
            for (String helper : TestDocker.run(List.of("docker", "ps", "-q", "--filter",
                    "label=backrest-sidecar.helper=cut-host"), Map.of()).strip().split("\\s+")) {
                if (!helper.isEmpty() && !TestDocker.exec(helper, "sh", "-c", "cat /proc/[0-9]*/cmdline 2>/dev/null "
                        + "| tr '\\0' ' ' | grep -c '[r]estic.* restore [0-9a-f]' ; true").out().strip().equals("0")) {
                    return true;
                }
            }
            return false;
        } catch (Exception e) {
            return false;
        }
    }

    /** Every file's path and content under /data, as one digest. */
    private static String filesDigest(String container) {
        return TestDocker.exec(container, "sh", "-c", "cd /data && find . -type f | sort | xargs md5sum | md5sum").out().strip();
    }

    /** /data's entries, read from a throwaway beside the (stopped) container. */
    private static String volumeListing(String container) {
        try {
            return TestDocker.run(List.of("docker", "run", "--rm", "--volumes-from", container, TestDocker.IMAGE,
                    "ls", "-a", "/data"), Map.of());
        } catch (Exception e) {
            return "";
        }
    }

    @Test
    void aRedisRestoreKilledMidCopyLeavesRedisRunningOnTheDataFromBefore() throws Exception {
        Path root = sidecarRoot();
        Path config = root.resolve("sidecar.yml");
        String redis = TestDocker.container(APP).volume("/data")
                .labels(Map.of("backup.enable", "true", "backup.plan", "cut", "backup.strategy", "redis",
                        "com.docker.compose.service", APP))
                .start("mkdir -p /data && exec redis-server --dir /data --save '' --appendonly no");
        TestDocker.await("redis to answer", Duration.ofSeconds(30), () -> cli(redis, "PING").equals("PONG"));
        // random values: an RDB that does not compress, large enough that writing it takes a while
        TestDocker.exec(redis, "sh", "-c", "for i in $(seq 1 120); do head -c 1000000 /dev/urandom "
                + "| redis-cli -x SET big:$i >/dev/null; done").out();
        assertEquals("120", cli(redis, "DBSIZE"));
        String digestOfBackup = digest(redis);

        int port = startAndBackUp(root);

        // the data from before the restore: other keys, which the backup does not hold
        TestDocker.exec(redis, "sh", "-c", "redis-cli FLUSHALL >/dev/null && for i in $(seq 1 30); do head -c 100000 "
                + "/dev/urandom | redis-cli -x SET small:$i >/dev/null; done && redis-cli SET marker before-restore").out();
        String digestBefore = digest(redis);

        String id = JSON.readTree(postJson(port, "/api/restores", "{\"target\":\"" + APP + "\",\"confirm\":\"" + APP
                + "\"}")).path("id").asText();
        // aimed at the copy: killed once 20 MB of the 120 have been written over the live RDB
        // (asked every 10 ms: the copy itself takes about a second)
        awaitRestore(port, id, now -> now.path("phase").asText().startsWith("writing")
                && now.path("progress").path("bytesDone").asLong() > 20_000_000L);
        sidecar.destroyForcibly().waitFor();
        Thread.sleep(500);
        assertTrue(!TestDocker.state(redis).running(), "killed mid-restore, Redis is still stopped");
        // the backup's RDB is written beside the live one and only then put in its place: the cut
        // leaves the file beside short and the RDB in place whole, as Redis saved it before the restore
        String sizes = TestDocker.run(java.util.List.of("docker", "run", "--rm", "--volumes-from", redis,
                TestDocker.IMAGE, "stat", "-c", "%s", "/data/dump.rdb", "/data/dump.rdb.backrest-sidecar-new"),
                Map.of()).strip();
        long inPlace = Long.parseLong(sizes.lines().toList().get(0));
        long beside = Long.parseLong(sizes.lines().toList().get(1));
        assertTrue(beside > 10_000_000L && beside < 120_000_000L, "the file beside was cut off mid-copy: " + sizes);
        assertTrue(inPlace > 2_000_000L && inPlace < 10_000_000L, "the RDB in place is the one from before: " + sizes);

        sidecar = start(config, port, root.resolve("second.log"));
        awaitReady(port, root.resolve("second.log"));
        TestDocker.await("redis to run again", Duration.ofSeconds(60), () -> TestDocker.state(redis).running()
                && cli(redis, "PING").equals("PONG"));
        assertEquals("before-restore", cli(redis, "GET", "marker"));
        assertEquals("31", cli(redis, "DBSIZE"));
        assertEquals(digestBefore, digest(redis), "every key as before the restore, byte for byte");
        TestDocker.await("the cut-off file beside the RDB to be removed", Duration.ofSeconds(30),
                () -> TestDocker.exec(redis, "ls", "-a", "/data").out().lines().toList().equals(
                        java.util.List.of(".", "..", "dump.rdb")));

        JsonNode record = JSON.readTree(get(port, "/api/restores/" + id));
        assertEquals("FAILED", record.path("state").asText(), record.toString());
        assertTrue(record.path("rolledBack").asBoolean(), record.toString());
        assertTrue(record.path("error").asText().contains("the safety copy")
                && record.path("error").asText().contains("holds the data from before the restore"), record.toString());
        assertTrue(Files.readString(root.resolve("second.log")).contains("cut off"), "the log says what was done");
        nothingUnderWay(root, "killed mid-copy");

        // cut by the sidecar itself about to stop Redis, then with Redis stopped and nothing written
        // yet: Redis runs on the data from before
        String body = "{\"target\":\"" + APP + "\",\"confirm\":\"" + APP + "\"}";
        for (String phase : List.of("STOPPED", "WRITING")) {
            String cut = cutAt(root, port, body, phase, () -> true);
            TestDocker.await("redis to run again", Duration.ofSeconds(60), () -> TestDocker.state(redis).running()
                    && cli(redis, "PING").equals("PONG"));
            assertEquals(digestBefore, digest(redis), "cut at " + phase + ": every key as before the restore");
            awaitSettled(port, cut, phase.equals("STOPPED") ? "holds the data from before it"
                    : "holds the data from before the restore");
            TestDocker.await("nothing beside the RDB", Duration.ofSeconds(30),
                    () -> TestDocker.exec(redis, "ls", "-a", "/data").out().lines().toList().equals(
                            java.util.List.of(".", "..", "dump.rdb")));
            nothingUnderWay(root, "cut at " + phase);
        }

        // again, cut at the start: the sidecar stops dead the moment its journal says the backup's RDB
        // is whole in place (RestoreJournal.HALT_AFTER), Redis not started yet. After the restart Redis
        // runs on the backup's data, and the RDB's second name goes
        String second = cutAt(root, port, body, "WRITTEN", () -> !TestDocker.state(redis).running());
        TestDocker.await("redis to run again", Duration.ofSeconds(60), () -> TestDocker.state(redis).running()
                && cli(redis, "PING").equals("PONG"));
        assertEquals("120", cli(redis, "DBSIZE"));
        assertEquals(digestOfBackup, digest(redis), "every key as the backup holds it, byte for byte");
        TestDocker.await("the RDB's second name to be removed", Duration.ofSeconds(30),
                () -> TestDocker.exec(redis, "ls", "-a", "/data").out().lines().toList().equals(
                        java.util.List.of(".", "..", "dump.rdb")));
        JsonNode done = awaitSettled(port, second, "holds the backup's data (restored)");
        assertFalse(done.path("rolledBack").asBoolean(), done.toString());
        nothingUnderWay(root, "cut at WRITTEN");
    }

    private static String cli(String container, String... args) {
        String[] command = new String[args.length + 1];
        command[0] = "redis-cli";
        System.arraycopy(args, 0, command, 1, args.length);
        return TestDocker.exec(container, command).out().strip();
    }

    /** A digest of every key and value, as Redis itself computes it (the keys' values are random bytes). */
    private static String digest(String container) {
        return TestDocker.exec(container, "sh", "-c", "for k in $(redis-cli --scan | sort); do printf '%s ' \"$k\"; "
                + "redis-cli --no-raw GET \"$k\" | md5sum; done | md5sum").out().strip();
    }

    private interface Check {
        boolean get() throws Exception;
    }

    private static boolean ask(Check check) {
        try {
            return check.get();
        } catch (Exception e) {
            return false;
        }
    }
}
