package org.backrestsidecar.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import org.backrestsidecar.testing.PostgresContainer;
import org.backrestsidecar.testing.SidecarApi;
import org.backrestsidecar.testing.SidecarStack;
import org.backrestsidecar.testing.TestDocker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A base backup that lasts longer than the server's checkpoints under writes keeps the WAL it needs
 * (issue 38). pg_basebackup -X fetch reads that WAL only at its end, while the stream's slot lets a
 * segment go once pg_receivewal has it: the bench's paced base backup of 2 GB under pgbench failed
 * with "requested WAL segment … has already been removed". Here the base backup is paced
 * (4 MB/s: label backup.postgres.base.max-rate) and, while it runs, WAL is written and checkpointed with
 * max_wal_size at its floor, so any segment no slot holds is recycled.
 */
@QuarkusTest
@QuarkusTestResource(SidecarStack.class)
class SlowBaseBackupKeepsItsWalTest {
    private static final String TARGET = "pg-paced";
    private static PostgresContainer pg;

    @BeforeAll
    static void server() {
        pg = PostgresContainer.startWalTarget(TARGET, "pitr", "32MB", "backup.postgres.base.max-rate", "4M");
        pg.sql("postgres", "CREATE TABLE churn (id int, body text)");
    }

    @AfterAll
    static void removed() {
        pg.removeWithStream();
    }

    @Test
    void aBaseBackupLongerThanTheCheckpointsUnderWritesIsStoredWithItsWal() {
        String id = SidecarApi.startRun("pitr");
        TestDocker.await("the base backup to run", Duration.ofMinutes(2), () -> basebackups().equals("1"));
        int rounds = 0;
        // each round moves the server two segments on (as much WAL as max_wal_size) and checkpoints: a
        // segment no slot holds is gone by the second round. Few: -X fetch puts each segment in the tar
        while (rounds < 3 && basebackups().equals("1")) {
            pg.sql("postgres", "INSERT INTO churn VALUES (1, 'a'); SELECT pg_switch_wal(); INSERT INTO churn VALUES "
                    + "(2, 'b'); SELECT pg_switch_wal()");
            pg.sql("postgres", "CHECKPOINT");
            rounds++;
        }
        assertTrue(rounds >= 2, "WAL written and checkpointed while the base backup ran: " + rounds + " rounds");
        JsonPath run = SidecarApi.awaitRun(id, Duration.ofMinutes(5));
        // without the base backup's own slot: "pg_basebackup: error: backup failed: ERROR: requested WAL
        // segment … has already been removed" (seen with this test, the slot left out)
        assertEquals("SUCCEEDED", run.getString("state"), run.prettify());
        assertEquals("backrest_sidecar_pg_paced", pg.sql("postgres", "SELECT string_agg(slot_name, ',') FROM "
                + "pg_replication_slots"), "the base backup's own slot is dropped after it; the stream's stays");
    }

    private static String basebackups() {
        return pg.sql("postgres", "SELECT count(*) FROM pg_stat_progress_basebackup");
    }
}
