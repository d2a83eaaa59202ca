package org.backrestsidecar.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import org.backrestsidecar.config.Retention;
import org.backrestsidecar.drill.DrillResult;
import org.junit.jupiter.api.Test;

class StatusTableTest {
    private static final Instant NOW = Instant.parse("2026-11-21T20:00:00Z");

    @Test
    void aPersonSeesEachPlanOnOneLineAndWhyALatePlanIsLate() {
        DrillResult passed = drill("critical", "pg", true, "2026-11-16T05:00:00Z");
        DrillResult failed = drill("critical", "redis", false, "2026-11-16T05:01:00Z");
        String table = StatusTable.render(List.of(
                plan("critical", Instant.parse("2026-11-21T02:00:00Z"), "2026-11-22T02:00:00Z", "fresh",
                        1_288_490_189L, List.of(passed, failed), null),
                plan("models", null, "2026-11-22T03:00:00Z", "no good backup since the sidecar started 300h ago",
                        null, List.of(), null),
                plan("system", Instant.parse("2026-11-21T19:30:00Z"), "2026-11-22T01:00:00Z", "fresh", 2048L,
                        List.of(drill("system", "files", true, "2026-11-20T05:00:00Z")), "run-1")),
                NOW, ZoneId.of("UTC"));
        assertEquals("""
                PLAN      SCHEDULE                    LAST GOOD BACKUP               NEXT RUN          STATE    LAST DRILL                       REPO SIZE
                critical  daily at 02:00 (0 2 * * *)  2026-11-21 02:00 (18 h ago)    2026-11-22 02:00  fresh    1 of 2 FAILED, 2026-11-16 05:01  1.2 GiB
                models    daily at 02:00 (0 2 * * *)  never                          2026-11-22 03:00  LATE     never                            -
                system    daily at 02:00 (0 2 * * *)  2026-11-21 19:30 (30 min ago)  2026-11-22 01:00  running  passed 1/1, 2026-11-20 05:00     2.0 KiB

                models: no good backup since the sidecar started 300h ago

                Times are in UTC.
                """, table);
    }

    @Test
    void aWalTargetShowsTheMomentsItCanBeRestoredToAndItsStream() {
        var up = new org.backrestsidecar.postgres.wal.WalStatus("pg", "critical", true, "run-9", Instant.parse("2026-11-21T19:59:30Z"),
                4096, "reserved", 0, 1, null, null, NOW, 170012);
        var broken = new org.backrestsidecar.postgres.wal.WalStatus("pg2", "critical", false, "run-8", Instant.parse("2026-11-21T18:00:00Z"),
                4096, "reserved", -1, 1, Instant.parse("2026-11-21T18:30:00Z"), "role app may not stream WAL", NOW, 150018);
        String table = StatusTable.render(List.of(), List.of(
                new WindowResource.WindowView("pg", Instant.parse("2026-11-14T02:00:00Z"), Instant.parse("2026-11-21T19:59:30Z"),
                        List.of(), List.of(new org.backrestsidecar.postgres.pitr.RecoveryWindow.Gap(
                                Instant.parse("2026-11-20T10:02:11.600Z"), Instant.parse("2026-11-20T10:05:40Z"))), up,
                        WindowResource.baseBackups(170012, 7), List.of("base backup run-9 of pg is incremental and cannot be "
                        + "restored: base backup run-8, which it builds on, is not in the repo whole (removed, or its run cut off)")),
                new WindowResource.WindowView("pg2", Instant.parse("2026-11-20T02:00:00Z"), Instant.parse("2026-11-21T18:00:00Z"),
                        List.of(), List.of(), broken, WindowResource.baseBackups(150018, 7), List.of()),
                WindowResource.WindowView.unread("pg3")), NOW, ZoneId.of("Europe/Berlin"));
        assertEquals("""
                PLAN  SCHEDULE  LAST GOOD BACKUP  NEXT RUN  STATE  LAST DRILL  REPO SIZE

                pg: any moment from 2026-11-14 03:00 to 2026-11-21 20:59, except between 2026-11-20 11:02:11 and 2026-11-20 11:05:40 (stream up, WAL shipped 0 min ago); base backups incremental, a full one every 7 base backups; base backup run-9 of pg is incremental and cannot be restored: base backup run-8, which it builds on, is not in the repo whole (removed, or its run cut off)
                pg2: any moment from 2026-11-20 03:00 to 2026-11-21 19:00 (stream BROKEN: role app may not stream WAL); base backups full (Postgres 15 takes no incremental ones: 17 and later do)
                pg3: no base backup yet: nothing to restore (stream not seen yet)

                Times are in Europe/Berlin.
                """, table);
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
            "170012 | 7 | incremental, a full one every 7 base backups",
            "180001 | 3 | incremental, a full one every 3 base backups",
            "170012 | 1 | full (label backup.postgres.base.full-every=1)",
            "160004 | 7 | full (Postgres 16 takes no incremental ones: 17 and later do)",
            "0      | 7 | full or incremental by the server's version, not seen yet",
    })
    void howBaseBackupsAreTakenIsSaidByTheServersVersion(int version, int fullEvery, String says) {
        assertEquals(says, WindowResource.baseBackups(version, fullEvery));
    }

    @Test
    void agesReadLikeAPersonWouldSayThem() {
        assertEquals("3 days ago", StatusTable.age(Instant.parse("2026-11-18T08:00:00Z"), NOW));
        assertEquals("47 h ago", StatusTable.age(Instant.parse("2026-11-19T21:00:00Z"), NOW));
    }

    private static PlansResource.PlanView plan(String id, Instant lastSuccess, String next, String freshness,
                                               Long repoBytes, List<DrillResult> drills, String running) {
        return new PlansResource.PlanView(id, id, "0 2 * * *", "daily at 02:00", "UTC", Instant.parse(next), Retention.DEFAULT, List.of(),
                null, lastSuccess, running, null, null, null, null, "ready", List.of(), freshness, repoBytes, drills,
                java.time.Duration.ofHours(2), null);
    }

    private static DrillResult drill(String plan, String target, boolean passed, String at) {
        return new DrillResult(plan, target, "postgres", "run-0", Instant.parse(at), Instant.parse(at), passed,
                passed ? DrillResult.PASSED : DrillResult.FAILED, 1.0, List.of(), passed ? null : "counts differ",
                Instant.parse(at), List.of());
    }
}
