package org.backrestsidecar.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.nio.file.Files;
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
 * that says nothing (found by its header; no backup.sqlite.paths label at all) — each written in
 * WAL mode all through the backup, each comes back passing integrity_check, and uploads/ comes
 * back byte-identical.
 */
@QuarkusTest
@QuarkusTestResource(SidecarStack.class)
class SqliteCopiedOnlineTest {
    private static final String DATA = "/app/backend/data";
    private static final List<String> DATABASES = List.of("webui.db", "vector_db/chroma.sqlite3", "uploads/.state");

    @Test
    void databaseWrittenDuringTheBackupRestoresIntactWithItsFiles() throws Exception {
        String webui = TestDocker.container("open-webui").volume(DATA)
                .labels(Map.of("backup.enable", "true", "backup.plan", "sqlite", "backup.strategy", "sqlite",
                        "com.docker.compose.service", "open-webui"))
                .start("sleep 600");
        try {
            TestDocker.exec(webui, "sh", "-c", "cd " + DATA + " && mkdir -p uploads vector_db"
                    + " && for i in 1 2 3 4 5; do head -c 300000 /dev/urandom > uploads/file-$i.bin; done"
                    + " && head -c 50000 /dev/urandom > uploads/not-a-database.bin"
                    + " && for db in " + String.join(" ", DATABASES) + "; do"
                    + " sqlite3 $db 'PRAGMA journal_mode=WAL; CREATE TABLE chat (id INTEGER PRIMARY KEY, body TEXT);'"
                    + " && sqlite3 $db \"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 20000)"
                    + " INSERT INTO chat (body) SELECT hex(randomblob(100)) FROM n;\"; done").out();
            String uploadsBefore = TestDocker.exec(webui, "sh", "-c", "cd " + DATA + " && sha256sum uploads/*").out();
            // the writers: transactions on every database all through the backup
            for (String db : DATABASES) {
                TestDocker.execDetached(webui, "sh", "-c", "cd " + DATA + " && i=0; while [ $i -lt 3000 ]; do i=$((i+1)); "
                        + "sqlite3 " + db + " \"BEGIN; INSERT INTO chat (body) VALUES (hex(randomblob(2000))); "
                        + "UPDATE chat SET body = hex(randomblob(100)) WHERE id = abs(random()) % 20000; COMMIT;\"; done");
            }

            JsonPath run = SidecarApi.runPlan("sqlite");
            assertEquals("SUCCEEDED", run.getString("state"), run.prettify());
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
            }
            assertEquals(uploadsBefore, TestDocker.exec(check, "sh", "-c", "cd /tmp && sha256sum uploads/*").out());
        } finally {
            TestDocker.remove("open-webui");
            TestDocker.remove("sqlite-check");
        }
    }
}
