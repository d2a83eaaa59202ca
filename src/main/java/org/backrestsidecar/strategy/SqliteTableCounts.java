package org.backrestsidecar.strategy;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Row counts and a content sum of every table of one SQLite file, read with the sqlite3 shell: at
 * backup (of the online copy that is stored) and in a drill (of the restored file), so a drill finds a
 * row changed, not only a row lost.
 */
public final class SqliteTableCounts {

    /** Runs a command (in a helper container) and gives its stdout, failing on a non-zero exit. */
    @FunctionalInterface
    public interface Shell {
        String output(List<String> command) throws IOException;
    }

    private SqliteTableCounts() {
    }

    /** Per table, by name: its rows and the sum of their content. */
    public record Read(Map<String, Long> counts, Map<String, Long> sums) {
    }

    /**
     * Every table's row count and content sum in one sqlite3 read after the listing of the tables.
     * The sum is the first 64 bits of the SHA3-256 of all its rows as {@code SELECT *} gives them, in
     * the order the file stores them (the sqlite3 shell's own {@code sha3_query}; the backup's copy and
     * its restore are the same file, so the same order). Types count: 1 and '1' sum differently.
     */
    public static Read of(Shell shell, String database) throws IOException {
        List<String> tables = tables(shell, database);
        Map<String, Long> counts = new LinkedHashMap<>();
        Map<String, Long> sums = new LinkedHashMap<>();
        if (tables.isEmpty()) {
            return new Read(counts, sums);
        }
        StringBuilder sql = new StringBuilder();
        for (int i = 0; i < tables.size(); i++) {
            String table = "\"" + tables.get(i).replace("\"", "\"\"") + "\"";
            sql.append(i == 0 ? "" : " UNION ALL ").append("SELECT ").append(i).append(", (SELECT count(*) FROM ")
                    .append(table).append("), substr(hex(sha3_query('SELECT * FROM ").append(table.replace("'", "''"))
                    .append("')), 1, 16)");
        }
        for (String line : shell.output(List.of("sqlite3", "-readonly", database, sql + ";")).lines()
                .filter(l -> !l.isBlank()).toList()) {
            String[] f = line.split("\\|");
            String table = tables.get(Integer.parseInt(f[0]));
            counts.put(table, Long.parseLong(f[1]));
            sums.put(table, Long.parseUnsignedLong(f[2], 16));
        }
        return new Read(counts, sums);
    }

    private static List<String> tables(Shell shell, String database) throws IOException {
        return shell.output(List.of("sqlite3", "-readonly", database,
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
                        + "ORDER BY name")).lines().filter(l -> !l.isBlank()).toList();
    }
}
