package org.backrestsidecar.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import org.backrestsidecar.testing.TestDocker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Row counts and content sums of an SQLite file, read by the real sqlite3 shell (this machine's, as the
 * helper's is Debian's too): the same file gives the same sums, a changed row another sum with the
 * same counts, and a table name that needs quoting is read, not broken.
 */
class SqliteTableCountsTest {
    @TempDir
    Path dir;

    private final SqliteTableCounts.Shell shell = command -> {
        try {
            return TestDocker.run(command, Map.of());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    };

    @Test
    void aChangedRowChangesItsTablesSumAndNotItsCount() throws Exception {
        Path db = dir.resolve("app.db");
        sql(db, "CREATE TABLE chats (id INTEGER PRIMARY KEY, body TEXT);"
                + "CREATE TABLE \"we\"\"ird 'name\" (k, v);"
                + "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500) "
                + "INSERT INTO chats SELECT i, 'chat ' || i FROM n;"
                + "INSERT INTO \"we\"\"ird 'name\" VALUES (1, 'one'), (2, x'00ff');");
        Map<String, Long> counts = SqliteTableCounts.of(shell, db.toString()).counts();
        assertEquals(Map.of("chats", 500L, "we\"ird 'name", 2L), counts);
        Map<String, Long> sums = SqliteTableCounts.of(shell, db.toString()).sums();
        assertEquals(counts.keySet(), sums.keySet());

        Path copy = Files.copy(db, dir.resolve("copy.db"), StandardCopyOption.REPLACE_EXISTING);
        assertEquals(sums, SqliteTableCounts.of(shell, copy.toString()).sums(), "a byte copy sums the same");

        sql(copy, "UPDATE chats SET body = 'chat 25!' WHERE id = 250;");
        assertEquals(counts, SqliteTableCounts.of(shell, copy.toString()).counts(), "the counts cannot tell");
        Map<String, Long> changed = SqliteTableCounts.of(shell, copy.toString()).sums();
        assertNotEquals(sums.get("chats"), changed.get("chats"), "the changed row's table");
        assertEquals(sums.get("we\"ird 'name"), changed.get("we\"ird 'name"), "the other table");

        sql(copy, "UPDATE \"we\"\"ird 'name\" SET k = '1' WHERE k = 1;");
        assertNotEquals(sums.get("we\"ird 'name"), SqliteTableCounts.of(shell, copy.toString()).sums()
                .get("we\"ird 'name"), "1 and '1' are not the same content");
    }

    @Test
    void aFileWithoutTablesHasNoCountsAndNoSums() throws Exception {
        Path db = dir.resolve("empty.db");
        sql(db, "PRAGMA user_version = 1;");
        assertEquals(new SqliteTableCounts.Read(Map.of(), Map.of()), SqliteTableCounts.of(shell, db.toString()));
    }

    private static void sql(Path db, String script) throws Exception {
        TestDocker.run(List.of("sqlite3", db.toString(), script), Map.of());
    }
}
