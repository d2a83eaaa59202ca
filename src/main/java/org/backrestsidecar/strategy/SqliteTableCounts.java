package org.backrestsidecar.strategy;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Row counts of every table of one SQLite file, read with the sqlite3 shell: at backup and in a drill. */
public final class SqliteTableCounts {

    /** Runs a command (in a helper container) and gives its stdout, failing on a non-zero exit. */
    @FunctionalInterface
    public interface Shell {
        String output(List<String> command) throws IOException;
    }

    private SqliteTableCounts() {
    }

    public static Map<String, Long> of(Shell shell, String database) throws IOException {
        List<String> tables = shell.output(List.of("sqlite3", "-readonly", database,
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
                        + "ORDER BY name")).lines().filter(l -> !l.isBlank()).toList();
        Map<String, Long> counts = new LinkedHashMap<>();
        if (tables.isEmpty()) {
            return counts;
        }
        StringBuilder sql = new StringBuilder();
        for (String table : tables) {
            if (sql.length() > 0) {
                sql.append(" UNION ALL ");
            }
            sql.append("SELECT ").append(tables.indexOf(table)).append(", count(*) FROM \"")
                    .append(table.replace("\"", "\"\"")).append('"');
        }
        for (String line : shell.output(List.of("sqlite3", "-readonly", database, sql + ";")).lines()
                .filter(l -> !l.isBlank()).toList()) {
            String[] f = line.split("\\|");
            counts.put(tables.get(Integer.parseInt(f[0])), Long.parseLong(f[1]));
        }
        return counts;
    }
}
