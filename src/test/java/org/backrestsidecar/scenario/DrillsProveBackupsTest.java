package org.backrestsidecar.scenario;

import static io.restassured.RestAssured.given;
import static io.restassured.RestAssured.when;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.backrestsidecar.testing.PostgresContainer;
import org.backrestsidecar.testing.SidecarApi;
import org.backrestsidecar.testing.SidecarStack;
import org.backrestsidecar.testing.TestDocker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Restore drills of a Postgres, a Redis, an SQLite app (stand-in with Open WebUI's layout) and a
 * volume: they pass on good backups, each measuring its restore; with the repo's data damaged they
 * fail and turn health DOWN, and after the damage is undone they pass again. No throwaway container
 * is ever left behind.
 */
@QuarkusTest
@QuarkusTestResource(SidecarStack.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DrillsProveBackupsTest {
    private static final String DATA = "/app/backend/data";
    private static final String DRILL_HEALTH = "checks.find { it.name == 'restore drill of plan drilling' }";
    private static final String CHECK_HEALTH = "checks.find { it.name == 'restic check of repo drills' }";
    private static PostgresContainer pg;

    /**
     * A stand-in for Open WebUI's start (the real image cannot run here), in what the drill depends on:
     * as the real start runs its migrations on webui.db before it serves, a database it cannot use
     * stops it with its reason on stderr; a missing one is made new (here: left to the test). Like an
     * Open WebUI configured with DATABASE_URL and REDIS_URL, it then needs its Postgres database (the
     * service pg-drill, database notes, at the schema it knows) and its Redis (redis-drill, with its
     * password) by their service names, and stops naming what it could not use. Then {@code /health}
     * answers on 8080, which the healthcheck of compose.yml.example asks with curl.
     */
    private static final String WEBUI_APP = "db=" + DATA + "/webui.db; if [ -f $db ] && ! sqlite3 $db "
            + "'SELECT count(*) FROM chat' >/dev/null 2>&1; then echo \"webui.db has no table chat: not a database this "
            + "app can use\" >&2; exit 1; fi; "
            + "schema=$(psql -X -h \"$DATABASE_HOST\" -U postgres -d notes -Atc \"SELECT value FROM settings WHERE key = "
            + "'schema'\" 2>/tmp/db.err) || { echo \"database notes on $DATABASE_HOST cannot be used: $(head -c 300 "
            + "/tmp/db.err)\" >&2; exit 1; }; [ \"$schema\" = 3 ] || { echo \"database notes is at schema '$schema', "
            + "not 3\" >&2; exit 1; }; "
            + "seven=$(REDISCLI_AUTH=\"$REDIS_PASSWORD\" redis-cli -h \"$REDIS_HOST\" GET k:7 2>&1); [ \"$seven\" = 7 ] "
            + "|| { echo \"redis on $REDIS_HOST answers '$seven' for k:7\" >&2; exit 1; }; "
            + "mkdir -p /srv/www; echo ok > /srv/www/health; "
            + "busybox httpd -f -p 8080 -h /srv/www & pid=$!; trap \"kill $pid; exit 0\" TERM; wait $pid";
    /** The Compose project's network of the plan's services, where each answers to its service name. */
    private static final String NETWORK = "drilling";
    private static final String REDIS_PASSWORD = "drill-redis-secret";

    private static Map<String, String> labels(String service, String strategy, String... more) {
        return SidecarStack.serviceLabels(service, "drilling", strategy, more);
    }

    private static void startTargets() {
        // its data on a mounted folder the image lacks, prepared by its command: the throwaway needs a fresh volume there
        String network = TestDocker.network(NETWORK);
        pg = PostgresContainer.startOnVolumeIn("pg-drill", SidecarStack.labels("pg-drill", "drilling"), "/srv/pgdata",
                network);
        pg.sql("postgres", "CREATE DATABASE notes");
        pg.sql("notes", "CREATE TABLE settings (key text PRIMARY KEY, value text); INSERT INTO settings VALUES ('schema', '3')");
        pg.sql("postgres", "CREATE DATABASE inventory");
        pg.sql("postgres", "CREATE ROLE keeper LOGIN");
        pg.sql("inventory", "CREATE TABLE items (id int PRIMARY KEY, name text); ALTER TABLE items OWNER TO keeper;"
                + "INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 3000) g;"
                + "CREATE SCHEMA shop; CREATE TABLE shop.\"Orders\" (id int); INSERT INTO shop.\"Orders\" VALUES (1), (2)");
        String redis = TestDocker.container("redis-drill")
                .labels(labels("redis-drill", "redis", "backup.redis.password-env", "REDIS_PASSWORD"))
                .env("REDIS_PASSWORD=" + REDIS_PASSWORD).network(network, "redis-drill")
                .start("mkdir -p /data && exec redis-server --dir /data --save '' --appendonly no --requirepass \"$REDIS_PASSWORD\"");
        TestDocker.await("redis to answer", Duration.ofSeconds(30),
                () -> TestDocker.exec(redis, "sh", "-c", "REDISCLI_AUTH=\"$REDIS_PASSWORD\" redis-cli PING").out().equals("PONG"));
        TestDocker.exec(redis, "sh", "-c", "for i in $(seq 1 700); do echo \"SET k:$i $i\"; done | REDISCLI_AUTH=\"$REDIS_PASSWORD\""
                + " redis-cli --pipe").out();
        String webui = TestDocker.container("webui-drill").volume(DATA)
                .labels(labels("webui-drill", "sqlite", "backup.sqlite.paths", DATA + "/webui.db",
                        "backup.drill.start-app", "true"))
                .env("DATABASE_HOST=pg-drill", "REDIS_HOST=redis-drill", "REDIS_PASSWORD=" + REDIS_PASSWORD)
                .network(network, "webui-drill")
                .healthcheck("curl -fsS http://127.0.0.1:8080/health", Duration.ofSeconds(5)).start(WEBUI_APP);
        TestDocker.exec(webui, "sh", "-c", "cd " + DATA + " && mkdir -p uploads && head -c 50000 /dev/urandom > uploads/a.bin"
                + " && sqlite3 webui.db 'PRAGMA journal_mode=WAL; CREATE TABLE chat (id INTEGER PRIMARY KEY, body TEXT);"
                + " CREATE TABLE \"user\" (id INTEGER PRIMARY KEY); INSERT INTO \"user\" VALUES (1), (2), (3);'"
                + " && sqlite3 webui.db \"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 400)"
                + " INSERT INTO chat (body) SELECT hex(randomblob(50)) FROM n;\"").out();
        String volume = TestDocker.container("vol-drill").volume("/models").labels(labels("vol-drill", "volume"))
                .start(TestDocker.IDLE);
        TestDocker.exec(volume, "sh", "-c", "mkdir -p /models/blobs && for i in 1 2 3; do head -c 300000 /dev/urandom"
                + " > /models/blobs/sha256-$i; done && ln -s blobs/sha256-1 /models/latest && echo '{}' > /models/manifest")
                .out();
    }

    @AfterAll
    static void removed() {
        if (pg != null) {
            pg.remove();
        }
        List.of("redis-drill", "webui-drill", "vol-drill").forEach(TestDocker::remove);
        TestDocker.removeNetwork(NETWORK);
    }

    /** restic's environment for the repo drills, as the test's own restic reaches it. */
    private static Map<String, String> drillsRepo() {
        return Map.of("RESTIC_REPOSITORY", SidecarStack.repo("drills").toString(),
                "RESTIC_PASSWORD_FILE", SidecarStack.key("drills").toString());
    }

    /** The newest of {@code target}'s snapshots in the repo {@code env} names that {@code wanted} picks, or null. */
    private static com.fasterxml.jackson.databind.JsonNode newestSnapshot(Map<String, String> env, String target,
            java.util.function.Predicate<com.fasterxml.jackson.databind.JsonNode> wanted) throws Exception {
        com.fasterxml.jackson.databind.JsonNode newest = null;
        for (var s : new com.fasterxml.jackson.databind.ObjectMapper().readTree(TestDocker.run(List.of("restic",
                "snapshots", "--json", "--no-lock", "--tag", "target:" + target), env))) {
            if (wanted.test(s) && (newest == null || s.path("time").asText().compareTo(newest.path("time").asText()) > 0)) {
                newest = s;
            }
        }
        return newest;
    }

    private static JsonPath drill() {
        return drill("drilling");
    }

    private static JsonPath drill(String plan) {
        return leftNothing(SidecarApi.drill(plan, null));
    }

    /**
     * A drill of plan drilling's one {@code target}, as {@code ?target=} asks: the scenarios below each
     * judge one target, and proving the other three again would only cost time. It drills that target
     * and no other.
     */
    private static JsonPath drillOf(String target) {
        JsonPath drill = leftNothing(SidecarApi.drill("drilling", null, target));
        assertEquals(target, drill.getString("target"), drill.prettify());
        assertEquals(List.of(target), drill.getList("results.target"), drill.prettify());
        return drill;
    }

    private static JsonPath leftNothing(JsonPath last) {
        assertEquals(0L, TestDocker.client().listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of("backrest-sidecar.helper", TestDocker.INSTANCE)).exec().stream()
                .filter(c -> !c.getLabels().containsKey("backrest-sidecar.wal")).count(),
                "no throwaway or helper container is left");
        return last;
    }

    @Test
    @Order(1)
    void drillsPassOnGoodBackupsAndMeasureTheRestore() {
        startTargets();
        JsonPath run = SidecarApi.runPlan("drilling");
        assertEquals("SUCCEEDED", run.getString("state"), run.prettify());

        JsonPath drill = drill();
        assertEquals(Boolean.TRUE, drill.getBoolean("passed"), drill.prettify());
        assertEquals(4, drill.getList("results").size(), drill.prettify());
        for (Map<String, Object> r : drill.<Map<String, Object>>getList("results")) {
            System.out.printf("drill of %s (%s): restored in %s s; %s%n", r.get("target"), r.get("strategy"),
                    r.get("restoreSeconds"), r.get("checks"));
            assertTrue(((Number) r.get("restoreSeconds")).doubleValue() > 0, r.toString());
        }
        String checks = drill.getString("results.checks");
        assertTrue(checks.contains("database inventory rows per table: 2 counts match (public.items=3000, shop.\"Orders\"=2)"), checks);
        assertTrue(checks.contains("database inventory: the content of 2 tables matches what was dumped"), checks);
        assertTrue(checks.contains("keys (DBSIZE): 1 counts match (db0=700)"), checks);
        assertTrue(checks.contains(DATA + "/webui.db: integrity_check ok"), checks);
        assertTrue(checks.contains(DATA + "/webui.db rows per table: 2 counts match (chat=400, user=3)"), checks);
        assertTrue(checks.contains(DATA + "/webui.db: the content of 2 tables matches what was copied (a SHA3 of every row)"),
                checks);
        assertTrue(checks.contains("/models: 2 counts match (bytes=900003, files=4)"), checks);
        // the app itself, started on what was restored (backup.drill.start-app)
        // beside the plan's Postgres and Redis as this drill restored them, on the drill's own network
        assertTrue(checks.contains("the app of webui-drill started on the restored data (beside pg-drill, redis-drill, "
                + "restored by this drill): its healthcheck passed "), checks);
        assertTrue(checks.contains("restic check --read-data-subset"), checks);
        assertTrue(checks.contains("snapshots restored and verified (restic restore --verify"), checks);

        when().get("/api/plans/drilling").then().statusCode(200)
                .body("drillSchedule", org.hamcrest.Matchers.equalTo("0 5 * * 1"))
                .body("nextDrill", org.hamcrest.Matchers.notNullValue());
        assertTrue(when().get("/api/drills").jsonPath().getList("findAll { it.plan == 'drilling' && it.passed }")
                .size() == 4);
        when().get("/q/health/well").then().body(DRILL_HEALTH + ".status", org.hamcrest.Matchers.equalTo("UP"))
                // the four restores added up, held against the default objective
                .body(DRILL_HEALTH + ".data.recoveryTimeObjective", org.hamcrest.Matchers.equalTo("PT2H"))
                .body(DRILL_HEALTH + ".data.restoreTime", org.hamcrest.Matchers.matchesPattern(
                        "restoring its 4 targets took [0-9.]+ s at their latest drills, within the recovery-time "
                                + "objective 2h"));
        String metrics = given().header("Authorization", "").get("/q/metrics").asString();
        assertTrue(metrics.contains("sidecar_plan_rto_seconds{plan=\"drilling\"} 7200.0"), metrics);
        assertTrue(metrics.contains("sidecar_drill_last_passed{plan=\"drilling\",target=\"pg-drill\"} 1.0"), metrics);
        assertTrue(metrics.contains("sidecar_drill_last_restore_seconds{plan=\"drilling\",target=\"vol-drill\"}"));

        // one target only: another plan's target, or one of no plan, is refused, naming the plan's targets
        for (String notOfIt : List.of("pg-handmade", "nope")) {
            given().queryParam("target", notOfIt).post("/api/plans/drilling/drills").then().statusCode(404)
                    .body("error", org.hamcrest.Matchers.equalTo("plan drilling has no target " + notOfIt
                            + " to drill (its targets: pg-drill, redis-drill, vol-drill, webui-drill)"));
        }
    }

    @Test
    @Order(2)
    void aDamagedRepoFailsTheDrillAndTurnsHealthDown() throws Exception {
        Path data = SidecarStack.repo("drills").resolve("data");
        List<Path> packs;
        try (Stream<Path> files = Files.walk(data)) {
            packs = files.filter(Files::isRegularFile).toList();
        }
        List<byte[]> originals = new ArrayList<>();
        for (Path pack : packs) {
            originals.add(Files.readAllBytes(pack));
            pack.toFile().setWritable(true);
            try (RandomAccessFile f = new RandomAccessFile(pack.toFile(), "rw")) {
                // flip bytes in the middle: the pack's name no longer matches its content
                f.seek(f.length() / 2);
                f.write(new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
            }
        }
        try {
            JsonPath drill = drillOf("vol-drill");
            assertEquals(Boolean.FALSE, drill.getBoolean("passed"), drill.prettify());
            List<Map<String, Object>> failed = drill.getList("results.findAll { !it.passed }");
            assertFalse(failed.isEmpty());
            failed.forEach(r -> assertTrue(r.get("failure") != null, r.toString()));
            failed.forEach(r -> assertEquals("failed", r.get("outcome"), "the backup failed its checks: " + r));
            when().get("/q/health/well").then().statusCode(503)
                    .body(DRILL_HEALTH + ".status", org.hamcrest.Matchers.equalTo("DOWN"))
                    .body(DRILL_HEALTH + ".data.reason", org.hamcrest.Matchers.containsString("last drill failed"));

            // a restore from the damaged repo fails and leaves the volume as it was, and running
            String volume = TestDocker.PREFIX + "vol-drill";
            String tree = "cd /models && find . -type f | sort | xargs sha256sum";
            TestDocker.exec(volume, "sh", "-c", "echo later > /models/later.txt").out();
            String before = TestDocker.exec(volume, "sh", "-c", tree).out();
            JsonPath restore = SidecarApi.restore(Map.of("target", "vol-drill", "confirm", "vol-drill"));
            assertEquals("FAILED", restore.getString("state"), restore.prettify());
            assertTrue(TestDocker.state(volume).running());
            assertEquals(before, TestDocker.exec(volume, "sh", "-c", tree).out(), "nothing half-written");

            // every pack damaged: the first data check whose part holds a pack fails (a part of a
            // small repo may hold none)
            JsonPath check = dataCheckUntilItFails();
            assertEquals(Boolean.FALSE, check.getBoolean("passed"), check.prettify());
            when().get("/q/health/well").then().body(CHECK_HEALTH + ".status", org.hamcrest.Matchers.equalTo("DOWN"));
            // and people are told, once each (Telegram stand-in: failures only)
            TestDocker.await("the failed drill and check told", Duration.ofSeconds(30), () -> told(
                    "FAILED: restore drill of " + failed.get(0).get("target")) == 1
                    && told("FAILED: restic check (data) of repo drills") == 1);
        } finally {
            for (int i = 0; i < packs.size(); i++) {
                Files.write(packs.get(i), originals.get(i));
            }
        }
        // the damage undone, the next drill and check pass and health is UP again
        assertEquals(Boolean.TRUE, drillOf("vol-drill").getBoolean("passed"));
        assertEquals(Boolean.TRUE, given().post("/api/repos/drills/checks?data=true").jsonPath().getBoolean("passed"));
        when().get("/q/health/well").then().body(DRILL_HEALTH + ".status", org.hamcrest.Matchers.equalTo("UP"))
                .body(CHECK_HEALTH + ".status", org.hamcrest.Matchers.equalTo("UP"));
        TestDocker.await("the recoveries told", Duration.ofSeconds(30), () -> told("RECOVERED: restore drill of") >= 1
                && told("RECOVERED: restic check (data) of repo drills") == 1);
    }

    @Test
    @Order(4)
    void aBackupPutInPlaceOfTheOneItsRunMadeFailsItsDrill() throws Exception {
        // as a bug, a bad disk or someone with the key could: the volume's snapshot of the newest run
        // replaced by one of changed files (16 bytes of one, the same counts), under the same tags and host
        Path repo = SidecarStack.repo("drills");
        Map<String, String> env = drillsRepo();
        assertEquals(Boolean.TRUE, drillOf("vol-drill").getBoolean("passed"), "the run's own backup passes first");
        // a run's (tagged run:), not an earlier restore's safety copy of the volume
        com.fasterxml.jackson.databind.JsonNode made = newestSnapshot(env, "vol-drill", s -> s.path("paths").toString()
                .equals("[\"/models\"]") && s.path("tags").toString().contains("\"run:"));
        assertTrue(made != null, "the volume's snapshot");
        Path copy = Files.createTempDirectory("bsc-replaced");
        TestDocker.run(List.of("restic", "restore", made.path("id").asText(), "--target", copy.toString()), env);
        try (RandomAccessFile f = new RandomAccessFile(copy.resolve("models/blobs/sha256-2").toFile(), "rw")) {
            f.seek(1000);
            f.write("changed after it".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
        List<String> backup = new ArrayList<>(List.of("docker", "run", "--rm", "-v", copy.resolve("models") + ":/models:ro",
                "-v", repo + ":/repo", "-v", SidecarStack.key("drills") + ":/key:ro", TestDocker.IMAGE, "restic", "-r",
                "/repo", "--password-file", "/key", "backup", "/models", "--host", made.path("hostname").asText()));
        made.path("tags").forEach(t -> backup.addAll(List.of("--tag", t.asText())));
        TestDocker.run(backup, Map.of());
        TestDocker.runWaitingOutLocks(List.of("restic", "forget", made.path("id").asText()), env);

        JsonPath drill = drillOf("vol-drill");
        Map<String, Object> volume = drill.getMap("results.find { it.target == 'vol-drill' }");
        assertEquals("failed", volume.get("outcome"), drill.prettify());
        assertTrue(String.valueOf(volume.get("failure")).contains("is not one its run recorded ("
                + made.path("short_id").asText()), volume.toString());
        // the next run's backup is its own again, and passes
        assertEquals("SUCCEEDED", SidecarApi.runPlan("drilling").getString("state"));
        JsonPath again = drillOf("vol-drill");
        assertEquals(Boolean.TRUE, again.getBoolean("passed"), again.prettify());
        assertTrue(again.getString("results.find { it.target == 'vol-drill' }.checks")
                .contains("snapshot is the one its run recorded"), again.prettify());
    }

    /**
     * A table whose rows are not the ones that were backed up fails the drill, naming the table, with
     * the counts equal: a Postgres dump's and an SQLite copy's. A changed backup cannot be put in place
     * of the recorded one unseen (its snapshot's id changes: the scenario above), so the test changes
     * the other side: the content sum recorded for one table in the run's facts, stored back under the
     * same tags, host and path (the facts file is not judged by its id). Either way the drill compares
     * what restores with what was recorded.
     */
    @Test
    @Order(6)
    void aTableWhoseContentIsNotWhatWasBackedUpFailsTheDrillNamingIt() throws Exception {
        Map<String, String> env = drillsRepo();
        assertEquals("SUCCEEDED", SidecarApi.runPlan("drilling").getString("state"));
        changeRecordedSum(env, "pg-drill", "inventory", "public.items");
        changeRecordedSum(env, "webui-drill", DATA + "/webui.db", "chat");

        JsonPath drill = drill();
        Map<String, Object> pg = drill.getMap("results.find { it.target == 'pg-drill' }");
        assertEquals("failed", pg.get("outcome"), drill.prettify());
        assertEquals("database inventory restores with other content: public.items holds other rows than were dumped",
                pg.get("failure"), pg.toString());
        Map<String, Object> webui = drill.getMap("results.find { it.target == 'webui-drill' }");
        assertEquals("failed", webui.get("outcome"), drill.prettify());
        assertEquals(DATA + "/webui.db restores with other content: chat holds other rows than were copied",
                webui.get("failure"), webui.toString());
        // the next run's backup records its own facts again, and passes
        assertEquals("SUCCEEDED", SidecarApi.runPlan("drilling").getString("state"));
        assertEquals(Boolean.TRUE, drill().getBoolean("passed"));
    }

    /**
     * Adds one to the content sum {@code target}'s newest run recorded for {@code table} of
     * {@code scope}, and stores the changed facts in place of the run's (same path, host and tags).
     */
    private static void changeRecordedSum(Map<String, String> env, String target, String scope, String table)
            throws Exception {
        changeFacts(env, target, recorded -> {
            var sums = (com.fasterxml.jackson.databind.node.ObjectNode) recorded.path("contentSums").path(scope);
            assertTrue(sums.has(table), "the run recorded the content of " + scope + "'s tables: " + recorded);
            sums.put(table, sums.path(table).asLong() + 1);
        });
    }

    /** {@code change} made to the facts of {@code target}'s newest run, stored in place of the run's. */
    private static void changeFacts(Map<String, String> env, String target,
                                    java.util.function.Consumer<com.fasterxml.jackson.databind.node.ObjectNode> change)
            throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.JsonNode facts = newestSnapshot(env, target,
                s -> s.path("paths").toString().contains("backup-facts.json"));
        assertTrue(facts != null, "the facts of " + target + "'s newest run");
        String file = facts.path("paths").get(0).asText();
        var recorded = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(TestDocker.run(List.of("restic",
                "dump", "--no-lock", facts.path("id").asText(), file), env));
        change.accept(recorded);
        Path changed = Files.createTempFile("bsc-facts", ".json");
        Files.write(changed, json.writeValueAsBytes(recorded));
        // restic backup of the changed file from stdin ($0 of the shell), under the same path, host and tags
        List<String> store = new ArrayList<>(List.of("sh", "-c", "exec \"$@\" < \"$0\"", changed.toString(), "restic",
                "backup", "--stdin", "--stdin-filename", file.replaceFirst("^/", ""), "--host", facts.path("hostname").asText()));
        facts.path("tags").forEach(t -> store.addAll(List.of("--tag", t.asText())));
        TestDocker.run(store, env);
        assertEquals(facts.path("tags").toString(), newestSnapshot(env, target, s -> s.path("paths").toString()
                .contains("backup-facts.json")).path("tags").toString(), "the changed facts stored as the run's");
        TestDocker.runWaitingOutLocks(List.of("restic", "forget", facts.path("id").asText()), env);
        Files.delete(changed);
    }

    /**
     * A backup the sidecar made and recorded that is gone from the repo fails the next drill, though an
     * older whole backup is still there and would pass: the run history says which run was the newest.
     * Forgotten by hand here, as someone with the key (or a bad prune) could: the facts of the Postgres
     * target's newest run, and every snapshot of the volume target's newest run.
     */
    @Test
    @Order(7)
    void aNewestBackupGoneFromTheRepoFailsTheDrillThoughAnOlderOnePasses() throws Exception {
        Map<String, String> env = drillsRepo();
        assertEquals("SUCCEEDED", SidecarApi.runPlan("drilling").getString("state"));
        com.fasterxml.jackson.databind.JsonNode facts = newestSnapshot(env, "pg-drill",
                s -> s.path("paths").toString().contains("backup-facts.json"));
        String pgRun = runOf(facts);
        TestDocker.runWaitingOutLocks(List.of("restic", "forget", facts.path("id").asText()), env);
        String volumeRun = runOf(newestSnapshot(env, "vol-drill", s -> s.path("tags").toString().contains("\"run:")));
        for (var s : new com.fasterxml.jackson.databind.ObjectMapper().readTree(TestDocker.run(List.of("restic",
                "snapshots", "--json", "--no-lock", "--tag", "target:vol-drill," + volumeRun), env))) {
            TestDocker.runWaitingOutLocks(List.of("restic", "forget", s.path("id").asText()), env);
        }

        JsonPath drill = drill();
        assertEquals(Boolean.FALSE, drill.getBoolean("passed"), drill.prettify());
        // retention keeps one backup a day: the older runs of today are gone, so the Postgres target's
        // newest run is drilled without its facts, and the volume target has no backup left at all
        Map<String, Object> pg = drill.getMap("results.find { it.target == 'pg-drill' }");
        assertEquals("failed", pg.get("outcome"), pg.toString());
        assertTrue(String.valueOf(pg.get("failure")).startsWith("the facts " + pgRun + " stored with its backup of "
                + "pg-drill (ended "), pg.toString());
        Map<String, Object> volume = drill.getMap("results.find { it.target == 'vol-drill' }");
        assertEquals("failed", volume.get("outcome"), volume.toString());
        assertTrue(String.valueOf(volume.get("failure")).startsWith("the newest backup of vol-drill (" + volumeRun
                + ", ended "), volume.toString());
        assertTrue(String.valueOf(volume.get("failure")).contains("is not in the repo, nor any other of it"),
                volume.toString());
        // the target whose newest backup is whole passes beside them; the app, whose files are whole too,
        // starts beside what restored well only, so without its database it fails, saying so
        assertEquals("passed", drill.getString("results.find { it.target == 'redis-drill' }.outcome"), drill.prettify());
        assertTrue(drill.getString("results.find { it.target == 'webui-drill' }.failure").contains("(beside redis-drill, "
                + "restored by this drill): it exited with code 1; its last lines: database notes on pg-drill cannot be "
                + "used: "), drill.prettify());
        // the next run's backups are whole again, and pass
        assertEquals("SUCCEEDED", SidecarApi.runPlan("drilling").getString("state"));
        JsonPath again = drill();
        assertEquals(Boolean.TRUE, again.getBoolean("passed"), again.prettify());
    }

    @Test
    @Order(8)
    void anAppThatCannotStartOnItsBackupFailsTheDrillInItsOwnWords() throws Exception {
        // a database the app cannot use (its table gone, as an app's failed upgrade could leave it):
        // counts and integrity hold for what is there, only the app can tell
        TestDocker.exec(TestDocker.PREFIX + "webui-drill", "sqlite3", DATA + "/webui.db", "DROP TABLE chat;").out();
        assertEquals("SUCCEEDED", SidecarApi.runPlan("drilling").getString("state"));
        JsonPath drill = drillOf("webui-drill");
        Map<String, Object> webui = drill.getMap("results.find { it.target == 'webui-drill' }");
        assertEquals("failed", webui.get("outcome"), drill.prettify());
        assertEquals("webui-drill's app did not start on the restored data: it exited with code 1; its last lines: "
                + "webui.db has no table chat: not a database this app can use", webui.get("failure"), webui.toString());
        assertEquals(Boolean.TRUE, TestDocker.state(TestDocker.PREFIX + "webui-drill").running(), "the live app is left as it was");

        TestDocker.exec(TestDocker.PREFIX + "webui-drill", "sqlite3", DATA + "/webui.db",
                "CREATE TABLE chat (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO chat (body) VALUES ('back');").out();
        assertEquals("SUCCEEDED", SidecarApi.runPlan("drilling").getString("state"));
        // the app needs its Postgres and Redis too: a drill of the whole plan starts it beside them
        JsonPath again = drill();
        assertEquals("passed", again.getString("results.find { it.target == 'webui-drill' }.outcome"),
                again.prettify());
    }

    /**
     * The plan's targets restored together: the app starts on the drill's own network beside the
     * Postgres and Redis that drill restored, never the live ones. A database the app cannot use in the
     * backup, or none at all, fails the app's start, naming why, though the Postgres drill itself
     * passes (the dump is the server as it was): only the app can tell. The live services are left as
     * they were.
     */
    @Test
    @Order(10)
    void theAppStartsBesideItsPlansRestoredServicesAndFailsOnADatabaseItCannotUse() throws Exception {
        // a backup of a schema the app cannot use
        pg.sql("notes", "UPDATE settings SET value = '4' WHERE key = 'schema'");
        assertEquals("SUCCEEDED", SidecarApi.runPlan("drilling").getString("state"));
        JsonPath drill = drill();
        Map<String, Object> webui = drill.getMap("results.find { it.target == 'webui-drill' }");
        assertEquals("failed", webui.get("outcome"), drill.prettify());
        assertEquals("webui-drill's app did not start on the restored data (beside pg-drill, redis-drill, restored by "
                + "this drill): it exited with code 1; its last lines: database notes is at schema '4', not 3",
                webui.get("failure"), webui.toString());
        assertEquals("passed", drill.getString("results.find { it.target == 'pg-drill' }.outcome"),
                "the dump restores as it was made: " + drill.prettify());
        assertEquals(Boolean.TRUE, TestDocker.state(TestDocker.PREFIX + "webui-drill").running(), "the live app is left as it was");
        assertEquals(0, TestDocker.client().listNetworksCmd().withFilter("label", List.of("backrest-sidecar.helper=" + TestDocker.INSTANCE))
                .exec().size(), "the drill's network is gone");

        // a backup without the app's database at all
        pg.sql("postgres", "DROP DATABASE notes");
        assertEquals("SUCCEEDED", SidecarApi.runPlan("drilling").getString("state"));
        pg.sql("postgres", "CREATE DATABASE notes");
        pg.sql("notes", "CREATE TABLE settings (key text PRIMARY KEY, value text); INSERT INTO settings VALUES ('schema', '3')");
        JsonPath missing = drill();
        assertTrue(missing.getString("results.find { it.target == 'webui-drill' }.failure").contains(
                "database notes on pg-drill cannot be used: psql: error: ") && missing.getString(
                "results.find { it.target == 'webui-drill' }.failure").contains("database \"notes\" does not exist"),
                missing.prettify());
        assertEquals("passed", missing.getString("results.find { it.target == 'pg-drill' }.outcome"), missing.prettify());

        // a backup it can use, and then the live database changed: the drill's app meets the backup's
        pg.sql("notes", "UPDATE settings SET value = '3' WHERE key = 'schema'");
        assertEquals("SUCCEEDED", SidecarApi.runPlan("drilling").getString("state"));
        pg.sql("notes", "UPDATE settings SET value = '4' WHERE key = 'schema'");
        try {
            JsonPath restored = drill();
            assertEquals(Boolean.TRUE, restored.getBoolean("passed"), restored.prettify());
        } finally {
            pg.sql("notes", "UPDATE settings SET value = '3' WHERE key = 'schema'");
        }
    }

    /**
     * A backup whose facts lack what a drill compares (made by a version that did not record content
     * sums): the drill passes on what it could compare, says what it could not, and health warns
     * until a backup with whole facts has been drilled.
     */
    @Test
    @Order(9)
    void aDrillThatCouldNotCompareEverythingPassesAndHealthSaysWhat() throws Exception {
        Map<String, String> env = drillsRepo();
        assertEquals("SUCCEEDED", SidecarApi.runPlan("drilling").getString("state"));
        changeFacts(env, "pg-drill", recorded -> ((com.fasterxml.jackson.databind.node.ObjectNode) recorded
                .path("contentSums")).remove("inventory"));
        JsonPath drill = drillOf("pg-drill");
        String unproven = "database inventory: no content sums were recorded with this backup; counts checked only";
        Map<String, Object> pg = drill.getMap("results.find { it.target == 'pg-drill' }");
        assertEquals("passed", pg.get("outcome"), drill.prettify());
        assertEquals(List.of(unproven), pg.get("unproven"), pg.toString());
        when().get("/q/health/well").then().body(DRILL_HEALTH + ".status", org.hamcrest.Matchers.equalTo("UP"))
                .body(DRILL_HEALTH + ".data.warning", org.hamcrest.Matchers.containsString(
                        "pg-drill: last drill passed without comparing all: " + unproven));

        assertEquals("SUCCEEDED", SidecarApi.runPlan("drilling").getString("state"));
        JsonPath again = drillOf("pg-drill");
        assertEquals(List.of(), again.getList("results.find { it.target == 'pg-drill' }.unproven"), again.prettify());
        when().get("/q/health/well").then().body(DRILL_HEALTH + ".data.warning", org.hamcrest.Matchers.nullValue());
    }

    /** The {@code run:} tag of a snapshot. */
    private static String runOf(com.fasterxml.jackson.databind.JsonNode snapshot) {
        for (var tag : snapshot.path("tags")) {
            if (tag.asText().startsWith("run:")) {
                return tag.asText();
            }
        }
        throw new AssertionError("no run tag: " + snapshot);
    }

    @Test
    @Order(5)
    void oneByteFlippedInAPackIsFoundWithinNDataChecksAndKeepsTheRepoRedUntilRepaired() throws Exception {
        // readBackIn: 4 (SidecarStack): each data check reads the next quarter of the repo's packs
        Path data = SidecarStack.repo("drills").resolve("data");
        Path pack;
        try (Stream<Path> files = Files.walk(data)) {
            pack = files.filter(Files::isRegularFile).max(java.util.Comparator.comparingLong(p -> p.toFile().length()))
                    .orElseThrow();
        }
        byte[] original = Files.readAllBytes(pack);
        pack.toFile().setWritable(true);
        try (RandomAccessFile f = new RandomAccessFile(pack.toFile(), "rw")) {
            f.seek(f.length() / 2);
            f.write(original[(int) (f.length() / 2)] ^ 0x01);
        }
        String damagedPart;
        try {
            JsonPath found = dataCheckUntilItFails();
            assertEquals(Boolean.FALSE, found.getBoolean("passed"), "found within 4 data checks: " + found.prettify());
            damagedPart = found.getString("part");
            assertTrue(found.getString("output").contains(pack.getFileName().toString().substring(0, 8)),
                    "restic names the pack: " + found.getString("output"));
            // never forgotten: every next data check reads that part again, and fails, until repaired
            for (int i = 0; i < 2; i++) {
                JsonPath again = dataCheck();
                assertEquals(damagedPart, again.getString("part"), again.prettify());
                assertEquals(Boolean.FALSE, again.getBoolean("passed"), again.prettify());
            }
            when().get("/q/health/well").then().statusCode(503)
                    .body(CHECK_HEALTH + ".status", org.hamcrest.Matchers.equalTo("DOWN"));
            JsonPath readBack = given().get("/api/repos/read-back").then().statusCode(200).extract().jsonPath();
            assertEquals(Integer.valueOf(damagedPart.split("/")[0]), readBack.getInt("find { it.repo == 'drills' }.failedPart"),
                    readBack.prettify());
        } finally {
            Files.write(pack, original);
        }
        java.time.Instant repaired = java.time.Instant.now();
        JsonPath clean = dataCheck();
        assertEquals(damagedPart, clean.getString("part"), "the part that failed is read first: " + clean.prettify());
        assertEquals(Boolean.TRUE, clean.getBoolean("passed"), clean.prettify());
        when().get("/q/health/well").then().body(CHECK_HEALTH + ".status", org.hamcrest.Matchers.equalTo("UP"));
        // and every byte is read back in full within the next 4 data checks, every part clean
        for (int i = 0; i < 4 && !fullReadBackSince(repaired); i++) {
            assertEquals(Boolean.TRUE, dataCheck().getBoolean("passed"));
        }
        assertTrue(fullReadBackSince(repaired), given().get("/api/repos/read-back").asString());
        when().get("/q/health/well").then().body(CHECK_HEALTH + ".data.lastFullReadBack",
                org.hamcrest.Matchers.not("never"));
        String metrics = when().get("/q/metrics").asString();
        assertTrue(metrics.lines().anyMatch(l -> l.startsWith("sidecar_repo_read_back_due_timestamp_seconds{")
                && l.contains("repo=\"drills\"")), "the due time is exported for the alert");
    }

    private static JsonPath dataCheck() {
        return given().post("/api/repos/drills/checks?data=true").then().statusCode(200).extract().jsonPath();
    }

    /** Data checks of repo drills, one part after the other, until one fails: at most a full round (4). */
    private static JsonPath dataCheckUntilItFails() {
        JsonPath check = dataCheck();
        for (int i = 1; i < 4 && check.getBoolean("passed"); i++) {
            check = dataCheck();
        }
        return check;
    }

    private static boolean fullReadBackSince(java.time.Instant when) {
        String last = given().get("/api/repos/read-back").jsonPath().getString("find { it.repo == 'drills' }.lastFull");
        return last != null && java.time.Instant.parse(last).isAfter(when);
    }

    private static long told(String part) {
        return SidecarStack.telegram().texts().stream().filter(t -> t.contains(part)).count();
    }

    @Test
    @Order(3)
    void aDrillThatCannotRunIsToldApartFromAFailedBackup() {
        // a Postgres whose cluster was initialised by hand into its volume: its command waits for one, so a
        // throwaway with a fresh volume never comes up. Nothing is learnt about the backup, which is fine.
        String data = "/srv/pgdata/db";
        String pg = TestDocker.container("pg-handmade").volume("/srv/pgdata")
                .labels(SidecarStack.serviceLabels("pg-handmade", "handmade", "postgres", "backup.timeout", "20s"))
                .start("mkdir -p /var/run/postgresql && chown postgres:postgres /var/run/postgresql /srv/pgdata"
                        + " && while [ ! -s " + data + "/PG_VERSION ]; do sleep 1; done"
                        + " && exec su postgres -s /bin/sh -c '/usr/lib/postgresql/15/bin/postgres -D " + data
                        + " -c listen_addresses= -c fsync=off'");
        try {
            // made beside and renamed in: initdb writes PG_VERSION first, and the waiting command must
            // not start postgres on a half-made cluster
            TestDocker.exec(pg, "su", "postgres", "-s", "/bin/sh", "-c", "/usr/lib/postgresql/15/bin/initdb -D " + data
                    + ".new -U postgres --auth=trust >/dev/null && mv " + data + ".new " + data).out();
            TestDocker.await("the hand-made Postgres to answer", Duration.ofSeconds(60),
                    () -> TestDocker.exec(pg, "psql", "-U", "postgres", "-Atc", "select 1").exit() == 0);
            assertEquals("SUCCEEDED", SidecarApi.runPlan("handmade").getString("state"));

            JsonPath drill = drill("handmade");
            Map<String, Object> result = drill.getMap("results[0]");
            assertEquals("could not run", result.get("outcome"), drill.prettify());
            assertEquals(Boolean.FALSE, result.get("passed"));
            assertTrue(String.valueOf(result.get("failure")).contains("did not come up"), result.toString());
            TestDocker.await("the drill that could not run told", Duration.ofSeconds(30),
                    () -> told("FAILED: restore drill of pg-handmade could not run") == 1);
            String check = "checks.find { it.name == 'restore drill of plan handmade' }";
            when().get("/q/health/well").then().body(check + ".status", org.hamcrest.Matchers.equalTo("UP"))
                    .body(check + ".data.warning", org.hamcrest.Matchers.containsString("could not run"));
            String metrics = given().header("Authorization", "").get("/q/metrics").asString();
            assertTrue(metrics.contains("sidecar_drill_last_could_not_run{plan=\"handmade\",target=\"pg-handmade\"} 1.0"),
                    metrics);
            assertFalse(metrics.contains("sidecar_drill_last_passed{plan=\"handmade\""), "no verdict on the backup");
            assertTrue(metrics.contains("sidecar_drill_last_could_not_run{plan=\"drilling\",target=\"pg-drill\"} 0.0"));
        } finally {
            TestDocker.remove("pg-handmade");
        }
    }
}
