package org.backrestsidecar.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.backrestsidecar.discovery.Target;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The wal-mode labels of a Postgres target, as users write them on their compose file. */
class WalModeTest {

    @ParameterizedTest(name = "{0} ''{1}'' on a {2} target: wal mode {3}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            "postgres.mode | wal    | postgres | true",
            "postgres.mode | ' wal '| postgres | true",
            "postgres.mode | dump   | postgres | false",
            "-             | -      | postgres | false",
            // the label means nothing on another kind: a Redis is never streamed
            "postgres.mode | wal    | redis    | false",
            "postgres.mode | WAL    | postgres | false",
    })
    void walModeIsTheLabelOnAPostgresTarget(String key, String value, String strategy, boolean wal) {
        Map<String, String> options = new HashMap<>();
        if (key != null) {
            options.put(key, value);
        }
        assertEquals(wal, target(strategy, options).walMode());
    }

    @ParameterizedTest(name = "{0}=''{1}'' is refused naming ''{2}''")
    @CsvSource(delimiter = '|', value = {
            "postgres.mode              | WAL     | write dump (a logical dump each run) or wal",
            "postgres.mode              | stream  | postgres.mode='stream'",
            "postgres.wal.max-retained  | 2 GB    | a size such as 2GB or 512MB",
            "postgres.wal.max-retained  | 2gb     | postgres.wal.max-retained='2gb'",
            "postgres.wal.max-retained  | 1.5GB   | a size such as 2GB or 512MB",
            "postgres.checkpoint        | slow    | write spread or fast",
            "postgres.base.max-rate     | 32MB    | a rate such as 32M (MB/s) or 512k (kB/s)",
            "postgres.base.max-rate     | 31k     | from 32k to 1024M",
            "postgres.base.max-rate     | 1025M   | from 32k to 1024M",
            "postgres.base.max-rate     | 32m     | postgres.base.max-rate='32m'",
            "postgres.base.max-rate     | -5      | from 32k to 1024M",
            "postgres.base.full-every   | 0       | a count of base backups from 1 (every one full) to 999",
            "postgres.base.full-every   | 1000    | postgres.base.full-every='1000'",
            "postgres.base.full-every   | weekly  | such as 7 (a full one, then 6 incremental ones",
            "postgres.base.full-every   | 07      | postgres.base.full-every='07'",
    })
    void aWrongValueIsRefusedWithWhatToWrite(String key, String value, String named) {
        List<String> problems = WalMode.check(Map.of(key, value));
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains(named), problems.get(0));
    }

    @Test
    void rightValuesAndNoLabelsAreNoProblem() {
        assertEquals(List.of(), WalMode.check(Map.of()));
        assertEquals(List.of(), WalMode.check(Map.of("postgres.mode", "wal", "postgres.wal.max-retained", "512MB",
                "postgres.checkpoint", "fast")));
        assertEquals(List.of(), WalMode.check(Map.of("postgres.mode", " dump ", "postgres.wal.max-retained", "1TB",
                "postgres.checkpoint", "spread")));
    }

    @ParameterizedTest(name = "full-every ''{0}'' is {1}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            "-     | 7", // a full base backup a week with the default daily schedule
            "1     | 1",
            "' 3 ' | 3",
            "999   | 999",
    })
    void aChainHoldsAtMostFullEveryBases(String every, int bases) {
        assertEquals(bases, WalMode.fullEvery(target("postgres", every == null ? Map.of()
                : Map.of("postgres.base.full-every", every))));
    }

    @ParameterizedTest(name = "max-rate ''{0}'' is pg_basebackup''s {1}")
    @CsvSource({
            "32M, --max-rate=32768k",
            "512k, --max-rate=512k",
            "' 100 ', --max-rate=100k",
            "32k, --max-rate=32k",
            "1024M, --max-rate=1048576k",
    })
    void aRateIsGivenToPgBasebackupInKilobytes(String rate, String option) {
        assertEquals(java.util.Optional.of(option), WalMode.maxRate(target("postgres", Map.of("postgres.base.max-rate", rate))));
        assertEquals(java.util.Optional.empty(), WalMode.maxRate(target("postgres", Map.of())), "unset: no pace");
    }

    @Test
    void everyWrongLabelIsNamedNotOnlyTheFirst() {
        assertEquals(3, WalMode.check(Map.of("postgres.mode", "x", "postgres.wal.max-retained", "y",
                "postgres.checkpoint", "z")).size());
    }

    @Test
    void unsetBoundAndCheckpointTakeTheirDefaults() {
        Target plain = target("postgres", Map.of("postgres.mode", "wal"));
        assertEquals("2GB", WalMode.maxRetained(plain));
        assertEquals("spread", WalMode.checkpoint(plain));
        Target set = target("postgres", Map.of("postgres.wal.max-retained", "512MB", "postgres.checkpoint", "fast"));
        assertEquals("512MB", WalMode.maxRetained(set));
        assertEquals("fast", WalMode.checkpoint(set));
    }

    @ParameterizedTest(name = "target ''{0}'' streams into slot {1}")
    @CsvSource({
            "postgres, backrest_sidecar_postgres",
            "App-DB, backrest_sidecar_app_db",
            // a slot name is [a-z0-9_] only: anything else in a target's name becomes '_'
            "db.main-2, backrest_sidecar_db_main_2",
    })
    void eachTargetHasItsOwnSlotNamedAsPostgresAllows(String name, String slot) {
        Target target = new Target(name, "id", name, "critical", "postgres", "running", Duration.ofMinutes(5),
                Duration.ofMinutes(1), Map.of(), List.of(), Optional.empty());
        assertEquals(slot, WalMode.slot(target));
    }

    private static Target target(String strategy, Map<String, String> options) {
        return new Target("db", "id", "db", "critical", strategy, "running", Duration.ofMinutes(5),
                Duration.ofMinutes(1), options, List.of(), Optional.empty());
    }
}
