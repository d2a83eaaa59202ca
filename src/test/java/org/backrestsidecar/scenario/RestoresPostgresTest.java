package org.backrestsidecar.scenario;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.util.List;
import java.util.Map;
import org.backrestsidecar.testing.PostgresContainer;
import org.backrestsidecar.testing.ResticCli;
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
 * A Postgres database put back with POST /api/restores: deleted rows come back, a restore into a
 * new database leaves the live one alone, the safety snapshot holds the state before the restore,
 * and refused or failing restores touch nothing.
 */
@QuarkusTest
@QuarkusTestResource(SidecarStack.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RestoresPostgresTest {
    private static PostgresContainer pg;
    private static String atBackup;

    @BeforeAll
    static void backedUp() {
        pg = PostgresContainer.start("pg-restore", SidecarStack.labels("pg-restore", "restoring"));
        pg.sql("postgres", "CREATE DATABASE shop");
        pg.sql("shop", "CREATE TABLE orders (id int PRIMARY KEY, note text);"
                + "INSERT INTO orders SELECT g, 'order ' || g FROM generate_series(1, 2000) g");
        atBackup = pg.checksum("shop", "orders");
    }

    @AfterAll
    static void removed() {
        pg.remove();
    }

    private static Map<String, Object> restoreOf(Object... more) {
        var body = new java.util.HashMap<String, Object>(Map.of("target", "pg-restore", "database", "shop"));
        for (int i = 0; i + 1 < more.length; i += 2) {
            body.put((String) more[i], more[i + 1]);
        }
        return body;
    }

    @Test
    @Order(1)
    void deletedRowsComeBackAndTheSafetySnapshotHoldsTheStateBefore() throws Exception {
        assertEquals("SUCCEEDED", SidecarApi.runPlan("restoring").getString("state"));
        pg.sql("shop", "DELETE FROM orders WHERE id > 1500");
        String afterDelete = pg.checksum("shop", "orders");

        given().contentType("application/json").body(restoreOf()).post("/api/restores").then().statusCode(400)
                .body("error", containsString("\"confirm\": \"pg-restore\""));
        given().contentType("application/json").body(restoreOf("snapshot", "deadbeef", "confirm", "pg-restore"))
                .post("/api/restores").then().statusCode(404).body("error", containsString("no snapshot deadbeef"));
        assertEquals(afterDelete, pg.checksum("shop", "orders"), "a refused restore touched nothing");
        assertEquals("", ResticCli.run(SidecarStack.repo("models"), SidecarStack.key("models"), "snapshots",
                "--tag", "safety,target:pg-restore", "--json").replace("[]", "").strip(), "and took no safety snapshot");

        JsonPath dry = SidecarApi.restore(restoreOf("dryRun", true));
        assertEquals("SUCCEEDED", dry.getString("state"));
        assertTrue(dry.getString("wouldWrite[0]").contains("database shop replaced"), dry.prettify());
        assertEquals(afterDelete, pg.checksum("shop", "orders"), "a dry run touched nothing");

        // the database's own properties, which its dump does not hold: the restore beside it carries them over
        pg.sql("postgres", "CREATE ROLE shopkeeper LOGIN; CREATE ROLE auditor; ALTER DATABASE shop OWNER TO shopkeeper;"
                + "COMMENT ON DATABASE shop IS 'the shop''s orders'; ALTER DATABASE shop SET work_mem = '7MB';"
                + "ALTER DATABASE shop SET search_path = \"$user\", public, \"odd, schema\";"
                + "ALTER ROLE auditor IN DATABASE shop SET statement_timeout = '42s';"
                + "ALTER DATABASE shop CONNECTION LIMIT 40; REVOKE ALL ON DATABASE shop FROM PUBLIC;"
                + "GRANT CONNECT ON DATABASE shop TO auditor WITH GRANT OPTION");
        String properties = propertiesOf("shop");
        assertTrue(properties.contains("auditor=c*/shopkeeper") && properties.contains("42s"), properties);

        JsonPath done = SidecarApi.restore(restoreOf("confirm", "pg-restore"));
        assertEquals("SUCCEEDED", done.getString("state"), done.prettify());
        assertEquals(atBackup, pg.checksum("shop", "orders"), "every deleted row is back");
        assertTrue(TestDocker.state(pg.id()).running());
        assertEquals(properties, propertiesOf("shop"), "owner, grants, comment, limit and settings as they were");

        List<String> safety = done.getList("safetySnapshots");
        assertFalse(safety.isEmpty(), done.prettify());
        // restored beside the live database, switched in; the live one, renamed aside, was dumped into
        // the repo after the data was in place, then dropped
        assertTrue(done.getString("notes").contains("restored into database shop.restoring-"), done.prettify());
        assertTrue(done.getString("notes").contains("renamed shop.before-restore-"), done.prettify());
        assertTrue(done.getDouble("writtenSeconds") < done.getDouble("durationSeconds"), done.prettify());
        assertEquals("0", copiesOf("shop"), "the database aside is dropped once it is in the repo");
        assertEquals("", leftInTmp(), "the dump's parts are gone from the container's /tmp");
        String tags = ResticCli.run(SidecarStack.repo("models"), SidecarStack.key("models"), "snapshots",
                "--tag", "safety,target:pg-restore", "--json");
        assertTrue(tags.contains("\"safety\"") && tags.contains("target:pg-restore") && !tags.contains("plan:restoring"),
                "tagged safety, outside the plan's retention: " + tags);

        // the safety snapshot restores the state the restore overwrote
        JsonPath back = SidecarApi.restore(restoreOf("snapshot", safety.get(safety.size() - 1), "confirm", "pg-restore"));
        assertEquals("SUCCEEDED", back.getString("state"), back.prettify());
        assertEquals(afterDelete, pg.checksum("shop", "orders"));
        assertEquals(properties, propertiesOf("shop"), "and again");
    }

    /** Owner, grants (in order), connection limit, comment, and every setting of the database, its roles' too. */
    private static String propertiesOf(String database) {
        return pg.sql("postgres", "SELECT pg_get_userbyid(d.datdba), (SELECT array_agg(a::text ORDER BY a::text) FROM "
                + "unnest(d.datacl) a), d.datconnlimit, shobj_description(d.oid, 'pg_database'), (SELECT string_agg("
                + "s.setrole::regrole::text || ':' || array_to_string(s.setconfig, ';'), ' ' ORDER BY s.setrole::regrole::text) "
                + "FROM pg_db_role_setting s WHERE s.setdatabase = d.oid) FROM pg_database d WHERE d.datname = '"
                + database.replace("'", "''") + "'").strip();
    }

    @Test
    @Order(2)
    void intoANewDatabaseLeavesTheLiveOneAlone() {
        String live = pg.checksum("shop", "orders");
        assertNotEquals(atBackup, live);
        JsonPath done = SidecarApi.restore(restoreOf("newDatabase", "shop_copy"));
        assertEquals("SUCCEEDED", done.getString("state"), done.prettify());
        assertEquals(atBackup, pg.checksum("shop_copy", "orders"));
        assertEquals(live, pg.checksum("shop", "orders"), "the live database is untouched");
        assertTrue(done.getList("safetySnapshots").isEmpty(), "nothing was overwritten, so no safety snapshot");

        JsonPath again = SidecarApi.restore(restoreOf("newDatabase", "shop_copy"));
        assertEquals("FAILED", again.getString("state"));
        assertTrue(again.getString("error").contains("exists already"), again.prettify());
    }

    @Test
    @Order(3)
    void aRestoreThatFailsHalfwayLeavesTheOldDataRunning() {
        // a backup whose table belongs to a role the server no longer has: pg_restore fails at its owner
        pg.sql("postgres", "CREATE ROLE clerk");
        pg.sql("shop", "ALTER TABLE orders OWNER TO clerk");
        assertEquals("SUCCEEDED", SidecarApi.runPlan("restoring").getString("state"));
        pg.sql("shop", "REASSIGN OWNED BY clerk TO postgres; DROP OWNED BY clerk");
        pg.sql("postgres", "DROP ROLE clerk");
        // and a view made after the backup, which the failed restore leaves as it was
        pg.sql("shop", "CREATE VIEW recent AS SELECT * FROM orders WHERE id > 100");
        String before = pg.checksum("shop", "orders");
        JsonPath failed = SidecarApi.restore(restoreOf("confirm", "pg-restore"));
        assertEquals("FAILED", failed.getString("state"), failed.prettify());
        assertTrue(failed.getString("error").contains("pg_restore") && failed.getString("error").contains("clerk")
                && failed.getString("error").contains("database shop is untouched"), failed.prettify());
        assertTrue(TestDocker.state(pg.id()).running());
        assertEquals(before, pg.checksum("shop", "orders"), "one transaction: the old data is all there");
        assertEquals("1", pg.sql("shop", "SELECT count(*) FROM pg_views WHERE viewname = 'recent'"));
        assertEquals("0", copiesOf("shop"), "the database restored beside it is dropped: the database is as it was");
        assertEquals("", leftInTmp(), "the parts pg_restore did not read are removed too");
    }

    /** What a restore left in the container's /tmp (the dump's parts, their marks, pg_restore's exit code). */
    private static String leftInTmp() {
        return TestDocker.exec(pg.id(), "sh", "-c", "ls /tmp | grep backrest-sidecar-restore; true").out().strip();
    }

    /** The databases a restore of {@code database} made beside it or renamed aside that are still there. */
    private static String copiesOf(String database) {
        return pg.sql("postgres", "SELECT count(*) FROM pg_database WHERE datname LIKE '" + database
                + ".before-restore-%' OR datname LIKE '" + database + ".restoring-%'").strip();
    }

    /**
     * A database whose name Postgres takes but a shell or an SQL string would not (a space, a quote
     * and a double quote) is backed up, and restored on its own over itself and into a new one: its
     * rows come back, and the safety dump before it holds it alone.
     */
    @Test
    @Order(4)
    void aDatabaseWithASpaceAndQuotesInItsNameIsRestoredOnItsOwn() throws Exception {
        String odd = "it's \"odd\" db";
        String quoted = "\"" + odd.replace("\"", "\"\"") + "\"";
        pg.sql("postgres", "CREATE DATABASE " + quoted);
        pg.sql(odd, "CREATE TABLE notes (id int PRIMARY KEY, note text);"
                + "INSERT INTO notes SELECT g, 'note ' || g FROM generate_series(1, 500) g");
        String backedUp = pg.checksum(odd, "notes");
        assertEquals("SUCCEEDED", SidecarApi.runPlan("restoring").getString("state"));
        pg.sql(odd, "DELETE FROM notes WHERE id > 100");

        JsonPath over = SidecarApi.restore(Map.of("target", "pg-restore", "database", odd, "confirm", "pg-restore"));
        assertEquals("SUCCEEDED", over.getString("state"), over.prettify());
        assertEquals(backedUp, pg.checksum(odd, "notes"), "the rows are back");
        List<String> safety = over.getList("safetySnapshots");
        List<String> command = new java.util.ArrayList<>(List.of("snapshots", "--json"));
        command.addAll(safety);
        String held = ResticCli.run(SidecarStack.repo("models"), SidecarStack.key("models"), command.toArray(String[]::new));
        assertTrue(held.contains("/pg-restore/it's \\\"odd\\\" db.dump") && !held.contains("shop.dump"),
                "the safety dump holds that database alone (and the roles): " + held);
        assertTrue(over.getString("notes").contains("renamed " + odd + ".before-restore-"),
                "restored beside it and switched in by its quoted name: " + over.prettify());
        assertEquals("0", copiesOf(odd.replace("'", "''")), "nothing left beside it");

        String copy = "copy of " + odd;
        JsonPath beside = SidecarApi.restore(Map.of("target", "pg-restore", "database", odd, "newDatabase", copy));
        assertEquals("SUCCEEDED", beside.getString("state"), beside.prettify());
        assertEquals(backedUp, pg.checksum(copy, "notes"));
    }

    /**
     * The server's own database {@code postgres}, where the sidecar connects for everything else, is
     * restored beside itself too: the switch's renames are made from {@code template1}.
     */
    @Test
    @Order(6)
    void theServersOwnDatabaseIsRestoredBesideItselfToo() {
        pg.sql("postgres", "CREATE TABLE settings_kept (id int PRIMARY KEY, v text);"
                + "INSERT INTO settings_kept SELECT g, 'v' || g FROM generate_series(1, 300) g");
        String backedUp = pg.checksum("postgres", "settings_kept");
        assertEquals("SUCCEEDED", SidecarApi.runPlan("restoring").getString("state"));
        pg.sql("postgres", "DELETE FROM settings_kept WHERE id > 10");
        JsonPath done = SidecarApi.restore(Map.of("target", "pg-restore", "database", "postgres", "confirm", "pg-restore"));
        assertEquals("SUCCEEDED", done.getString("state"), done.prettify());
        assertEquals(backedUp, pg.checksum("postgres", "settings_kept"), "the rows are back");
        assertTrue(done.getString("notes").contains("renamed postgres.before-restore-"), done.prettify());
        assertEquals("0", copiesOf("postgres"), "nothing left beside it");
        assertEquals("", leftInTmp());
    }

    /**
     * A database the server does not have (a new host, a recovery) is made from its dump, copied into
     * the container whole: its rows come back, and neither the dump nor pg_restore's exit code stays
     * in /tmp.
     */
    @Test
    @Order(5)
    void aDatabaseTheServerNoLongerHasIsMadeFromItsDump() {
        assertEquals("SUCCEEDED", SidecarApi.runPlan("restoring").getString("state"));
        String backedUp = pg.checksum("shop", "orders");
        pg.sql("postgres", "DROP DATABASE shop_copy");
        pg.sql("postgres", "DROP DATABASE shop");
        JsonPath made = SidecarApi.restore(restoreOf("confirm", "pg-restore"));
        assertEquals("SUCCEEDED", made.getString("state"), made.prettify());
        assertTrue(made.getString("notes").contains("database shop did not exist: created from its dump"),
                made.prettify());
        assertTrue(made.getList("safetySnapshots").isEmpty(), "nothing was there to keep: " + made.prettify());
        assertEquals(backedUp, pg.checksum("shop", "orders"), "the rows of the newest backup are back");
        assertEquals("", leftInTmp(), "the dump copied in and pg_restore's exit code are removed");
    }
}
