package org.backrestsidecar.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;

class TargetsTableTest {
    @Test
    void eachTargetOnOneLineAndWhatIsWrongBelow() {
        Instant at = Instant.parse("2026-11-21T02:00:00Z");
        String table = TargetsTable.render(List.of(
                new TargetsResource.TargetView("app-db", "stack-postgres-1", "c1", "critical", "postgres", "running",
                        List.of(), "SUCCEEDED", at, null, false),
                new TargetsResource.TargetView("cache", "stack-redis-1", "c2", "critical", "redis", "running",
                        List.of(), "FAILED", at.plusSeconds(60), "redis-cli BGSAVE failed", false),
                new TargetsResource.TargetView("webui", "stack-open-webui-1", "c3", null, null, "invalid",
                        List.of("backup.plan 'nightly' is not a plan (plans: critical, models, system)"), null, null,
                        null, false)), ZoneId.of("UTC"));
        assertEquals("""
                TARGET  CONTAINER           PLAN      STRATEGY  STATE    LAST BACKUP
                app-db  stack-postgres-1    critical  postgres  running  ok, 2026-11-21 02:00
                cache   stack-redis-1       critical  redis     running  FAILED, 2026-11-21 02:01
                webui   stack-open-webui-1  -         -         invalid  -

                cache: last backup failed: redis-cli BGSAVE failed
                webui: backup.plan 'nightly' is not a plan (plans: critical, models, system)

                Times are in UTC.
                """, table);
    }

    @Test
    void inASwarmEachRowNamesItsNodeAndANodeDownIsSaid() {
        Instant at = Instant.parse("2026-11-21T02:00:00Z");
        String table = TargetsTable.renderPerNode(List.of(
                new TargetsTable.OnNode("node1", true, null, List.of(new TargetsResource.TargetView("postgres",
                        "bsc_postgres.1.x", "c1", "critical", "postgres", "running", List.of(), "SUCCEEDED", at, null,
                        false))),
                new TargetsTable.OnNode("node2", false, "not answering since 2026-11-21T02:03:00Z", List.of(
                        new TargetsResource.TargetView("redis", "bsc_redis.1.y", "c2", "system", "redis", "running",
                                List.of(), "FAILED", at, "redis-cli BGSAVE failed", false))),
                new TargetsTable.OnNode("repos", true, null, List.of())), ZoneId.of("UTC"));
        assertEquals("""
                NODE          TARGET    CONTAINER         PLAN      STRATEGY  STATE    LAST BACKUP
                node1         postgres  bsc_postgres.1.x  critical  postgres  running  ok, 2026-11-21 02:00
                node2 (DOWN)  redis     bsc_redis.1.y     system    redis     running  FAILED, 2026-11-21 02:00

                redis on node2: last backup failed: redis-cli BGSAVE failed
                node node2 is DOWN, its targets as it last said them: not answering since 2026-11-21T02:03:00Z

                Times are in UTC.
                """, table);
    }
}
