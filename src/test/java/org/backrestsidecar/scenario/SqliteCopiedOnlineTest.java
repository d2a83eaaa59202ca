package org.backrestsidecar.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.backrestsidecar.testing.ResticCli;
import org.backrestsidecar.testing.SidecarApi;
import org.backrestsidecar.testing.SidecarStack;
import org.backrestsidecar.testing.TestDocker;
import org.junit.jupiter.api.Test;

/**
 * Open WebUI's layout (a stand-in: the real image cannot be had here, the data layout is the same):
 * webui.db being written in WAL mode during the backup comes back passing integrity_check, and
 * uploads/ comes back byte-identical.
 */
@QuarkusTest
@QuarkusTestResource(SidecarStack.class)
class SqliteCopiedOnlineTest {
    private static final String DATA = "/app/backend/data";

    @Test
    void databaseWrittenDuringTheBackupRestoresIntactWithItsFiles() throws Exception {
        String webui = TestDocker.container("open-webui").volume(DATA)
                .labels(Map.of("backup.enable", "true", "backup.plan", "sqlite", "backup.strategy", "sqlite",
                        "backup.sqlite.paths", DATA + "/webui.db", "com.docker.compose.service", "open-webui"))
                .start("sleep 600");
        try {
            TestDocker.exec(webui, "sh", "-c", "cd " + DATA + " && mkdir -p uploads vector_db"
                    + " && for i in 1 2 3 4 5; do head -c 300000 /dev/urandom > uploads/file-$i.bin; done"
                    + " && head -c 50000 /dev/urandom > vector_db/chroma.sqlite3"
                    + " && sqlite3 webui.db 'PRAGMA journal_mode=WAL; CREATE TABLE chat (id INTEGER PRIMARY KEY, body TEXT);'"
                    + " && sqlite3 webui.db \"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 20000)"
                    + " INSERT INTO chat (body) SELECT hex(randomblob(100)) FROM n;\"").out();
            String uploadsBefore = TestDocker.exec(webui, "sh", "-c", "cd " + DATA + " && sha256sum uploads/*").out();
            // the writer: transactions all through the backup
            TestDocker.execDetached(webui, "sh", "-c", "cd " + DATA + " && i=0; while [ $i -lt 3000 ]; do i=$((i+1)); "
                    + "sqlite3 webui.db \"BEGIN; INSERT INTO chat (body) VALUES (hex(randomblob(2000))); "
                    + "UPDATE chat SET body = hex(randomblob(100)) WHERE id = abs(random()) % 20000; COMMIT;\"; done");

            JsonPath run = SidecarApi.runPlan("sqlite");
            assertEquals("SUCCEEDED", run.getString("state"), run.prettify());
            assertEquals(3, run.getList("targets[0].snapshots").size(), "the database copy, the files, the facts");

            Path restored = Files.createTempDirectory("bsc-sqlite");
            ResticCli.run(SidecarStack.repo("models"), SidecarStack.key("models"), "restore", "latest",
                    "--tag", "plan:sqlite", "--path", DATA, "--target", restored.toString());
            // the database copy is the first snapshot the target made, the files the second
            ResticCli.dump(SidecarStack.repo("models"), SidecarStack.key("models"),
                    run.getString("targets[0].snapshots[0]"), DATA + "/webui.db", restored.resolve("webui.db"));
            Path files = restored.resolve(DATA.substring(1));
            assertTrue(Files.exists(files.resolve("vector_db/chroma.sqlite3")));
            assertTrue(!Files.exists(files.resolve("webui.db-wal")), "the live database's journal is left out");

            String check = TestDocker.container("sqlite-check").create("sleep 60");
            TestDocker.copyInto(check, restored.resolve("webui.db"), "/tmp");
            TestDocker.copyInto(check, files.resolve("uploads"), "/tmp");
            TestDocker.client().startContainerCmd(check).exec();
            assertEquals("ok", TestDocker.exec(check, "sqlite3", "/tmp/webui.db", "PRAGMA integrity_check;").out());
            assertTrue(Integer.parseInt(TestDocker.exec(check, "sqlite3", "/tmp/webui.db",
                    "SELECT count(*) FROM chat;").out()) >= 20000, "every row committed before the copy");
            assertEquals(uploadsBefore, TestDocker.exec(check, "sh", "-c", "cd /tmp && sha256sum uploads/*").out());
        } finally {
            TestDocker.remove("open-webui");
            TestDocker.remove("sqlite-check");
        }
    }
}
