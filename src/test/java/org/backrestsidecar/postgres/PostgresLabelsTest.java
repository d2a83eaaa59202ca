package org.backrestsidecar.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The postgres labels a user writes, and the error that names what is wrong. */
class PostgresLabelsTest {
    private final PostgresStrategy postgres = new PostgresStrategy(null, null);

    @Test
    void compressionIsResticOrPgDump() {
        assertEquals(List.of(), postgres.check(Map.of("postgres.compression", "restic")));
        assertEquals(List.of(), postgres.check(Map.of("postgres.compression", "pg_dump")));
        List<String> problems = postgres.check(Map.of("postgres.compression", "zstd"));
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("postgres.compression='zstd'") && problems.get(0).contains("restic"),
                problems.get(0));
    }
}
