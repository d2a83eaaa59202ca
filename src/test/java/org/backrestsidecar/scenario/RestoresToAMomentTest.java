package org.backrestsidecar.scenario;

import static io.restassured.RestAssured.given;
import static io.restassured.RestAssured.when;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.backrestsidecar.testing.PostgresContainer;
import org.backrestsidecar.testing.SidecarApi;
import org.backrestsidecar.testing.SidecarStack;
import org.backrestsidecar.testing.TestDocker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A Postgres in wal mode (real Postgres 15 laid out as the official image, real pg_receivewal and
 * pg_basebackup, real restic): a base backup, WAL streamed and shipped, then restores to a noted
 * moment before a DROP TABLE, into a new container and over the live one, a second restore to a
 * moment after the first (the new timeline), and refusals that name what was wrong.
 */
@QuarkusTest
@QuarkusTestResource(SidecarStack.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
// first in the scenario lane: it mostly waits for WAL ships, which the end-to-end suite beside it
// fills with work early on (testing/OrderThenName, docs/testing.md "Where the time goes")
@org.junit.jupiter.api.Order(1)
class RestoresToAMomentTest {
    @io.quarkus.test.common.http.TestHTTPResource("/")
    java.net.URL sidecar;
    private static final String TARGET = "pg-pitr";
    private static final String COPY = "backrest-sidecar-" + TestDocker.PREFIX + "pg-pitr-copy";
    private static PostgresContainer pg;
    /** The moment noted after the first 2000 rows, and their checksum. */
    private static Instant noted;
    private static String atNoted;

    @BeforeAll
    static void streaming() {
        pg = PostgresContainer.startWalTarget(TARGET, "pitr", "64MB", "backup.postgres.wal.max-retained", "128MB");
        pg.sql("postgres", "CREATE DATABASE shop");
        pg.sql("shop", "CREATE TABLE orders (id int PRIMARY KEY, note text);"
                + "INSERT INTO orders SELECT g, 'order ' || g FROM generate_series(1, 1000) g");
        // an app's cache: its rows are not in the WAL, and a server still replaying refuses to read it
        // (the facts at a restore point and the drill there leave it out)
        pg.sql("shop", "CREATE UNLOGGED TABLE cache (k text PRIMARY KEY, v text);"
                + "INSERT INTO cache SELECT 'k' || g, 'v' || g FROM generate_series(1, 50) g");
    }

    @AfterAll
    static void removed() {
        pg.removeWithStream();
        for (String copy : java.util.List.of(COPY, COPY + "-idle")) {
            try {
                TestDocker.client().removeContainerCmd(copy).withForce(true).exec();
                TestDocker.client().removeVolumeCmd(copy + "-data").exec();
            } catch (RuntimeException e) {
                // not made
            }
        }
    }

    private static Map<String, Object> restoreOf(Object... more) {
        var body = new HashMap<String, Object>(Map.of("target", TARGET));
        for (int i = 0; i + 1 < more.length; i += 2) {
            body.put((String) more[i], more[i + 1]);
        }
        return body;
    }

    /** The moment the server's clock shows now (commits before it are in, after it out). */
    private static Instant serverNow() {
        return Instant.parse(pg.sql("postgres", "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', "
                + "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"));
    }

    /** When the base backup the stream's chain goes on from is ready to restore to; null until the window lists it. */
    private static Instant chainReady(JsonPath window) {
        String chain = window.getString("stream.chain");
        java.util.List<Map<String, Object>> bases = window.getList("bases");
        return bases.stream().filter(b -> chain != null && chain.equals(b.get("run")) && b.get("ready") != null)
                .map(b -> Instant.parse(b.get("ready").toString())).findFirst().orElse(null);
    }

    /** Waits until the repo holds WAL up to {@code moment}. */
    private static JsonPath shippedPast(Instant moment) {
        return windowOnce("WAL shipped past " + moment, Duration.ofSeconds(90), w -> w.getString("until") != null
                && Instant.parse(w.getString("until")).isAfter(moment));
    }

    /** Polls the target's window until {@code done}; a timeout shows the last one. */
    private static JsonPath windowOnce(String what, Duration limit, java.util.function.Predicate<JsonPath> done) {
        JsonPath[] window = new JsonPath[1];
        try {
            TestDocker.await(what, limit, () -> {
                window[0] = when().get("/api/targets/" + TARGET + "/window").then().statusCode(200).extract().jsonPath();
                return done.test(window[0]);
            });
        } catch (AssertionError e) {
            String log;
            try {
                log = TestDocker.run(java.util.List.of("docker", "logs", "--tail", "60", TestDocker.PREFIX + TARGET), Map.of());
            } catch (Exception unreadable) {
                log = unreadable.toString();
            }
            throw new AssertionError(e.getMessage() + "; the window was " + (window[0] == null ? "never read"
                    : window[0].prettify()) + "\nthe server's log:\n" + log, e);
        }
        return window[0];
    }

    @Test
    @Order(1)
    void aBaseBackupStartsTheChainAndTheStreamShipsWal() {
        JsonPath run = SidecarApi.runPlan("pitr");
        assertEquals("SUCCEEDED", run.getString("state"), run.prettify());
        assertTrue(TestDocker.state("backrest-sidecar-wal-" + TARGET).running(), "pg_receivewal runs beside it");
        assertEquals("128MB", pg.sql("postgres", "SHOW max_slot_wal_keep_size"), "the sidecar bounded its slot");
        // the first base is ready from the second after its facts were stored (rounded up): a moment
        // noted within that second, as on a quick machine, is before the window
        Instant from = Instant.parse(windowOnce("the first base backup in the window", Duration.ofSeconds(30),
                w -> w.getString("from") != null).getString("from"));
        TestDocker.await("the server's clock past the window's start", Duration.ofSeconds(5),
                () -> serverNow().isAfter(from));
        pg.sql("shop", "INSERT INTO orders SELECT g, 'order ' || g FROM generate_series(1001, 2000) g");
        noted = serverNow();
        atNoted = pg.checksum("shop", "orders");
        pg.sql("shop", "INSERT INTO orders SELECT g, 'order ' || g FROM generate_series(2001, 3000) g");
        pg.sql("shop", "DROP TABLE orders");
        Instant dropped = serverNow();
        // the stream's state is seen each round (15 s): one before the server was up saw no stream
        JsonPath window = windowOnce("WAL shipped past " + dropped + " by a stream seen up", Duration.ofSeconds(90),
                w -> w.getString("until") != null && Instant.parse(w.getString("until")).isAfter(dropped)
                        && w.getBoolean("stream.streaming"));
        assertTrue(Instant.parse(window.getString("from")).isBefore(noted), window.prettify());
        assertEquals("pitr", window.getString("stream.plan"));
        assertTrue(when().get("/api/status").then().statusCode(200).extract().asString()
                .contains(TARGET + ": any moment from "), "status shows the recovery window");
        // Postgres 15 has no incremental base backups: every base is full, and the window says so
        assertEquals("full (Postgres 15 takes no incremental ones: 17 and later do)", window.getString("baseBackups"),
                window.prettify());
        assertEquals(java.util.Collections.singletonList(null), window.getList("bases.parent"), window.prettify());
        assertEquals("off", pg.sql("postgres", "SELECT coalesce((SELECT setting FROM pg_settings WHERE name = "
                + "'summarize_wal'), 'off')"), "nothing switched on in a server that cannot use it");
    }

    @Test
    @Order(2)
    void intoANewContainerAtTheNotedMomentLeavesTheLiveOneAlone() {
        JsonPath dry = SidecarApi.restore(restoreOf("to", noted.toString(), "newContainer", COPY, "dryRun", true));
        assertEquals("SUCCEEDED", dry.getString("state"), dry.prettify());
        assertTrue(dry.getString("wouldWrite[0]").contains("WAL replayed up to " + noted), dry.prettify());

        JsonPath done = SidecarApi.restore(restoreOf("to", noted.toString(), "newContainer", COPY));
        assertEquals("SUCCEEDED", done.getString("state"), done.prettify());
        String copy = TestDocker.exec(COPY, "psql", "-U", "postgres", "-d", "shop", "-Atc",
                "SELECT count(*) || ':' || md5(string_agg(t::text, '|' ORDER BY t.id)) FROM orders t").out();
        assertEquals(atNoted, copy, "exactly the rows committed by the noted moment");
        assertTrue(done.getString("written[0]").contains("databases: postgres, shop"), done.prettify());
        assertEquals("0", pg.sql("shop", "SELECT count(*) FROM pg_tables WHERE tablename = 'orders'"),
                "the live server is untouched: its table is still dropped");
        assertTrue(TestDocker.state(pg.id()).running());
    }

    @Test
    @Order(3)
    void badInputIsRefusedByNameAndTouchesNothing() {
        given().contentType("application/json").body(restoreOf("to", "2001-01-01 00:00", "confirm", TARGET))
                .post("/api/restores").then().statusCode(400).body("error", containsString("before the first base backup"));
        given().contentType("application/json").body(restoreOf("to", Instant.now().plusSeconds(3600).toString(),
                "confirm", TARGET)).post("/api/restores").then().statusCode(400)
                .body("error", containsString("after the newest WAL"));
        given().contentType("application/json").body(restoreOf("to", "yesterday-ish", "confirm", TARGET))
                .post("/api/restores").then().statusCode(400).body("error", containsString("is not a moment"));
        given().contentType("application/json").body(restoreOf("database", "shop", "confirm", TARGET))
                .post("/api/restores").then().statusCode(400).body("error", containsString("whole server"));
        given().contentType("application/json").body(restoreOf("to", noted.toString()))
                .post("/api/restores").then().statusCode(400).body("error", containsString("\"confirm\": \"" + TARGET + "\""));
        given().contentType("application/json").body(Map.of("target", "pg-main", "database", "app", "to", "latest",
                "confirm", "pg-main")).post("/api/restores").then().statusCode(400)
                .body("error", containsString("wal mode"));
        when().get("/api/targets/pg-main/window").then().statusCode(400).body("error", containsString("backed up by dumps"));
        assertEquals("0", pg.sql("shop", "SELECT count(*) FROM pg_tables WHERE tablename = 'orders'"));
        assertTrue(TestDocker.state(pg.id()).running());
    }

    /**
     * The server is PID 1 here, as in the official image: every process our execs start is reaped by
     * us, never left to the postmaster, which takes an orphan dying of a signal for a crashed server
     * process and resets every connection.
     */
    @Test
    @Order(3)
    void ourExecsNeverMakeThePostmasterResetItsConnections() throws Exception {
        for (int i = 0; i < 5; i++) {
            when().get("/api/targets/" + TARGET + "/window").then().statusCode(200);
            SidecarApi.restore(restoreOf("dryRun", true));
        }
        String log = TestDocker.run(java.util.List.of("docker", "logs", TestDocker.PREFIX + TARGET), Map.of());
        assertFalse(log.contains("terminated by signal"), log);
        assertFalse(log.contains("all server processes terminated; reinitializing"), log);
    }

    @Test
    @Order(4)
    void overTheLiveOneThenASecondRestoreOnTheNewTimeline() {
        String chainBefore = when().get("/api/targets/" + TARGET + "/window").then().extract().path("stream.chain");
        JsonPath done = SidecarApi.restore(restoreOf("to", noted.toString(), "confirm", TARGET));
        assertEquals("SUCCEEDED", done.getString("state"), done.prettify());
        assertEquals(atNoted, pg.checksum("shop", "orders"), "the dropped table is back as it was at the noted moment");
        assertTrue(TestDocker.state(pg.id()).running());
        assertTrue(done.getString("written[0]").contains("timeline 2"), done.prettify());
        String aside = TestDocker.exec(pg.id(), "sh", "-c", "ls -d /var/lib/postgresql/data/pgsql_tmp.backrest-sidecar-before-*")
                .out();
        assertFalse(aside.isBlank(), "the data folder as it was is kept on the volume");
        assertEquals("", TestDocker.exec(pg.id(), "sh", "-c", "ls /var/lib/postgresql/data | grep -v '^pgsql_tmp' | grep -c "
                + "recovery.signal || true").out().replace("0", ""), "recovery is over");

        // the restore started a base backup on the new timeline; then writes go on and a second restore
        // goes to a moment after the first
        JsonPath onTwo = windowOnce("a base backup on timeline 2", Duration.ofMinutes(3), w -> w.getString("stream.chain") != null
                && !w.getString("stream.chain").equals(chainBefore) && w.getInt("stream.timeline") == 2 && chainReady(w) != null);
        // a moment before that base is ready is in the gap the restore left (ci51 took one 0.02 s before it)
        Instant ready = chainReady(onTwo);
        TestDocker.await("the server's clock past " + ready, Duration.ofSeconds(30), () -> serverNow().isAfter(ready));
        pg.sql("shop", "INSERT INTO orders SELECT g, 'again ' || g FROM generate_series(2001, 2500) g");
        Instant second = serverNow();
        String atSecond = pg.checksum("shop", "orders");
        pg.sql("shop", "DELETE FROM orders WHERE id % 2 = 0");
        String beforeSecond = pg.checksum("shop", "orders");
        shippedPast(serverNow());
        String chainAfterFirst = when().get("/api/targets/" + TARGET + "/window").then().extract().path("stream.chain");
        JsonPath again = SidecarApi.restore(restoreOf("to", second.toString(), "confirm", TARGET));
        assertEquals("SUCCEEDED", again.getString("state"), again.prettify());
        assertEquals(atSecond, pg.checksum("shop", "orders"), "the rows of the new timeline, as at the second moment");
        assertTrue(again.getString("written[0]").contains("timeline 3"), again.prettify());
        windowOnce("a base backup on timeline 3", Duration.ofMinutes(3), w -> w.getString("stream.chain") != null
                && !w.getString("stream.chain").equals(chainAfterFirst) && w.getInt("stream.timeline") == 3
                && chainReady(w) != null);

        // the data folder the second restore kept goes back with one call: the rows just before it
        String kept = again.getString("id").substring(0, 8);
        given().contentType("application/json").body(restoreOf("to", "kept:0123abcd", "confirm", TARGET, "dryRun", true))
                .post("/api/restores").then().statusCode(400).body("error", containsString(
                        "no data folder kept by restore 0123abcd")).body("error", containsString("before-" + kept));
        JsonPath dry = SidecarApi.restore(restoreOf("to", "kept:" + kept, "confirm", TARGET, "dryRun", true));
        assertTrue(dry.getString("wouldWrite[0]").contains("pgsql_tmp.backrest-sidecar-before-" + kept), dry.prettify());
        String chainOnThree = when().get("/api/targets/" + TARGET + "/window").then().extract().path("stream.chain");
        // the folder put back refuses replication for a while: the base backup the restore starts fails
        String hba = "pg_hba.conf";
        String refuse = "local replication all reject\nhost replication all all reject\n";
        TestDocker.exec(pg.id(), "sh", "-c", "f=/var/lib/postgresql/data/pgsql_tmp.backrest-sidecar-before-" + kept + "/"
                + hba + "; { printf '" + refuse + "'; cat $f; } > /tmp/hba && cat /tmp/hba > $f").out();
        int failedRuns = failedPitrRuns();
        JsonPath back = SidecarApi.restore(restoreOf("to", "kept:" + kept, "confirm", TARGET));
        assertEquals("SUCCEEDED", back.getString("state"), back.prettify());
        assertEquals(beforeSecond, pg.checksum("shop", "orders"), "the rows as they were just before the second restore");
        assertTrue(back.getString("written[0]").contains("timeline 2"), back.prettify());
        String keptNow = back.getString("id").substring(0, 8);
        assertTrue(back.getString("notes").contains("to: kept:" + keptNow), back.prettify());
        String folders = TestDocker.exec(pg.id(), "sh", "-c", "ls -d /var/lib/postgresql/data/pgsql_tmp.backrest-sidecar-before-*")
                .out();
        assertFalse(folders.contains(kept), "the kept folder is the data folder again: " + folders);
        assertTrue(folders.contains(keptNow), "and the one it replaced is kept in turn: " + folders);
        TestDocker.await("the base backup after the restore failed", Duration.ofMinutes(2), () -> failedPitrRuns() > failedRuns);
        TestDocker.exec(pg.id(), "sh", "-c", "f=$PGDATA/" + hba + "; grep -v '^[a-z]* *replication all.* reject$' $f > /tmp/hba"
                + " && cat /tmp/hba > $f").out();
        pg.sql("postgres", "SELECT pg_reload_conf()");
        // tried again once replication is let in (sidecar.wal.hole-retry, 15 s here), not at the plan's next scheduled run
        windowOnce("a base backup of the folder put back", Duration.ofMinutes(3), w -> w.getString("stream.chain") != null
                && !w.getString("stream.chain").equals(chainOnThree) && w.getInt("stream.timeline") == 2
                // the gap before it is listed once the base is ready (the CI run of 37f3783 looked while it was still being taken)
                && chainReady(w) != null);

        // each restore over the live server leaves a gap, from the old chain's last WAL to the base
        // backup after it: the window lists it, and a moment inside is refused naming where it ends
        JsonPath window = given().get("/api/targets/" + TARGET + "/window").then().statusCode(200).extract().jsonPath();
        java.util.List<Map<String, String>> gaps = window.getList("gaps");
        assertTrue(gaps.size() >= 3, "three restores over the live server: " + window.prettify());
        Map<String, String> last = gaps.get(gaps.size() - 1);
        Instant after = Instant.parse(last.get("after"));
        Instant before = Instant.parse(last.get("before"));
        Instant inside = after.plusMillis((before.toEpochMilli() - after.toEpochMilli()) / 2);
        given().contentType("application/json").body(restoreOf("to", inside.toString(), "newContainer", COPY + "-gap",
                "dryRun", true)).post("/api/restores").then().statusCode(400)
                .body("error", containsString("the window has a gap there, up to " + before + " (the next base backup)"));
    }

    @Test
    @Order(5)
    void aMomentAfterTheLastTransactionRestoresEverything() throws InterruptedException {
        // what autovacuum would do now (its ANALYZE commits too), done before the last transaction
        pg.sql("shop", "VACUUM ANALYZE");
        pg.sql("postgres", "VACUUM ANALYZE");
        pg.sql("shop", "INSERT INTO orders VALUES (9999, 'last')");
        String last = pg.checksum("shop", "orders");
        Thread.sleep(1500);
        Instant idle = serverNow();
        shippedPast(idle);
        JsonPath done = SidecarApi.restore(restoreOf("to", idle.toString(), "newContainer", COPY + "-idle"));
        assertEquals("SUCCEEDED", done.getString("state"), done.prettify());
        assertEquals(last, TestDocker.exec(COPY + "-idle", "psql", "-U", "postgres", "-d", "shop", "-Atc",
                "SELECT count(*) || ':' || md5(string_agg(t::text, '|' ORDER BY t.id)) FROM orders t").out());
        assertTrue(done.getString("notes").contains("all of it was replayed"), done.prettify());
    }

    /**
     * The window's end is a moment whose WAL the repo holds, not when a ship began: with the stream
     * frozen (as a stream far behind a busy server is), a row committed meanwhile is not in the repo,
     * and ships go on without the window passing it. Once the stream runs again it does.
     */
    @Test
    @Order(5)
    void aMomentTheStreamHasNotReceivedIsNeverInTheWindow() throws InterruptedException {
        String stream = "backrest-sidecar-wal-" + TARGET;
        shippedPast(serverNow());
        TestDocker.client().pauseContainerCmd(stream).exec();
        Instant committed;
        try {
            pg.sql("shop", "CREATE TABLE IF NOT EXISTS unreceived (note text); INSERT INTO unreceived VALUES ('late')");
            committed = serverNow();
            // two rounds of the archiver (15 s each) begin after the commit
            Thread.sleep(35_000);
            JsonPath window = when().get("/api/targets/" + TARGET + "/window").then().statusCode(200).extract().jsonPath();
            assertTrue(Instant.parse(window.getString("until")).isBefore(committed),
                    "the repo lacks the row committed by " + committed + ": " + window.prettify());
        } finally {
            TestDocker.client().unpauseContainerCmd(stream).exec();
        }
        shippedPast(committed);
    }

    /** The page offers a wal-mode target a moment picker bounded by its window, and dry-runs a restore to one. */
    @Test
    @Order(5)
    void thePageOffersAMomentWithinTheWindow() throws Exception {
        try (var nginx = new org.backrestsidecar.testing.NginxInFront(sidecar.toString().replaceFirst("/$", "")
                .replace("localhost", "127.0.0.1"))) {
            var browser = org.backrestsidecar.testing.Browser.open("Basic " + java.util.Base64.getEncoder().encodeToString(
                    nginx.adminLogin().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            try {
                org.backrestsidecar.testing.Browser.load(browser, nginx.base() + "/sidecar/");
                var wait = org.backrestsidecar.testing.Browser.waiting(browser, Duration.ofSeconds(30));
                // clicked once it can take the click, up to a minute, and a failure says what the page
                // showed (a CI run once waited 30 s here for the button and said nothing of why)
                new org.backrestsidecar.testing.RestoreDialog(browser).open(TARGET);
                wait.until(b -> b.findElement(org.openqa.selenium.By.id("restore-holds")).getText()
                        .startsWith("It can be restored to any moment from"));
                // the restores over the live server before this left gaps: the page names them
                assertTrue(browser.findElement(org.openqa.selenium.By.id("restore-holds")).getText().contains(", except between "),
                        browser.findElement(org.openqa.selenium.By.id("restore-holds")).getText());
                assertTrue(browser.findElement(org.openqa.selenium.By.id("restore-holds")).getText()
                                .contains("full (Postgres 15 takes no incremental ones: 17 and later do)"),
                        browser.findElement(org.openqa.selenium.By.id("restore-holds")).getText());
                var moment = browser.findElement(org.openqa.selenium.By.id("restore-moment"));
                assertTrue(moment.isDisplayed() && !browser.findElement(org.openqa.selenium.By.id("restore-backup-choice"))
                        .isDisplayed(), "a moment to pick, no backup list");
                String min = moment.getAttribute("min");
                String max = moment.getAttribute("max");
                assertTrue(min.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d") && min.compareTo(max) < 0,
                        "bounded by the window: " + min + " to " + max);
                // the newest moment the picker offers (the plans' zone is UTC here)
                String picked = max;
                browser.executeScript("arguments[0].value = arguments[1];"
                        + "arguments[0].dispatchEvent(new Event('input'));", moment, picked);
                browser.findElement(org.openqa.selenium.By.id("restore-new-container")).sendKeys(COPY + "-page");
                browser.findElement(org.openqa.selenium.By.id("restore-dry-run")).click();
                wait.until(b -> b.findElement(org.openqa.selenium.By.id("restore-plan")).isDisplayed()
                        || !b.findElement(org.openqa.selenium.By.id("errors")).getText().isBlank());
                assertEquals("", browser.findElement(org.openqa.selenium.By.id("errors")).getText(), "no error on the page");
                String would = browser.findElement(org.openqa.selenium.By.id("restore-would-write")).getText();
                assertTrue(would.contains("new container " + COPY + "-page") && would.contains("WAL replayed up to"), would);
                assertEquals(java.util.List.of(), org.backrestsidecar.testing.Browser.errors(browser));
            } finally {
                browser.quit();
            }
        }
    }

    @Test
    @Order(6)
    void theDrillReplaysTheWholeChain() {
        pg.sql("shop", "INSERT INTO orders SELECT g, 'drill ' || g FROM generate_series(10001, 10300) g");
        shippedPast(serverNow());
        JsonPath drill = SidecarApi.drill("pitr", null);
        assertEquals(true, drill.getBoolean("passed"), drill.prettify());
        String checks = drill.getString("results[0].checks");
        assertTrue(checks.contains("every WAL segment after it replayed through"), drill.prettify());
        assertTrue(checks.contains("its manifest's every file and the WAL it needs verified (pg_verifybackup)"),
                drill.prettify());
        // the base backup's run recorded the database at a restore point: the replay paused there and compared
        assertTrue(checks.matches("(?s).*database shop at restore point bsc-[0-9a-f]{8}-[0-9]+-[0-9]+ \\([0-9A-F]+/[0-9A-F]+\\) "
                + "rows per table: [0-9]+ counts match \\(.*public\\.orders=[0-9]+.*"), drill.prettify());
        assertTrue(checks.matches("(?s).*database shop at restore point bsc-.*: the content of [0-9]+ tables? matches "
                + "what was recorded.*"), drill.prettify());
        // the server keeps data checksums: every page of the replayed cluster was read against its own
        assertTrue(checks.matches("(?s).*every page read against its checksum \\(pg_checksums: Files scanned: [1-9][0-9]*, "
                + "Blocks scanned: [1-9][0-9]*, Bad checksums: 0\\).*"), drill.prettify());
    }

    /**
     * The offsite copy is proven as the repo is: the drill from copy {@code offsite} (SFTP, its own
     * key) reads the newest run's base backup and its chain's WAL out of the copy, replays them to the
     * run's restore point, compares, and replays to the end.
     */
    @Test
    @Order(6)
    void theOffsiteCopyIsDrilledToTheRestorePointAndToTheEnd() throws Exception {
        pg.sql("shop", "INSERT INTO orders SELECT g, 'offsite ' || g FROM generate_series(40001, 40100) g");
        JsonPath run = SidecarApi.runPlan("pitr");
        assertEquals("SUCCEEDED", run.getString("state"), run.prettify());
        // the new base takes over where the chain before it ends: the second before it is the old chain's
        JsonPath window = given().get("/api/targets/" + TARGET + "/window").then().statusCode(200).extract().jsonPath();
        java.util.List<String> readies = window.getList("bases.ready");
        Instant takesOver = Instant.parse(readies.get(readies.size() - 1));
        for (Instant moment : java.util.List.of(takesOver.minusSeconds(1), takesOver)) {
            JsonPath dry = SidecarApi.restore(restoreOf("to", moment.toString(), "newContainer", COPY + "-handover",
                    "dryRun", true));
            assertEquals("SUCCEEDED", dry.getString("state"), moment + " between the chains: " + dry.prettify()
                    + window.prettify());
        }
        // a good run is copied when it ends
        String asked = run.getString("endedAt");
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.JsonNode[] copy = new com.fasterxml.jackson.databind.JsonNode[1];
        TestDocker.await("copy offsite of repo pitr after " + asked, java.time.Duration.ofMinutes(3), () -> {
            com.fasterxml.jackson.databind.JsonNode all;
            try {
                all = json.readTree(io.restassured.RestAssured.given().get("/api/repos/copies").then().statusCode(200)
                        .extract().asString());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            for (var c : all) {
                if (c.path("repo").asText().equals("pitr") && c.path("copy").asText().equals("offsite")) {
                    copy[0] = c;
                }
            }
            return copy[0] != null && !copy[0].path("running").asBoolean()
                    && copy[0].path("lastAttempt").asText().compareTo(asked) > 0;
        });
        assertTrue(copy[0].path("error").isNull() || copy[0].path("error").asText().isEmpty(), copy[0].toString());

        JsonPath drill = SidecarApi.drill("pitr", "offsite");
        assertEquals(true, drill.getBoolean("passed"), drill.prettify());
        String checks = drill.getString("results[0].checks");
        assertTrue(checks.contains("base backup of run " + run.getString("id")), "the run's own base: " + drill.prettify());
        assertTrue(checks.matches("(?s).*database shop at restore point bsc-.*: the content of [0-9]+ tables? matches "
                + "what was recorded.*"), drill.prettify());
        assertTrue(checks.contains("every WAL segment after it replayed through"), drill.prettify());
        assertTrue(drill.prettify().contains("copy offsite"), "read from the copy: " + drill.prettify());
    }

    /**
     * The drill compares the database at its restore point with what the run recorded there, not
     * with what the replay happened to find: a replay that gives back other rows than were there
     * (here the recorded sum of one table is changed, as someone with the key could change a run's
     * facts; WAL with other rows and whole checksums cannot be made by hand) fails, naming the table.
     * Then a new run records again and the drill passes.
     */
    @Test
    @Order(6)
    void aDatabaseNotAtItsRestorePointAsRecordedFailsTheDrillNamingTheTable() throws Exception {
        Map<String, String> env = repoEnv();
        com.fasterxml.jackson.databind.JsonNode facts = newestRunsFacts(env);
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var recorded = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(TestDocker.run(java.util.List.of(
                "restic", "dump", "--no-lock", facts.path("id").asText(), facts.path("paths").get(0).asText()), env));
        assertTrue(recorded.path("restorePoints").toString().contains("\"database\":\"shop\""),
                "the run recorded shop at a restore point: " + recorded);
        var sums = (com.fasterxml.jackson.databind.node.ObjectNode) recorded.path("contentSums").path("shop");
        assertTrue(sums.has("public.orders"), "the sum of orders was recorded: " + recorded);
        sums.put("public.orders", sums.path("public.orders").asLong() ^ 1);
        java.nio.file.Path factsFile = java.nio.file.Files.createTempFile("bsc-facts", ".json");
        java.nio.file.Files.write(factsFile, json.writeValueAsBytes(recorded));
        storedFromStdin(env, factsFile, facts.path("paths").get(0).asText().replaceFirst("^/", ""), facts);
        TestDocker.runWaitingOutLocks(java.util.List.of("restic", "forget", facts.path("id").asText()), env);
        java.nio.file.Files.delete(factsFile);

        JsonPath drill = SidecarApi.drill("pitr", null);
        assertEquals(false, drill.getBoolean("passed"), drill.prettify());
        String failure = drill.getString("results[0].failure");
        assertTrue(failure.contains("database shop at restore point bsc-") && failure.contains(
                "public.orders holds other rows than were recorded"), drill.prettify());

        assertEquals("SUCCEEDED", SidecarApi.runPlan("pitr").getString("state"));
        pg.sql("postgres", "SELECT pg_switch_wal()");
        shippedPast(serverNow());
        JsonPath again = SidecarApi.drill("pitr", null);
        assertEquals(true, again.getBoolean("passed"), again.prettify());
    }

    /** restic's environment for the plan's repo, as the test reads and changes it. */
    private static Map<String, String> repoEnv() {
        return Map.of("RESTIC_REPOSITORY", SidecarStack.repo("pitr").toString(),
                "RESTIC_PASSWORD_FILE", SidecarStack.key("pitr").toString());
    }

    /** The snapshot that holds the facts of the run that made the newest base backup. */
    private static com.fasterxml.jackson.databind.JsonNode newestRunsFacts(Map<String, String> env) throws Exception {
        return factsOf(env, newestBase(env));
    }

    private static com.fasterxml.jackson.databind.JsonNode newestBase(Map<String, String> env) throws Exception {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.JsonNode base = null;
        for (var s : json.readTree(TestDocker.run(java.util.List.of("restic", "snapshots", "--json", "--no-lock",
                "--tag", "target:" + TARGET, "--path", "/" + TARGET + "/base.tar"), env))) {
            if (base == null || s.path("time").asText().compareTo(base.path("time").asText()) > 0) {
                base = s;
            }
        }
        assertTrue(base != null, "the newest base backup");
        return base;
    }

    /** The snapshot that holds the facts of the run that made {@code base}. */
    private static com.fasterxml.jackson.databind.JsonNode factsOf(Map<String, String> env,
                                                                   com.fasterxml.jackson.databind.JsonNode base) throws Exception {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        String run = null;
        for (var t : base.path("tags")) {
            run = t.asText().startsWith("run:") ? t.asText() : run;
        }
        com.fasterxml.jackson.databind.JsonNode facts = null;
        for (var s : json.readTree(TestDocker.run(java.util.List.of("restic", "snapshots", "--json", "--no-lock",
                "--tag", run), env))) {
            facts = s.path("paths").toString().contains("backup-facts.json") ? s : facts;
        }
        assertTrue(facts != null, "the facts of " + run);
        return facts;
    }

    /**
     * A base backup whose file changed after pg_basebackup read it (one byte of the orders table's
     * file, in a row's text: the server would start and replay on it unseen) fails the drill, which
     * names the file as pg_verifybackup does. A changed base cannot be put in place of the recorded
     * one unseen (its snapshot's id changes), so the test changes both, as someone with the key
     * could: the base snapshot replaced under the same tags and host, and the run's facts made to
     * name the new one. Then a new run's base backup is whole again and the drill passes.
     */
    @Test
    @Order(6)
    void aBaseBackupWithAFileChangedSinceItWasMadeFailsTheDrillNamingTheFile() throws Exception {
        Map<String, String> env = repoEnv();
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.JsonNode base = newestBase(env);
        com.fasterxml.jackson.databind.JsonNode facts = factsOf(env, base);

        // one byte of the first page's last row (rows fill a page from its end) of the orders table's file
        String file = pg.sql("shop", "SELECT pg_relation_filepath('orders')").strip();
        java.nio.file.Path tar = java.nio.file.Files.createTempFile("bsc-base", ".tar");
        TestDocker.run(java.util.List.of("sh", "-c", "exec \"$@\" > \"$0\"", tar.toString(), "restic", "dump",
                "--no-lock", base.path("id").asText(), "/" + TARGET + "/base.tar"), env);
        byte[] bytes = java.nio.file.Files.readAllBytes(tar);
        assertTrue(tarSize(bytes, file) >= 8192, file + " holds a page");
        long at = tarEntry(bytes, file) + 8192 - 20;
        bytes[(int) at] ^= 0x01;
        java.nio.file.Files.write(tar, bytes);
        storedInPlaceOf(env, base, facts, tar);

        JsonPath drill = SidecarApi.drill("pitr", null);
        assertEquals(false, drill.getBoolean("passed"), drill.prettify());
        String failure = drill.getString("results[0].failure");
        assertTrue(failure.contains("is not what pg_basebackup made") && failure.contains(file), drill.prettify());

        // a new run's base backup, and its WAL, are whole: the drill passes
        assertEquals("SUCCEEDED", SidecarApi.runPlan("pitr").getString("state"));
        pg.sql("postgres", "SELECT pg_switch_wal()");
        shippedPast(serverNow());
        JsonPath again = SidecarApi.drill("pitr", null);
        assertEquals(true, again.getBoolean("passed"), again.prettify());
    }

    /**
     * The base backup {@code base} replaced in the repo by {@code tar} under the same host and tags,
     * and the run's facts by the same facts naming the new snapshot (as a bug, a bad disk or a hand
     * with the key could): the drill then meets the changed base as the run's own.
     */
    private static void storedInPlaceOf(Map<String, String> env, com.fasterxml.jackson.databind.JsonNode base,
                                        com.fasterxml.jackson.databind.JsonNode facts, java.nio.file.Path tar)
            throws Exception {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        String changed = storedFromStdin(env, tar, TARGET + "/base.tar", base);
        var recorded = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(TestDocker.run(java.util.List.of(
                "restic", "dump", "--no-lock", facts.path("id").asText(), facts.path("paths").get(0).asText()), env));
        int named = 0;
        for (var snapshot : recorded.path("snapshots")) {
            if (base.path("id").asText().startsWith(snapshot.path("id").asText())) {
                ((com.fasterxml.jackson.databind.node.ObjectNode) snapshot).put("id", changed);
                named++;
            }
        }
        assertEquals(1, named, "the run's facts named its base backup: " + recorded);
        java.nio.file.Path factsFile = java.nio.file.Files.createTempFile("bsc-facts", ".json");
        java.nio.file.Files.write(factsFile, json.writeValueAsBytes(recorded));
        storedFromStdin(env, factsFile, facts.path("paths").get(0).asText().replaceFirst("^/", ""), facts);
        TestDocker.runWaitingOutLocks(java.util.List.of("restic", "forget", base.path("id").asText(), facts.path("id").asText()), env);
        java.nio.file.Files.delete(tar);
        java.nio.file.Files.delete(factsFile);
    }

    /**
     * A page damaged in a stored base backup whose manifest was changed to agree with it (as a bug in
     * what wrote both could): pg_verifybackup passes the files, and the drill's read of every page
     * against its checksum names the file and the block. The page is one of template0's pg_proc: no
     * drill query reads it and no replayed WAL writes it, so neither a read by the comparisons nor a
     * full-page image in the WAL meets the damage first. Then a new run's base passes again.
     */
    @Test
    @Order(6)
    void aPageDamagedInABaseBackupWhoseManifestAgreesIsNamedByItsChecksum() throws Exception {
        Map<String, String> env = repoEnv();
        com.fasterxml.jackson.databind.JsonNode base = newestBase(env);
        com.fasterxml.jackson.databind.JsonNode facts = factsOf(env, base);
        String file = "base/" + pg.sql("postgres", "SELECT oid FROM pg_database WHERE datname = 'template0'").strip()
                + "/" + pg.sql("postgres", "SELECT pg_relation_filenode('pg_proc')").strip();
        java.nio.file.Path tar = java.nio.file.Files.createTempFile("bsc-base", ".tar");
        TestDocker.run(java.util.List.of("sh", "-c", "exec \"$@\" > \"$0\"", tar.toString(), "restic", "dump",
                "--no-lock", base.path("id").asText(), "/" + TARGET + "/base.tar"), env);
        byte[] bytes = java.nio.file.Files.readAllBytes(tar);
        long at = tarEntry(bytes, file);
        int size = (int) tarSize(bytes, file);
        assertTrue(size >= 4 * 8192, file + " holds four pages: " + size);
        String before = ManifestSums.crc32c(bytes, (int) at, size);
        bytes[(int) at + 3 * 8192 + 4096] ^= 0x01;
        String after = ManifestSums.crc32c(bytes, (int) at, size);

        int manifest = (int) tarEntry(bytes, "backup_manifest");
        int manifestSize = (int) tarSize(bytes, "backup_manifest");
        String text = new String(bytes, manifest, manifestSize, java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(ManifestSums.manifestChecksum(text), ManifestSums.recordedManifestChecksum(text),
                "the manifest's own checksum, computed as pg_verifybackup does, matches the one pg_basebackup wrote");
        String line = text.lines().filter(l -> l.contains("\"Path\": \"" + file + "\"")).findFirst()
                .orElseThrow(() -> new AssertionError(file + " is not in the manifest"));
        assertTrue(line.contains("\"Checksum\": \"" + before + "\""), "the file's CRC32C, computed as Postgres "
                + "writes it, is the manifest's: " + before + " in " + line);
        String agreeing = text.replace(line, line.replace(before, after));
        agreeing = agreeing.replace(ManifestSums.recordedManifestChecksum(agreeing), ManifestSums.manifestChecksum(agreeing));
        byte[] written = agreeing.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(manifestSize, written.length, "the manifest keeps its size");
        System.arraycopy(written, 0, bytes, manifest, written.length);
        java.nio.file.Files.write(tar, bytes);
        storedInPlaceOf(env, base, facts, tar);

        JsonPath drill = SidecarApi.drill("pitr", null);
        assertEquals(false, drill.getBoolean("passed"), drill.prettify());
        String failure = drill.getString("results[0].failure");
        assertTrue(failure.contains("a page of the replayed cluster fails its checksum") && failure.contains(file)
                && failure.contains("block 3"), drill.prettify());
        String checks = drill.getString("results[0].checks");
        assertTrue(checks == null || !checks.contains("is not what pg_basebackup made"), "pg_verifybackup passed the "
                + "base, its manifest agreeing: " + drill.prettify());

        assertEquals("SUCCEEDED", SidecarApi.runPlan("pitr").getString("state"));
        pg.sql("postgres", "SELECT pg_switch_wal()");
        shippedPast(serverNow());
        JsonPath again = SidecarApi.drill("pitr", null);
        assertEquals(true, again.getBoolean("passed"), again.prettify());
    }

    /** The size of {@code name} in the tar {@code bytes}. */
    private static long tarSize(byte[] bytes, String name) {
        long data = tarEntry(bytes, name);
        return Long.parseLong(new String(bytes, (int) data - 512 + 124, 12, java.nio.charset.StandardCharsets.US_ASCII)
                .replaceAll("[^0-7]", ""), 8);
    }

    /** Where the data of {@code name} starts in the tar {@code bytes} (ustar headers, as pg_basebackup writes). */
    private static long tarEntry(byte[] bytes, String name) {
        int at = 0;
        while (at + 512 <= bytes.length && bytes[at] != 0) {
            String entry = new String(bytes, at, 100, java.nio.charset.StandardCharsets.US_ASCII).replaceAll("\u0000.*", "");
            String prefix = new String(bytes, at + 345, 155, java.nio.charset.StandardCharsets.US_ASCII)
                    .replaceAll("\u0000.*", "");
            String full = prefix.isEmpty() ? entry : prefix + "/" + entry;
            long size = Long.parseLong(new String(bytes, at + 124, 12, java.nio.charset.StandardCharsets.US_ASCII)
                    .replaceAll("[^0-7]", ""), 8);
            if (full.replaceFirst("^\\./", "").equals(name)) {
                return at + 512L;
            }
            at += 512 + (int) ((size + 511) / 512 * 512);
        }
        throw new AssertionError(name + " is not in the base backup");
    }

    /** Stores {@code file} as {@code path} from stdin under {@code like}'s host and tags; the new snapshot's id. */
    private static String storedFromStdin(Map<String, String> env, java.nio.file.Path file, String path,
                                          com.fasterxml.jackson.databind.JsonNode like) throws Exception {
        java.util.List<String> store = new java.util.ArrayList<>(java.util.List.of("sh", "-c", "exec \"$@\" < \"$0\"",
                file.toString(), "restic", "backup", "--json", "--stdin", "--stdin-filename", path, "--host",
                like.path("hostname").asText()));
        like.path("tags").forEach(t -> store.addAll(java.util.List.of("--tag", t.asText())));
        String out = TestDocker.run(store, env);
        for (String line : out.lines().filter(l -> l.startsWith("{")).toList()) {
            var message = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line);
            if (message.path("message_type").asText().equals("summary")) {
                return message.path("snapshot_id").asText();
            }
        }
        throw new AssertionError("restic said no snapshot id: " + out);
    }

    /**
     * One segment cut out of the chain's WAL in the repo (its newest WAL snapshot replaced by one
     * without it, under the same tags and host, as a bad disk or a hand could): the drill fails
     * naming that segment by its own name, on the chain's timeline, not by a name on the replay's new
     * timeline that never existed. Then the stream ships the whole spool again and the drill passes.
     */
    @Test
    @Order(6)
    void aSegmentCutOutOfTheChainIsNamedByTheDrill() throws Exception {
        // segments enough that one lies between the base's first and the newest
        for (int i = 0; i < 3; i++) {
            pg.sql("shop", "INSERT INTO orders SELECT g, 'chain ' || g FROM generate_series(" + (20001 + i * 100) + ", "
                    + (20100 + i * 100) + ") g");
            pg.sql("postgres", "SELECT pg_switch_wal()");
        }
        shippedPast(serverNow());
        java.nio.file.Path repo = SidecarStack.repo("pitr");
        Map<String, String> env = Map.of("RESTIC_REPOSITORY", repo.toString(),
                "RESTIC_PASSWORD_FILE", SidecarStack.key("pitr").toString());
        com.fasterxml.jackson.databind.JsonNode newest = null;
        for (var s : new com.fasterxml.jackson.databind.ObjectMapper().readTree(TestDocker.run(java.util.List.of("restic",
                "snapshots", "--json", "--no-lock", "--tag", "wal"), env))) {
            if (s.path("tags").toString().contains("\"target:" + TARGET + "\"")
                    && (newest == null || s.path("time").asText().compareTo(newest.path("time").asText()) > 0)) {
                newest = s;
            }
        }
        assertTrue(newest != null, "the chain's newest WAL snapshot");
        String spool = newest.path("paths").get(0).asText();
        java.nio.file.Path copy = java.nio.file.Files.createTempDirectory("bsc-chain");
        TestDocker.run(java.util.List.of("restic", "restore", newest.path("id").asText(), "--target", copy.toString()), env);
        java.util.List<java.nio.file.Path> segments;
        try (var files = java.nio.file.Files.walk(copy)) {
            segments = files.filter(f -> f.getFileName().toString().matches("[0-9A-F]{24}")).sorted().toList();
        }
        assertTrue(segments.size() >= 3, "segments in the chain: " + segments);
        java.nio.file.Path cut = segments.get(segments.size() / 2);
        String cutName = cut.getFileName().toString();
        java.nio.file.Files.delete(cut);
        java.util.List<String> backup = new java.util.ArrayList<>(java.util.List.of("docker", "run", "--rm", "-v",
                copy.resolve(spool.substring(1)) + ":" + spool + ":ro", "-v", repo + ":/repo", "-v",
                SidecarStack.key("pitr") + ":/key:ro", TestDocker.IMAGE, "restic", "-r", "/repo", "--password-file", "/key",
                "backup", spool, "--host", newest.path("hostname").asText()));
        newest.path("tags").forEach(t -> backup.addAll(java.util.List.of("--tag", t.asText())));
        TestDocker.run(backup, Map.of());

        JsonPath drill = SidecarApi.drill("pitr", null);
        assertEquals(false, drill.getBoolean("passed"), drill.prettify());
        assertTrue(drill.getString("results[0].failure").contains("the WAL chain lacks segment " + cutName),
                "named by its own name: " + drill.prettify());

        // the stream ships its whole spool again (it changed): the newest WAL snapshot is whole
        pg.sql("shop", "INSERT INTO orders VALUES (30001, 'after the cut')");
        pg.sql("postgres", "SELECT pg_switch_wal()");
        shippedPast(serverNow());
        JsonPath again = SidecarApi.drill("pitr", null);
        assertEquals(true, again.getBoolean("passed"), again.prettify());
    }

    /**
     * The recovery point: rows committed under steady writes, then the container and its volume
     * destroyed; a new empty server in its place is restored to the newest moment the repo holds,
     * which has every row committed more than the archiver's ship interval ({@code sidecar.wal.ship-every}, 12 s) plus one ship before the end.
     */
    @Test
    @Order(7)
    void afterTheServerAndItsVolumeAreLostEveryRowOlderThanAShipComesBack() throws Exception {
        pg.sql("shop", "CREATE TABLE ticks (id serial PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())");
        Instant end = Instant.now().plusSeconds(45);
        while (Instant.now().isBefore(end)) {
            pg.sql("shop", "INSERT INTO ticks DEFAULT VALUES");
            Thread.sleep(200);
        }
        Instant lost = serverNow();
        String committed = pg.sql("shop", "SELECT count(*) FROM ticks WHERE at < '" + lost.minusSeconds(30) + "'");
        pg.remove(); // the container and its volume
        pg = PostgresContainer.startOfficialLike(TARGET, SidecarStack.labels(TARGET, "pitr",
                "backup.postgres.mode", "wal", "backup.postgres.checkpoint", "fast",
                "backup.postgres.wal.max-retained", "128MB"));
        JsonPath done = SidecarApi.restore(restoreOf("to", "latest", "confirm", TARGET));
        assertEquals("SUCCEEDED", done.getString("state"), done.prettify());
        assertEquals(committed, pg.sql("shop", "SELECT count(*) FROM ticks WHERE at < '" + lost.minusSeconds(30) + "'"),
                "every row committed more than 30 s before the server was lost is back");
        String newest = pg.sql("shop", "SELECT extract(epoch FROM '" + lost + "'::timestamptz - max(at)) FROM ticks");
        System.out.println("recovery point after losing the server: the newest row restored was committed " + newest
                + " s before the loss");
    }

    /** The sidecar's own archiver: its hold stops the stream as a sidecar that is down would. */
    @jakarta.inject.Inject
    org.backrestsidecar.postgres.wal.Archiver archiver;
    @jakarta.inject.Inject
    org.backrestsidecar.discovery.Discovery discovery;

    /**
     * The stream stopped (the sidecar's stream held, as when it is down) while 600 MB of WAL are
     * written: the server's pg_wal stays near the bound (128 MB) plus max_wal_size (64 MB), the
     * server gives our slot up, and once the stream may run again the hole is told and closed by a
     * new base backup: the first one fails (the repo takes no key for a while), the next one after the
     * retry wait closes it.
     */
    @Test
    @Order(8)
    void aStoppedStreamNeverFillsTheServersDiskAndTheHoleIsClosed() throws Exception {
        String chainBefore = when().get("/api/targets/" + TARGET + "/window").then().extract().path("stream.chain");
        // a data folder a restore kept aside 8 days ago: the next base backup removes it
        TestDocker.exec(pg.id(), "sh", "-c", "mkdir -p $PGDATA/pgsql_tmp.backrest-sidecar-before-old/base"
                + " && touch -d '8 days ago' $PGDATA/pgsql_tmp.backrest-sidecar-before-old");
        // the base backup the last restore started must not be the one that fails below
        TestDocker.await("no run of plan pitr under way", Duration.ofMinutes(3), () -> !given().queryParam("plan", "pitr")
                .get("/api/runs").then().statusCode(200).extract().jsonPath().getList("state").contains("RUNNING"));
        long most = 0;
        java.nio.file.Path keys = SidecarStack.repo("pitr").resolve("keys");
        java.nio.file.Path keysAside = SidecarStack.repo("pitr").resolve("keys.aside");
        int failedRuns = failedPitrRuns();
        try (var held = archiver.hold(discovery.refresh().stream().filter(t -> t.name().equals(TARGET)).findFirst()
                .orElseThrow())) {
            pg.sql("shop", "CREATE TABLE filler (body text)");
            for (int i = 0; i < 3; i++) {
                pg.sql("shop", "INSERT INTO filler SELECT repeat(md5(g::text), 30) FROM generate_series(1, 200000) g");
                pg.sql("postgres", "CHECKPOINT");
                most = Math.max(most, Long.parseLong(pg.sql("postgres",
                        "SELECT sum(size) FROM pg_ls_waldir()")));
            }
            assertEquals("lost", pg.sql("postgres", "SELECT wal_status FROM pg_replication_slots WHERE slot_name = "
                    + "'backrest_sidecar_pg_pitr'"), "the server gave our slot up rather than keep its WAL");
            // the repo refuses every key for a while: the first base backup closing the hole fails
            java.nio.file.Files.move(keys, keysAside);
        }
        try {
            assertTrue(most < (128 + 64 + 64) * 1024L * 1024L, "pg_wal held at most " + most / 1048576
                    + " MiB while the stream was down (bound 128 MiB + max_wal_size 64 MiB)");
            // the window reads the repo, which refuses us now: the archiver's own status
            TestDocker.await("the hole told", Duration.ofSeconds(60), () -> archiver.status(TARGET)
                    .map(s -> s.holeSince() != null).orElse(false));
            TestDocker.await("the first base backup after the hole failed", Duration.ofMinutes(2),
                    () -> failedPitrRuns() > failedRuns);
        } finally {
            java.nio.file.Files.move(keysAside, keys);
        }
        JsonPath hole = when().get("/api/targets/" + TARGET + "/window").then().statusCode(200).extract().jsonPath();
        assertTrue(hole.getString("stream.holeSince") != null, "the hole stays open while no base backup stored: "
                + hole.prettify());
        // tried again after the retry wait (sidecar.wal.hole-retry, 15 s here), not at the plan's next scheduled run
        windowOnce("a new base backup closing the hole", Duration.ofMinutes(3), w -> w.getString("stream.holeSince") == null
                && w.getString("stream.chain") != null && !w.getString("stream.chain").equals(chainBefore)
                && w.getBoolean("stream.streaming"));
        assertEquals("", TestDocker.exec(pg.id(), "sh", "-c", "ls -d $PGDATA/pgsql_tmp.backrest-sidecar-before-old 2>/dev/null || true")
                .out().strip(), "the base backup removed the data folder kept over 7 days ago");
        assertTrue(org.backrestsidecar.testing.SidecarStack.telegram().texts().stream()
                .anyMatch(m -> m.contains("the WAL chain of " + TARGET + " has a hole")), "told: " + hole.prettify());
    }

    private static int failedPitrRuns() {
        return (int) given().queryParam("plan", "pitr").get("/api/runs").then().statusCode(200).extract().jsonPath()
                .getList("state").stream().filter("FAILED"::equals).count();
    }
}
