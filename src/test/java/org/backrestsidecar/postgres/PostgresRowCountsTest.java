package org.backrestsidecar.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.backrestsidecar.strategy.BackupFacts;

/** The count lines as psql prints them beside pg_dump's own stderr; the scenarios run the real query. */
class PostgresRowCountsTest {

    @Test
    void readsCountsAmongOtherLines() {
        String stderr = "pg_dump: warning: something\nbackrest-sidecar-rows\tpublic.items\t3000\n"
                + "backrest-sidecar-rows\tshop.\"Orders\"\t2\nbackrest-sidecar-rows-end\t2\n";
        assertEquals(Optional.of(Map.of("public.items", 3000L, "shop.\"Orders\"", 2L)), PostgresRowCounts.parse(stderr));
    }

    @Test
    void readsContentSumsBesideTheCounts() {
        String out = "SET\nbackrest-sidecar-rows\tpublic.items\t3000\t170029370510687998\n"
                + "backrest-sidecar-rows\tpublic.empty\t0\t0\nbackrest-sidecar-rows-end\t2\n";
        assertEquals(Optional.of(Map.of("public.items", 3000L, "public.empty", 0L)), PostgresRowCounts.parse(out));
        assertEquals(Optional.of(Map.of("public.items", 170029370510687998L, "public.empty", 0L)),
                PostgresRowCounts.contentSums(out));
        // the lines of a backup made before sums were recorded: counts, no sums
        String before = "backrest-sidecar-rows\tpublic.items\t3000\nbackrest-sidecar-rows-end\t1\n";
        assertEquals(Optional.of(Map.of("public.items", 3000L)), PostgresRowCounts.parse(before));
        assertEquals(Optional.empty(), PostgresRowCounts.contentSums(before));
        assertEquals(Optional.empty(), PostgresRowCounts.contentSums(
                "backrest-sidecar-rows\tpublic.items\t3000\t17\n"), "no end line: a cut-off list");
    }

    /**
     * The end line names the formula the sums were made with (the facts keep it); lines of a backup made
     * before formulas were named give none, and their sums are md5's.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', nullValues = "none", value = {
            "ROW public.items 3 17 | END 1 record-60   | record-60   | RECORD",
            "ROW public.items 3 17 | END 1 hashtext-60 | hashtext-60 | HASHTEXT",
            "ROW public.items 3 17 | END 1 md5-60      | md5-60      | MD5",
            "ROW public.items 3 17 | END 1             | none        | MD5"})
    void theEndLineNamesTheSumsFormula(String row, String end, String named, PostgresRowCounts.Sum sum) {
        String out = "SET\n" + row.replace("ROW", "backrest-sidecar-rows").replace(' ', '\t') + "\n"
                + end.strip().replace("END", "backrest-sidecar-rows-end").replace(' ', '\t') + "\n";
        assertEquals(Optional.ofNullable(named), PostgresRowCounts.sumFormula(out));
        assertEquals(Optional.of(Map.of("public.items", 17L)), PostgresRowCounts.contentSums(out), "the sums read either way");
        assertEquals(sum, PostgresRowCounts.Sum.named(PostgresRowCounts.sumFormula(out).orElse(null)));
    }

    @Test
    void aFormulaThisVersionDoesNotKnowIsNotTakenForAnother() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> PostgresRowCounts.Sum.named("sha256-60"));
        assertEquals(true, e.getMessage().contains("'sha256-60'"), e.getMessage());
    }

    /** A drill reads the formula from the backup's facts: none is md5 (facts before formulas were named). */
    @Test
    void aDrillSumsAsTheFactsSay() throws Exception {
        assertEquals(PostgresRowCounts.Sum.MD5, PostgresDrill.sumOf(facts(null)));
        assertEquals(PostgresRowCounts.Sum.HASHTEXT, PostgresDrill.sumOf(facts("hashtext-60")));
        assertEquals(PostgresRowCounts.Sum.RECORD, PostgresDrill.sumOf(facts("record-60")));
        org.backrestsidecar.drill.DrillCouldNotRun e = org.junit.jupiter.api.Assertions.assertThrows(
                org.backrestsidecar.drill.DrillCouldNotRun.class, () -> PostgresDrill.sumOf(facts("sha256-60")));
        assertEquals(true, e.getMessage().contains("cannot be compared"), e.getMessage());
    }

    private static BackupFacts facts(String sumFormula) {
        return new BackupFacts("pg", "postgres", Map.of(), java.util.List.of(), Map.of(), java.util.List.of(), sumFormula);
    }

    /** A drill sums the restored rows as the backup did: its query names that formula alone. */
    @Test
    void aDrillsQueryUsesTheBackupsFormulaAndABackupsChoosesByTheServersVersion() {
        String md5 = PostgresRowCounts.query(PostgresRowCounts.Sum.MD5);
        assertEquals(java.util.List.of(true, false, true), java.util.List.of(md5.contains("md5(t::text)"),
                md5.contains("hashtextextended"), md5.contains("'md5-60'")), md5);
        String hashtext = PostgresRowCounts.loggedQuery(PostgresRowCounts.Sum.HASHTEXT);
        assertEquals(java.util.List.of(false, true, true), java.util.List.of(hashtext.contains("md5(t::text)"),
                hashtext.contains("hashtextextended"), hashtext.contains("c.relpersistence = 'p'")), hashtext);
        assertEquals(true, PostgresRowCounts.QUERY.contains("current_setting('server_version_num')::int >= 110000"),
                PostgresRowCounts.QUERY);
        assertEquals(true, PostgresRowCounts.QUERY.contains("current_setting('server_version_num')::int >= 140000"),
                PostgresRowCounts.QUERY);
        // a row's own hash where its table allows, its text's elsewhere (ContentSumsTest runs it on Postgres)
        String record = PostgresRowCounts.query(PostgresRowCounts.Sum.RECORD);
        assertEquals(java.util.List.of(true, true, true, false), java.util.List.of(record.contains("hash_record_extended(t, 0)"),
                record.contains("hashtextextended(t::text, 0)"), record.contains("'record-60'"), record.contains("md5(")), record);
    }

    @Test
    void aCutOffListIsNoList() {
        assertEquals(Optional.empty(), PostgresRowCounts.parse("backrest-sidecar-rows\tpublic.items\t3000\n"));
        assertEquals(Optional.empty(), PostgresRowCounts.parse(
                "backrest-sidecar-rows\tpublic.items\t3000\nbackrest-sidecar-rows-end\t2\n"));
        assertEquals(Optional.of(Map.of()), PostgresRowCounts.parse("backrest-sidecar-rows-end\t0\n"));
    }

    /**
     * The facts at a restore point: the tables held before the point is made, the point made before
     * anything reads (it takes the transaction's snapshot), the reading in the same transaction.
     */
    @Test
    void factsAtARestorePointHoldTheTablesBeforeThePointAndReadAfterIt() {
        String script = PostgresRowCounts.atRestorePoint(java.util.List.of("public.items", "shop.\"Orders\""),
                "bsc-1a2b3c4d-1-1", java.time.Duration.ofSeconds(2));
        int begin = script.indexOf("BEGIN ISOLATION LEVEL REPEATABLE READ;");
        int lock = script.indexOf("LOCK TABLE public.items, shop.\"Orders\" IN SHARE MODE;");
        int point = script.indexOf("pg_create_restore_point('bsc-1a2b3c4d-1-1')");
        int read = script.indexOf("backrest-sidecar-rows-end");
        int commit = script.indexOf("COMMIT;");
        assertEquals(java.util.List.of(true, true, true, true, true), java.util.List.of(begin == 0, begin < lock,
                lock < point, point < read, read < commit), script);
        assertEquals(true, script.contains("SET LOCAL lock_timeout = '2000ms';"), script);
        assertEquals(false, PostgresRowCounts.atRestorePoint(java.util.List.of(), "p", java.time.Duration.ofSeconds(1))
                .contains("LOCK TABLE"), "a database without tables holds none");
        // what the WAL carries only: an unlogged table is left out of the names held and of the sums
        assertEquals(true, PostgresRowCounts.TABLE_NAMES.contains("c.relpersistence = 'p'"), PostgresRowCounts.TABLE_NAMES);
        assertEquals(true, script.contains(PostgresRowCounts.LOGGED_QUERY), script);
        // another session's temporary table is never read (no session may), in a dump's facts either
        assertEquals(true, PostgresRowCounts.QUERY.contains("c.relpersistence <> 't'"), PostgresRowCounts.QUERY);
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"", "a'b", "a b", "x');DROP TABLE t;--",
            "0123456789012345678901234567890123456789012345678901234567890123"})
    void aNameThatIsNotAPlainWordIsNoRestorePoint(String name) {
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> PostgresRowCounts.atRestorePoint(java.util.List.of(), name, java.time.Duration.ofSeconds(1)));
    }

    @Test
    void readsWhereThePointIs() {
        String out = "BEGIN\nSET\nbackrest-sidecar-point\t0/3000158\nbackrest-sidecar-rows\tpublic.items\t3\t9\n"
                + "backrest-sidecar-rows-end\t1\nCOMMIT\n";
        assertEquals(Optional.of("0/3000158"), PostgresRowCounts.restorePoint(out));
        assertEquals(Optional.empty(), PostgresRowCounts.restorePoint("ERROR:  canceling statement due to lock timeout\n"));
    }

    /** Facts a version before restore points wrote are read with none, not refused. */
    @Test
    void factsRecordedBeforeRestorePointsReadWithNone() throws Exception {
        BackupFacts old = new com.fasterxml.jackson.databind.ObjectMapper().readValue("{\"target\":\"pg\","
                + "\"strategy\":\"postgres\",\"counts\":{\"shop\":{\"public.items\":3}},\"snapshots\":[],"
                + "\"contentSums\":{}}", BackupFacts.class);
        assertEquals(java.util.List.of(), old.restorePoints());
        assertEquals(Map.of("public.items", 3L), old.counts().get("shop"));
    }
}
