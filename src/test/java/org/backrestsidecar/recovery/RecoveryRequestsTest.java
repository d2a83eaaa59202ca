package org.backrestsidecar.recovery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.backrestsidecar.discovery.Target;
import org.backrestsidecar.restic.Snapshot;
import org.backrestsidecar.restore.BackupSet;
import org.backrestsidecar.restore.RestoreRequest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What a recovery asks to restore for each target, from its newest backup: the whole target, a
 * wal-mode server to its newest WAL, or a dumped server's roles first and then each database.
 */
class RecoveryRequestsTest {

    @ParameterizedTest(name = "{0} ({1}) with {2}: {3}")
    @CsvSource(delimiter = '|', value = {
            // strategy | mode | the run's paths                                         | the requests, in order
            "postgres  | dump | globals.sql,app.dump,auth.dump,backup-facts.json          | roles;database app;database auth",
            "postgres  |      | app.dump,backup-facts.json                                | database app",
            "postgres  | wal  | base.tar,backup-facts.json                                | server to latest",
            "redis     |      | dump.rdb,backup-facts.json                                | whole",
            "volume    |      | data,backup-facts.json                                    | whole",
    })
    void eachKindIsRestoredAsAWholeServerOrPartByPart(String strategy, String mode, String paths, String expected) {
        Map<String, String> options = mode == null ? Map.of() : Map.of("postgres.mode", mode);
        Target target = new Target("db", "id", "db-1", "critical", strategy, "running", Duration.ofHours(1),
                Duration.ofMinutes(5), options, List.of(), Optional.empty());
        List<Snapshot> snapshots = Arrays.stream(paths.split(",")).map(p -> new Snapshot("id-" + p, "id-" + p,
                Instant.EPOCH, "host", List.of("/db/" + p), List.of("run:r1"), null)).toList();
        BackupSet backup = new BackupSet("db", "run:r1", Instant.EPOCH, snapshots);

        List<String> asked = Recovery.requestsFor(target, backup).stream().map(RecoveryRequestsTest::said).toList();

        assertEquals(List.of(expected.split(";")), asked);
        Recovery.requestsFor(target, backup).forEach(r -> assertEquals("db", r.confirm(), "each request is confirmed "
                + "by the target's name, as a user would: " + r));
    }

    private static String said(RestoreRequest r) {
        if ("latest".equals(r.to())) {
            return "server to latest";
        }
        if (Boolean.TRUE.equals(r.globals())) {
            return "roles";
        }
        return r.database() != null ? "database " + r.database() : "whole";
    }
}
