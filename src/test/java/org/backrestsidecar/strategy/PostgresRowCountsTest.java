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
    void aCutOffListIsNoList() {
        assertEquals(Optional.empty(), PostgresRowCounts.parse("backrest-sidecar-rows\tpublic.items\t3000\n"));
        assertEquals(Optional.empty(), PostgresRowCounts.parse(
                "backrest-sidecar-rows\tpublic.items\t3000\nbackrest-sidecar-rows-end\t2\n"));
        assertEquals(Optional.of(Map.of()), PostgresRowCounts.parse("backrest-sidecar-rows-end\t0\n"));
    }
}
