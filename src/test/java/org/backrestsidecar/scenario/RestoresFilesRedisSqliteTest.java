package org.backrestsidecar.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.Map;
import org.backrestsidecar.testing.SidecarApi;
import org.backrestsidecar.testing.SidecarStack;
import org.backrestsidecar.testing.TestDocker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A volume, a Redis and an SQLite app (a stand-in with Open WebUI's data layout: the real image
 * cannot be had here) are backed up in one run, changed, and restored: each comes back
 * byte-identical (files by SHA-256, Redis by DEBUG DIGEST, SQLite by its .dump) and running.
 */
@QuarkusTest
@QuarkusTestResource(SidecarStack.class)
class RestoresFilesRedisSqliteTest {
    private static final String DATA = "/app/backend/data";
    private static final String TREE = "cd /data && find . -type f | sort | xargs sha256sum";
    private static final String WEBUI = "cd " + DATA + " && sqlite3 webui.db .dump | sha256sum && sha256sum uploads/*"
            + " && ls";
    private static String volume;
    private static String redis;
    private static String webui;
    private static String treeAtBackup;
    private static String digestAtBackup;
    private static String webuiAtBackup;
    private static boolean backedUp;

    private static Map<String, String> labels(String service, String strategy, String... more) {
        return SidecarStack.serviceLabels(service, "restoring", strategy, more);
    }

    @BeforeAll
    static void backedUp() {
        volume = TestDocker.container("vol-app").volume("/data").labels(labels("vol-app", "volume")).start(TestDocker.IDLE);
        TestDocker.exec(volume, "sh", "-c", "mkdir -p /data/sub && echo 'first words' > /data/a.txt"
                + " && head -c 200000 /dev/urandom > /data/sub/b.bin && head -c 5000 /dev/urandom > /data/sub/c.bin").out();
        redis = TestDocker.container("redis-restore").labels(labels("redis-restore", "redis"))
                .start("mkdir -p /data && exec redis-server --dir /data --save '' --appendonly no --enable-debug-command yes");
        TestDocker.await("redis to answer", Duration.ofSeconds(30),
                () -> TestDocker.exec(redis, "redis-cli", "PING").out().equals("PONG"));
        TestDocker.exec(redis, "sh", "-c", "for i in $(seq 1 500); do echo \"SET key:$i value-$i\"; done | redis-cli --pipe").out();
        webui = TestDocker.container("webui-restore").volume(DATA)
                .labels(labels("webui-restore", "sqlite", "backup.sqlite.paths", DATA + "/webui.db"))
                .start(TestDocker.IDLE);
        TestDocker.exec(webui, "sh", "-c", "cd " + DATA + " && mkdir -p uploads"
                + " && head -c 100000 /dev/urandom > uploads/one.bin"
                + " && sqlite3 webui.db 'PRAGMA journal_mode=WAL; CREATE TABLE chat (id INTEGER PRIMARY KEY, body TEXT);"
                + " INSERT INTO chat (body) VALUES (\"hello\"), (\"world\");'").out();

        treeAtBackup = TestDocker.exec(volume, "sh", "-c", TREE).out();
        digestAtBackup = TestDocker.exec(redis, "redis-cli", "DEBUG", "DIGEST").out();
        webuiAtBackup = TestDocker.exec(webui, "sh", "-c", WEBUI).out();
    }

    /** One run backs all three up; RestAssured knows the app's port only once a test runs. */
    private static synchronized void backUpOnce() {
        if (backedUp) {
            return;
        }
        JsonPath run = SidecarApi.runPlan("restoring");
        assertEquals("SUCCEEDED", run.getString("state"), run.prettify());
        backedUp = true;
    }

    @AfterAll
    static void removed() {
        TestDocker.remove("vol-app");
        TestDocker.remove("redis-restore");
        TestDocker.remove("webui-restore");
    }

    @Test
    void volumeComesBackWholeOrOnePath() {
        backUpOnce();
        TestDocker.exec(volume, "sh", "-c", "echo changed > /data/a.txt && rm /data/sub/b.bin && echo new > /data/new.txt").out();
        assertNotEquals(treeAtBackup, TestDocker.exec(volume, "sh", "-c", TREE).out());

        JsonPath done = SidecarApi.restore(Map.of("target", "vol-app", "confirm", "vol-app"));
        assertEquals("SUCCEEDED", done.getString("state"), done.prettify());
        assertEquals(treeAtBackup, TestDocker.exec(volume, "sh", "-c", TREE).out(), "byte-identical, and new.txt gone");
        assertTrue(TestDocker.state(volume).running(), "started again after the restore");

        // one path only: the rest keeps its changes
        TestDocker.exec(volume, "sh", "-c", "echo changed again > /data/a.txt && head -c 10 /dev/urandom > /data/sub/b.bin").out();
        JsonPath sub = SidecarApi.restore(Map.of("target", "vol-app", "path", "/data/sub", "confirm", "vol-app"));
        assertEquals("SUCCEEDED", sub.getString("state"), sub.prettify());
        assertEquals(treeAtBackup.lines().filter(l -> l.contains("sub/")).toList(),
                TestDocker.exec(volume, "sh", "-c", TREE).out().lines().filter(l -> l.contains("sub/")).toList());
        assertEquals("changed again", TestDocker.exec(volume, "cat", "/data/a.txt").out());
    }

    @Test
    void redisComesBackWithTheSameDataset() {
        backUpOnce();
        TestDocker.exec(redis, "sh", "-c", "redis-cli FLUSHALL && redis-cli SET other 1").out();
        assertNotEquals(digestAtBackup, TestDocker.exec(redis, "redis-cli", "DEBUG", "DIGEST").out());

        JsonPath done = SidecarApi.restore(Map.of("target", "redis-restore", "confirm", "redis-restore"));
        assertEquals("SUCCEEDED", done.getString("state"), done.prettify());
        assertTrue(TestDocker.state(redis).running());
        TestDocker.await("restored redis to load", Duration.ofSeconds(30),
                () -> TestDocker.exec(redis, "redis-cli", "PING").out().equals("PONG"));
        assertEquals(digestAtBackup, TestDocker.exec(redis, "redis-cli", "DEBUG", "DIGEST").out());
        assertEquals("500", TestDocker.exec(redis, "redis-cli", "DBSIZE").out());
        assertEquals(java.util.List.of(".", "..", "dump.rdb"), TestDocker.exec(redis, "ls", "-a", "/data").out()
                .lines().toList(), "the RDB written beside and put in place leaves nothing beside it");
    }

    @Test
    void sqliteAppComesBackWithItsDatabaseAndFiles() {
        backUpOnce();
        TestDocker.exec(webui, "sh", "-c", "cd " + DATA + " && sqlite3 webui.db \"DELETE FROM chat WHERE id = 1;"
                + " INSERT INTO chat (body) VALUES ('later');\" && head -c 10 /dev/urandom > uploads/one.bin"
                + " && echo x > uploads/two.bin").out();
        assertNotEquals(webuiAtBackup, TestDocker.exec(webui, "sh", "-c", WEBUI).out());

        JsonPath done = SidecarApi.restore(Map.of("target", "webui-restore", "confirm", "webui-restore"));
        assertEquals("SUCCEEDED", done.getString("state"), done.prettify());
        assertTrue(TestDocker.state(webui).running());
        assertEquals(webuiAtBackup, TestDocker.exec(webui, "sh", "-c", WEBUI).out());
        assertEquals("ok", TestDocker.exec(webui, "sqlite3", DATA + "/webui.db", "PRAGMA integrity_check;").out());
    }
}
