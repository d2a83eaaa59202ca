package org.backrestsidecar.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.nio.file.Files;
import java.time.Duration;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.backrestsidecar.testing.ResticCli;
import org.backrestsidecar.testing.SidecarApi;
import org.backrestsidecar.testing.SidecarStack;
import org.backrestsidecar.testing.TestDocker;
import org.junit.jupiter.api.Test;

/**
 * Open WebUI's layout (a stand-in: the real image cannot be had here, the data layout is the same):
 * three live SQLite databases — webui.db, Chroma's vector_db/chroma.sqlite3 and one with a name
 * that says nothing (found by its header; no backup.sqlite.paths label at all) — each written all
 * through the backup without a pause, two in WAL mode and one with a rollback journal (where a
 * writer locks every reader out), each comes back passing integrity_check in its own journal mode,
 * and uploads/ comes back byte-identical. (SQLite's backup API, which the sidecar used before,
 * starts over on every write from another process: bench/sqlite-online-copy.sh measures where it
 * never ends; at this test's size it still finished between writes.)
 */
@QuarkusTest
@QuarkusTestResource(SidecarStack.class)
class SqliteCopiedOnlineTest {
    private static final String DATA = "/app/backend/data";
    private static final List<String> DATABASES = List.of("webui.db", "vector_db/chroma.sqlite3", "uploads/.state");
    /** Each database's journal: the last one is an app's that never set WAL, whose writers lock readers out. */
    private static final List<String> JOURNALS = List.of("wal", "wal", "delete");

    @Test
    void databaseWrittenDuringTheBackupRestoresIntactWithItsFiles() throws Exception {
        String webui = TestDocker.container("open-webui").volume(DATA)
                // the writers below never stop by themselves: a copy that waits for a pause between
                // writes runs into this limit and the run fails, rather than hanging the test
                .labels(Map.of("backup.enable", "true", "backup.plan", "sqlite", "backup.strategy", "sqlite",
                        "backup.timeout", "90s", "com.docker.compose.service", "open-webui"))
                .start("sleep 600");
        try {
            TestDocker.exec(webui, "sh", "-c", "cd " + DATA + " && mkdir -p uploads vector_db"
                    + " && for i in 1 2 3 4 5; do head -c 300000 /dev/urandom > uploads/file-$i.bin; done"
                    + " && head -c 50000 /dev/urandom > uploads/not-a-database.bin"
                    + " && for db in " + String.join(" ", DATABASES) + "; do"
                    + " sqlite3 $db 'CREATE TABLE chat (id INTEGER PRIMARY KEY, body TEXT);'"
                    + " && sqlite3 $db \"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 20000)"
                    + " INSERT INTO chat (body) SELECT hex(randomblob(100)) FROM n;\"; done"
                    // webui.db grown to ~45 MB, a used Open WebUI's size: its copy takes longer than
                    // the gap between two of the app's writes
                    + " && sqlite3 webui.db \"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 40000)"
                    + " INSERT INTO chat (body) SELECT hex(randomblob(500)) FROM n;\"").out();
            for (int i = 0; i < DATABASES.size(); i++) {
                TestDocker.exec(webui, "sqlite3", DATA + "/" + DATABASES.get(i), "PRAGMA journal_mode=" + JOURNALS.get(i) + ";").out();
            }
            String uploadsBefore = TestDocker.exec(webui, "sh", "-c", "cd " + DATA + " && sha256sum uploads/*").out();
            Map<String, Long> created = new java.util.HashMap<>();
            DATABASES.forEach(db -> created.put(db, rows(webui, db)));
            // the writers: an app's connection to each database, a transaction every 10 ms all through
            // the backup, until the container goes
            for (String db : DATABASES) {
                TestDocker.execDetached(webui, "sh", "-c", "cd " + DATA + " && while true; do "
                        + "echo \"BEGIN; INSERT INTO chat (body) VALUES (hex(randomblob(2000))); "
                        + "UPDATE chat SET body = hex(randomblob(100)) WHERE id = abs(random()) % 20000; COMMIT;\"; sleep 0.01; done"
                        + " | sqlite3 -cmd '.timeout 5000' " + db);
            }
            for (String db : DATABASES) {
                TestDocker.await(db + " written by the app", Duration.ofSeconds(20), () -> rows(webui, db) > created.get(db));
            }

            JsonPath run = SidecarApi.runPlan("sqlite");
            assertEquals("SUCCEEDED", run.getString("state"), run.prettify());
            for (String db : DATABASES) {
                long before = rows(webui, db);
                TestDocker.await(db + " still written after the backup", Duration.ofSeconds(20), () -> rows(webui, db) > before);
            }
            assertEquals(5, run.getList("targets[0].snapshots").size(), "three database copies, the files, the facts");

            Path restored = Files.createTempDirectory("bsc-sqlite");
            ResticCli.run(SidecarStack.repo("models"), SidecarStack.key("models"), "restore", "latest",
                    "--tag", "plan:sqlite", "--path", DATA, "--target", restored.toString());
            Path files = restored.resolve(DATA.substring(1));
            String check = TestDocker.container("sqlite-check").create("sleep 60");
            for (int i = 0; i < DATABASES.size(); i++) {
                String db = DATA + "/" + DATABASES.get(i);
                assertTrue(!Files.exists(files.resolve(DATABASES.get(i))), db + " live is left out of the files");
                assertTrue(!Files.exists(files.resolve(DATABASES.get(i) + "-wal")), "and so is its journal");
                // each database copy is a snapshot of its own, at the database's path
                Path copy = restored.resolve("db-" + i);
                ResticCli.run(SidecarStack.repo("models"), SidecarStack.key("models"), "restore", "latest",
                        "--tag", "plan:sqlite", "--path", db, "--target", copy.toString());
                TestDocker.copyInto(check, copy.resolve(db.substring(1)), "/tmp");
            }
            TestDocker.copyInto(check, files.resolve("uploads"), "/tmp");
            TestDocker.client().startContainerCmd(check).exec();
            for (int i = 0; i < DATABASES.size(); i++) {
                String restoredDb = "/tmp/" + Path.of(DATABASES.get(i)).getFileName();
                assertEquals("ok", TestDocker.exec(check, "sqlite3", restoredDb, "PRAGMA integrity_check;").out(),
                        DATABASES.get(i));
                assertTrue(Integer.parseInt(TestDocker.exec(check, "sqlite3", restoredDb,
                        "SELECT count(*) FROM chat;").out()) >= 20000, "every row committed before the copy");
                assertEquals(JOURNALS.get(i), TestDocker.exec(check, "sqlite3", restoredDb, "PRAGMA journal_mode;").out(),
                        DATABASES.get(i) + " comes back in the journal mode the app had");
            }
            assertEquals(uploadsBefore, TestDocker.exec(check, "sh", "-c", "cd /tmp && sha256sum uploads/*").out());
        } finally {
            TestDocker.remove("open-webui");
            TestDocker.remove("sqlite-check");
        }
    }

    private static long rows(String container, String db) {
        return Long.parseLong(TestDocker.exec(container, "sqlite3", "-cmd", ".timeout 5000", DATA + "/" + db,
                "SELECT max(id) FROM chat;").out());
    }
}
