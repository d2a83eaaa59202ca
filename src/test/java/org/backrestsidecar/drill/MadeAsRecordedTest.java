package org.backrestsidecar.drill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.backrestsidecar.restic.Snapshot;
import org.backrestsidecar.restic.StoredSnapshot;
import org.backrestsidecar.restore.BackupSet;
import org.backrestsidecar.strategy.BackupFacts;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** A drill proves the backup its run made, not one put in its place under the same tags. */
class MadeAsRecordedTest {
    private static final Instant AT = Instant.parse("2026-11-25T02:00:00Z");
    private static final List<String> TAGS = List.of("plan:critical", "target:pg", "run:r1");

    private static Snapshot here(String id, String path) {
        return Snapshot.madeHere(id, id.substring(0, 8), AT, "host", List.of(path), TAGS);
    }

    private static Snapshot copied(String id, String original, String path) {
        return new Snapshot(id, id.substring(0, 8), AT, "host", List.of(path), TAGS, original);
    }

    private static Optional<BackupFacts> recorded(String... ids) {
        return Optional.of(new BackupFacts("pg", "postgres", Map.of(), Stream.of(ids)
                .map(id -> new StoredSnapshot(id, "/pg/app.dump", 10, 100, 1)).toList(), Map.of(), List.of(), null));
    }

    static Stream<Arguments> backups() {
        Snapshot facts = here("ffff0000aaaa", "/pg/backup-facts.json");
        return Stream.of(
                // what the run made, its facts file aside: passes and says how many
                Arguments.of("as made", List.of(here("8448e2d4aaaa", "/pg/app.dump"), facts),
                        recorded("8448e2d4aaaa"), "1 snapshot is the one its run recorded"),
                // a short id recorded, the full id listed
                Arguments.of("short id recorded", List.of(here("8448e2d4aaaa", "/pg/app.dump"),
                        here("1234abcd0000", "/pg/globals.sql"), facts), recorded("8448e2d4", "1234abcd"),
                        "2 snapshots are the ones its run recorded"),
                // an offsite copy's snapshot: a new id, the first kept as original
                Arguments.of("from a copy", List.of(copied("c0c0c0c0aaaa", "8448e2d4aaaa", "/pg/app.dump"), facts),
                        recorded("8448e2d4aaaa"), "1 snapshot is the one its run recorded"),
                // one changed and stored again under the same tags: another id
                Arguments.of("replaced", List.of(here("9f3d33f4aaaa", "/pg/app.dump"), facts),
                        recorded("8448e2d4aaaa"), null),
                // a copy of a replaced one: its original is not the recorded one either
                Arguments.of("a copy of a replaced one", List.of(copied("c0c0c0c0aaaa", "9f3d33f4aaaa", "/pg/app.dump"),
                        facts), recorded("8448e2d4aaaa"), null),
                // one more snapshot than the run made
                Arguments.of("one added", List.of(here("8448e2d4aaaa", "/pg/app.dump"),
                        here("abababab0000", "/pg/extra.sql"), facts), recorded("8448e2d4aaaa"), null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backups")
    void aBackupIsTheOneItsRunRecorded(String name, List<Snapshot> members, Optional<BackupFacts> facts,
                                       String passes) throws Exception {
        BackupSet backup = new BackupSet("pg", "run:r1", AT, members);
        if (passes != null) {
            assertEquals(Optional.of(passes), MadeAsRecorded.check(backup, facts));
        } else {
            DrillFailed failed = assertThrows(DrillFailed.class, () -> MadeAsRecorded.check(backup, facts));
            assertTrue(failed.getMessage().contains("is not one its run recorded (8448e2d4)"), failed.getMessage());
        }
    }

    @org.junit.jupiter.api.Test
    void aBackupFromBeforeFactsWereKeptIsNotJudged() throws Exception {
        BackupSet backup = new BackupSet("pg", "run:r0", AT, List.of(here("9f3d33f4aaaa", "/pg/app.dump")));
        assertEquals(Optional.empty(), MadeAsRecorded.check(backup, Optional.empty()));
    }

    @ParameterizedTest(name = "drilled {0}, facts {1}, history names {2}: {3}")
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', nullValues = "-", value = {
            // the newest run the sidecar made is the one drilled, with its facts
            "run:r2 | true  | r2 | -",
            // no run remembered (a new state volume, a drill from a copy): nothing to hold it against
            "run:r1 | true  | -  | -",
            "run:r1 | false | -  | -",
            // the newest run's snapshots or facts are gone: the newest whole one is an older run
            "run:r1 | true  | r2 | the newest backup of pg (run:r2, ended 2026-11-25T02:10:00Z) is not whole in the repo",
            // every facts file gone: the newest run is drilled, but with nothing to compare
            "run:r2 | false | r2 | the facts run:r2 stored with its backup of pg (ended 2026-11-25T02:10:00Z) are gone",
    })
    void theNewestRunTheSidecarMadeIsInTheRepoWithItsFacts(String drilled, boolean hasFacts, String newest,
                                                           String fails) throws Exception {
        BackupSet backup = new BackupSet("pg", drilled, AT, List.of(here("8448e2d4aaaa", "/pg/app.dump")));
        if (fails == null) {
            MadeAsRecorded.newestRunIsWhole(backup, hasFacts, Optional.ofNullable(newest), "2026-11-25T02:10:00Z");
        } else {
            DrillFailed failed = assertThrows(DrillFailed.class, () -> MadeAsRecorded.newestRunIsWhole(backup, hasFacts,
                    Optional.ofNullable(newest), "2026-11-25T02:10:00Z"));
            assertTrue(failed.getMessage().startsWith(fails), failed.getMessage());
        }
    }

    @org.junit.jupiter.api.Test
    void aTargetWithNoBackupLeftIsNamedWithTheRunThatIsGone() {
        assertEquals("the newest backup of vol (run:r2, ended 2026-11-25T02:10:00Z) is not in the repo, nor any other "
                + "of it: its snapshots are gone. A backup that was made and recorded must not vanish unseen: see who "
                + "forgot it, or the repo's check", MadeAsRecorded.noneLeft("vol", "r2", "2026-11-25T02:10:00Z").getMessage());
    }
}
