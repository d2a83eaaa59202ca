package org.backrestsidecar.postgres;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Exact row counts and a content sum of every table of one database, in lines a backup and a drill
 * both read: {@code backrest-sidecar-rows<TAB>schema.table<TAB>count<TAB>sum}, closed by an end line
 * with the number of tables, so a cut-off list is never taken for a complete one.
 *
 * <p>The sum is of every row's text ({@code t::text}) hashed (60 bits of the hash, {@link Sum}), added
 * up and kept below 2^62: the same for the same rows in any order, different when a row's bytes
 * changed, a row was added or removed (save by a 2^-60 chance). It takes no sort and no memory beyond
 * the scan. A
 * row's text depends on the session's settings, so both sides set the same ones first (the live
 * server's and a throwaway's configurations may differ); a column whose text depends on the search
 * path (regclass) reads the same on both, as both run with the default one.
 */
public final class PostgresRowCounts {
    private static final String ROW = "backrest-sidecar-rows";
    private static final String END = "backrest-sidecar-rows-end";
    /** Every setting a row's text depends on, as both sides read it. */
    private static final String SAME_TEXT = "SET TimeZone TO 'UTC'; SET DateStyle TO 'ISO, YMD'; "
            + "SET IntervalStyle TO 'postgres'; SET extra_float_digits TO 1; SET bytea_output TO 'hex'; "
            + "SET lc_monetary TO 'C';\n";
    private static final String TABLES = " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace";
    /** Tables, not another session's temporary ones (which no other session may read). */
    private static final String WHERE = " WHERE c.relkind IN ('r', 'p') AND c.relpersistence <> 't'"
            + " AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'";
    /**
     * The tables the WAL carries: an unlogged table's rows are not in it (a replay leaves it empty,
     * and a server still replaying refuses to read it).
     */
    private static final String LOGGED = WHERE + " AND c.relpersistence = 'p'";

    /**
     * How a row's text is hashed for the sum. A backup records which (its end line names it, and the
     * facts keep it: {@code BackupFacts.sumFormula}); a drill sums the restored rows the same way.
     */
    public enum Sum {
        /** md5, 60 bits of it: every backup before 2026-11-29 (facts that name no formula). */
        MD5("md5-60", "(''x'' || left(md5(t::text), 15))::bit(60)::bigint"),
        /**
         * Postgres's own 64-bit text hash (11 and later), 60 bits of it: the same proof at about half
         * md5's CPU (bench/results.md "Content sums of a Postgres dump").
         */
        HASHTEXT("hashtext-60", "hashtextextended(t::text, 0) & 1152921504606846975"),
        /**
         * Postgres's hash of the row itself (14 and later), 60 bits of it, for a table whose every
         * column is of a type in {@link #EXACT_TYPES} (and a text one of a deterministic collation);
         * any other table's rows as {@link #HASHTEXT}. The row is hashed column by column, with no
         * text made of it: about a quarter of the text's cost (bench/results.md "Content sums of a
         * Postgres dump"). Which tables take which is decided from their columns, the same on the
         * live server and on the restored copy.
         */
        RECORD("record-60", "hash_record_extended(t, 0) & 1152921504606846975");

        private final String id;
        /** The expression, its quotes doubled: {@link #sql()} puts it in an SQL literal. */
        private final String expression;

        Sum(String id, String expression) {
            this.id = id;
            this.expression = expression;
        }

        public String id() {
            return id;
        }

        /** The formula a backup's facts name; none (facts recorded before formulas were named) is md5. */
        public static Sum named(String id) {
            if (id == null || id.isBlank()) {
                return MD5;
            }
            for (Sum sum : values()) {
                if (sum.id.equals(id)) {
                    return sum;
                }
            }
            throw new IllegalArgumentException("content sums made as '" + id + "', which this version does not "
                    + "know (a backup of a newer version): they cannot be compared");
        }

        /** As SQL that gives the expression's text for table {@code c}, for format() to put in its query. */
        private String sql() {
            if (this == RECORD) {
                // the collation's column read through jsonb: a server before 12 has none, and parses
                // the backup's query (which names this formula in a branch it never takes) all the same
                return "CASE WHEN NOT EXISTS (SELECT 1 FROM pg_attribute a LEFT JOIN pg_collation l ON l.oid = a.attcollation"
                        + " WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND (a.attname = 't'"
                        // a column named t would stand for the row in the expression
                        + " OR a.atttypid::regtype::text"
                        + " NOT IN (" + EXACT_TYPES + ") OR NOT coalesce((to_jsonb(l) ->> 'collisdeterministic')::boolean, true)))"
                        + " THEN '" + expression + "' ELSE '" + HASHTEXT.expression + "' END";
            }
            return "'" + expression + "'";
        }
    }

    /**
     * The column types whose values are equal exactly when their text is (as {@code regtype} names
     * them): a row of these hashed by value proves what its text's hash proves. Left out on purpose:
     * numeric, float, interval, char(n), jsonb (equal values of other text: 1.0 and 1.00, -0 and 0,
     * '1 day' and '24 hours', trailing blanks, key order) and every type with no hash (json, point,
     * arrays, domains and types of an extension, taken as text).
     */
    static final String EXACT_TYPES = "'smallint', 'integer', 'bigint', 'oid', 'boolean', 'text', 'character varying', "
            + "'\"char\"', 'name', 'bytea', 'uuid', 'date', 'time without time zone', 'timestamp without time zone', "
            + "'timestamp with time zone'";

    /** The formula a backup uses: the fastest the server has (a row's own hash from 14, its text's from 11), else md5. */
    private static final String BACKUP_SUM = "CASE WHEN current_setting('server_version_num')::int >= 140000 THEN "
            + Sum.RECORD.sql() + " WHEN current_setting('server_version_num')::int >= 110000 THEN "
            + Sum.HASHTEXT.sql() + " ELSE " + Sum.MD5.sql() + " END";
    private static final String BACKUP_SUM_ID = "CASE WHEN current_setting('server_version_num')::int >= 140000 THEN '"
            + Sum.RECORD.id + "' WHEN current_setting('server_version_num')::int >= 110000 THEN '"
            + Sum.HASHTEXT.id + "' ELSE '" + Sum.MD5.id + "' END";

    /**
     * Counts and content sums per table, in the running transaction's snapshot (read-only safe), with
     * the formula this server has ({@link #sumFormula} reads which).
     */
    public static final String QUERY = query(BACKUP_SUM, BACKUP_SUM_ID, WHERE);

    /**
     * The same of the tables the WAL carries (unlogged ones left out): what a wal-mode base backup
     * records at its restore point.
     */
    public static final String LOGGED_QUERY = query(BACKUP_SUM, BACKUP_SUM_ID, LOGGED);

    /** What a drill reads of the restored database: {@link #QUERY} with the backup's formula. */
    public static String query(Sum sum) {
        return query(sum.sql(), "'" + sum.id + "'", WHERE);
    }

    /** What a point-in-time drill reads at a restore point: {@link #LOGGED_QUERY} with the backup's formula. */
    public static String loggedQuery(Sum sum) {
        return query(sum.sql(), "'" + sum.id + "'", LOGGED);
    }

    /**
     * Counts alone: a base backup's and a point-in-time drill's, which compare no content (a sum costs a
     * hash of every row: bench/results.md "Content sums of a Postgres dump").
     */
    public static final String COUNTS = query(null, null, WHERE);

    /** The tables {@link #LOGGED_QUERY} reads, one per line as an SQL name ({@code schema.table}, quoted where needed). */
    public static final String TABLE_NAMES = "SELECT format('%I.%I', n.nspname, c.relname)" + TABLES + LOGGED + " ORDER BY 1;";
    private static final String POINT = "backrest-sidecar-point";

    /**
     * Counts and content sums that hold exactly at a restore point named {@code name}: in one
     * transaction the {@code tables} are held from writes ({@code SHARE}: a writer under way is
     * waited for, new ones wait, readers go on), then the point is made, which takes the
     * transaction's snapshot: every change to them is before the point in the WAL, and visible.
     * The writers wait while the tables are summed (about 4 s a GB: bench/results.md); a lock not
     * had within {@code lockTimeout} fails the script rather than queue every writer behind it.
     *
     * @param tables the names {@link #TABLE_NAMES} gave (a table made since is not held: a write to
     *               it in the instant between the point and the snapshot would be missed)
     */
    public static String atRestorePoint(java.util.List<String> tables, String name, java.time.Duration lockTimeout) {
        if (!name.matches("[A-Za-z0-9_.-]{1,63}")) {
            throw new IllegalArgumentException("not a restore point's name: " + name);
        }
        return "BEGIN ISOLATION LEVEL REPEATABLE READ;\nSET LOCAL lock_timeout = '" + lockTimeout.toMillis() + "ms';\n"
                + (tables.isEmpty() ? "" : "LOCK TABLE " + String.join(", ", tables) + " IN SHARE MODE;\n")
                + "SELECT '" + POINT + "' || E'\\t' || pg_create_restore_point('" + name + "')::text;\n"
                // a transaction id: the commit then writes a record after the point and flushes the WAL
                // to it, so the stream has the point at once (nothing else may flush it on an idle server)
                + "SELECT txid_current() IS NULL;\n"
                + LOGGED_QUERY + "\nCOMMIT;\n";
    }

    /** Where the restore point {@link #atRestorePoint} made is (its LSN), or empty when it said none. */
    public static Optional<String> restorePoint(String output) {
        return output.lines().map(l -> l.strip().split("\t")).filter(f -> f.length == 2 && f[0].equals(POINT))
                .map(f -> f[1]).findFirst();
    }

    /**
     * One scan per table: its rows counted and, with a {@code sum} (SQL giving the hash expression's
     * text), their hashes summed; the end line names the formula ({@code sumId}, SQL giving its id).
     */
    private static String query(String sum, String sumId, String where) {
        boolean sums = sum != null;
        return SAME_TEXT + "SELECT '" + ROW + "' || E'\\t' || format('%I.%I', n.nspname, c.relname)"
                + " || E'\\t' || (xpath('/row/c/text()', q.x))[1]::text"
                + (sums ? " || E'\\t' || (xpath('/row/h/text()', q.x))[1]::text" : "")
                + TABLES + " CROSS JOIN LATERAL (SELECT query_to_xml(format('SELECT count(*) AS c"
                + (sums ? ", coalesce(sum(%s) %% 4611686018427387904, 0) AS h" : "")
                + " FROM %I.%I t', " + (sums ? sum + ", " : "") + "n.nspname, c.relname), false, true, '') AS x) q"
                + where + " ORDER BY 1;\n"
                + "SELECT '" + END + "' || E'\\t' || count(*)" + (sums ? " || E'\\t' || " + sumId : "") + TABLES
                + where + ";";
    }

    /** The formula the sums in {@code output} were made with, from its end line; empty when it names none. */
    public static Optional<String> sumFormula(String output) {
        return output.lines().map(l -> l.strip().split("\t")).filter(f -> f.length == 3 && f[0].equals(END))
                .map(f -> f[2]).findFirst();
    }

    private PostgresRowCounts() {
    }

    /** The counts in {@code output}, or empty when the end line is missing or disagrees. */
    public static Optional<Map<String, Long>> parse(String output) {
        return field(output, 2);
    }

    /**
     * The content sums in {@code output}, or empty when the end line is missing or disagrees, or a
     * line has no sum (a backup made before sums were recorded).
     */
    public static Optional<Map<String, Long>> contentSums(String output) {
        return field(output, 3);
    }

    private static Optional<Map<String, Long>> field(String output, int index) {
        Map<String, Long> values = new LinkedHashMap<>();
        Long expected = null;
        for (String line : output.split("\n")) {
            String[] f = line.strip().split("\t");
            if (f.length >= 3 && f[0].equals(ROW)) {
                if (f.length <= index) {
                    return Optional.empty();
                }
                values.put(f[1], Long.parseLong(f[index]));
            } else if ((f.length == 2 || f.length == 3) && f[0].equals(END)) {
                expected = Long.parseLong(f[1]);
            }
        }
        return expected != null && expected == values.size() ? Optional.of(values) : Optional.empty();
    }
}
