package org.backrestsidecar.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

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

    @Test
    void aCutOffListIsNoList() {
        assertEquals(Optional.empty(), PostgresRowCounts.parse("backrest-sidecar-rows\tpublic.items\t3000\n"));
        assertEquals(Optional.empty(), PostgresRowCounts.parse(
                "backrest-sidecar-rows\tpublic.items\t3000\nbackrest-sidecar-rows-end\t2\n"));
        assertEquals(Optional.of(Map.of()), PostgresRowCounts.parse("backrest-sidecar-rows-end\t0\n"));
    }
}
