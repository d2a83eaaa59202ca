package org.backrestsidecar.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.backrestsidecar.testing.PostgresContainer;
import org.backrestsidecar.testing.TestDocker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The content sums a dump records and a drill compares, on a real Postgres 15: a table whose every
 * column is of an exact type is summed by the row's own hash ({@code record-60}), any other by its
 * text's, and a copy made by pg_dump and pg_restore (what a drill restores) sums the same, table for
 * table. A change a drill must find is found: a row's text, and text that is equal by value only
 * (1.0 against 1.00, 'Alice' against 'alice' under a case-blind collation), which a row's own hash
 * would not tell apart and the text's does.
 */
class ContentSumsTest {
    private static final String MASK = "1152921504606846975";
    private static PostgresContainer pg;

    @BeforeAll
    static void aDatabaseOfEveryKindOfTable() {
        pg = PostgresContainer.start(TestDocker.PREFIX + "content-sums", Map.of());
        pg.sql("postgres", "CREATE DATABASE app");
        pg.sql("app", "CREATE COLLATION caseless (provider = icu, locale = 'und-u-ks-level2', deterministic = false)");
        pg.sql("app", """
                CREATE TABLE plain (id bigint PRIMARY KEY, body text, at timestamptz, ok boolean, u uuid, b bytea, d date,
                    v varchar(20), small smallint);
                INSERT INTO plain SELECT g, md5(g::text), '2026-11-30 12:00+00'::timestamptz + g * interval '1 s', g % 2 = 0,
                    md5(g::text)::uuid, decode(md5(g::text), 'hex'), date '2026-01-01' + g, 'v' || g, g % 100
                    FROM generate_series(1, 5000) g;
                INSERT INTO plain (id) VALUES (0);
                CREATE TABLE money (id int PRIMARY KEY, amount numeric, pad char(4));
                INSERT INTO money SELECT g, 1.0 * g, 'x' FROM generate_series(1, 100) g;
                CREATE TABLE docs (id int, doc json, tags text[]);
                INSERT INTO docs SELECT g, json_build_object('n', g), ARRAY['a', g::text] FROM generate_series(1, 100) g;
                CREATE TABLE people (id int, name text COLLATE caseless);
                INSERT INTO people VALUES (1, 'Alice'), (2, 'Bob');
                CREATE TABLE columns_named_t (id int, t int);
                INSERT INTO columns_named_t SELECT g, g FROM generate_series(1, 10) g;
                """);
    }

    @AfterAll
    static void removed() {
        if (pg != null) {
            pg.remove();
        }
    }

    @Test
    void aCopyByPgDumpSumsTheSameAndEachTableByTheRightHash() throws Exception {
        String said = facts("app", PostgresRowCounts.QUERY);
        assertEquals(Optional.of("record-60"), PostgresRowCounts.sumFormula(said), said);
        Map<String, Long> sums = PostgresRowCounts.contentSums(said).orElseThrow();
        assertEquals(5, sums.size(), said);

        // the row's own hash for the table of exact types only; every other by its text
        assertEquals(sums.get("public.plain"), explicit("app", "plain", "hash_record_extended(t, 0)"));
        for (String table : new String[] {"money", "docs", "people", "columns_named_t"}) {
            assertEquals(sums.get("public." + table), explicit("app", table, "hashtextextended(t::text, 0)"), table);
        }

        // what a drill does: the dump restored elsewhere, summed by the formula the backup named
        TestDocker.exec(pg.id(), "sh", "-c", "createdb -U postgres copy && pg_dump -U postgres -Fc app | pg_restore -U postgres "
                + "--exit-on-error -d copy").out();
        String copy = facts("copy", PostgresRowCounts.query(PostgresRowCounts.Sum.named("record-60")));
        assertEquals(sums, PostgresRowCounts.contentSums(copy).orElseThrow());
    }

    @Test
    void aChangeADrillMustFindChangesTheSum() throws Exception {
        pg.sql("postgres", "CREATE DATABASE changed TEMPLATE app");
        Map<String, Long> before = PostgresRowCounts.contentSums(facts("changed", PostgresRowCounts.QUERY)).orElseThrow();
        pg.sql("changed", "UPDATE plain SET body = body || 'x' WHERE id = 7");
        pg.sql("changed", "UPDATE money SET amount = 1.00 WHERE id = 1"); // equal to 1.0, other text
        pg.sql("changed", "UPDATE people SET name = 'alice' WHERE id = 1"); // equal under the caseless collation
        pg.sql("changed", "UPDATE docs SET doc = '{\"n\":1}' WHERE id = 1"); // json keeps its text: '{"n" : 1}' before
        Map<String, Long> after = PostgresRowCounts.contentSums(facts("changed", PostgresRowCounts.QUERY)).orElseThrow();
        for (String table : new String[] {"plain", "money", "people", "docs"}) {
            assertNotEquals(before.get("public." + table), after.get("public." + table), table);
        }
        assertEquals(before.get("public.columns_named_t"), after.get("public.columns_named_t"));
    }

    /** The counts and sums as a backup reads them: the whole script through psql. */
    private static String facts(String database, String script) throws Exception {
        Path file = Files.createTempFile("bsc-sums", ".sql");
        Files.writeString(file, script);
        TestDocker.copyInto(pg.id(), file, "/tmp");
        TestDocker.Result r = TestDocker.exec(pg.id(), "psql", "-X", "-U", "postgres", "-d", database, "-At", "-v",
                "ON_ERROR_STOP=1", "-f", "/tmp/" + file.getFileName());
        return r.out(); // fails the test with psql's error when it exited otherwise
    }

    private static long explicit(String database, String table, String hash) {
        return Long.parseLong(pg.sql(database, "SET TimeZone TO 'UTC'; SET DateStyle TO 'ISO, YMD'; SET extra_float_digits TO 1; "
                + "SET bytea_output TO 'hex'; SELECT coalesce(sum(" + hash + " & " + MASK + ") % 4611686018427387904, 0) FROM "
                + table + " t").lines().reduce((a, b) -> b).orElseThrow());
    }
}
