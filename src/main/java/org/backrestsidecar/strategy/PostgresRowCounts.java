package org.backrestsidecar.strategy;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Exact row counts of every table of one database, in lines a backup and a drill both read:
 * {@code backrest-sidecar-rows<TAB>schema.table<TAB>count}, closed by an end line with the number
 * of tables, so a cut-off list is never taken for a complete one.
 */
public final class PostgresRowCounts {
    private static final String ROW = "backrest-sidecar-rows";
    private static final String END = "backrest-sidecar-rows-end";
    private static final String TABLES = " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
            + " AND n.nspname NOT LIKE 'pg\\_toast%'";

    /** Counts with {@code count(*)} per table, in the running transaction's snapshot (read-only safe). */
    public static final String QUERY = "SELECT '" + ROW + "' || E'\\t' || format('%I.%I', n.nspname, c.relname)"
            + " || E'\\t' || (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I',"
            + " n.nspname, c.relname), false, true, '')))[1]::text" + TABLES + " ORDER BY 1;\n"
            + "SELECT '" + END + "' || E'\\t' || count(*)" + TABLES + ";";

    private PostgresRowCounts() {
    }

    /** The counts in {@code output}, or empty when the end line is missing or disagrees. */
    public static Optional<Map<String, Long>> parse(String output) {
        Map<String, Long> counts = new LinkedHashMap<>();
        Long expected = null;
        for (String line : output.split("\n")) {
            String[] f = line.strip().split("\t");
            if (f.length == 3 && f[0].equals(ROW)) {
                counts.put(f[1], Long.parseLong(f[2]));
            } else if (f.length == 2 && f[0].equals(END)) {
                expected = Long.parseLong(f[1]);
            }
        }
        return expected != null && expected == counts.size() ? Optional.of(counts) : Optional.empty();
    }
}
