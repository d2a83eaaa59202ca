package org.backrestsidecar.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.List;
import org.backrestsidecar.restic.Snapshot;
import org.junit.jupiter.api.Test;

/** Which run "latest" means: the newest one that stored every part of the target (its facts file last). */
class BackupSetsTest {
    private static Snapshot snap(String id, String time, String run, String path) {
        return Snapshot.madeHere(id, id, Instant.parse(time), "host", List.of(path),
                List.of("plan:critical", "target:pg", "run:" + run));
    }

    @Test
    void aNewerRunThatFailedHalfwayIsPassedOver() {
        List<Snapshot> all = List.of(
                snap("a1", "2026-11-20T02:00:00Z", "a", "/pg/app.dump"),
                snap("a2", "2026-11-20T02:00:05Z", "a", "/pg/backup-facts.json"),
                // the next night: app dumped, then the run failed before the facts
                snap("b1", "2026-11-21T02:00:00Z", "b", "/pg/app.dump"));
        assertEquals("a2", BackupSets.newest(all, "pg", "critical").orElseThrow().id());
    }

    @Test
    void theNewestCompleteRunWins() {
        List<Snapshot> all = List.of(
                snap("a2", "2026-11-20T02:00:05Z", "a", "/pg/backup-facts.json"),
                snap("b1", "2026-11-21T02:00:00Z", "b", "/pg/app.dump"),
                snap("b2", "2026-11-21T02:00:05Z", "b", "/pg/backup-facts.json"));
        assertEquals("b2", BackupSets.newest(all, "pg", "critical").orElseThrow().id());
    }

    @Test
    void withoutFactsAnywhereTheNewestRunIsTaken() {
        List<Snapshot> all = List.of(
                snap("a1", "2026-11-20T02:00:00Z", "a", "/stack/config"),
                snap("b1", "2026-11-21T02:00:00Z", "b", "/stack/config"));
        assertEquals("b1", BackupSets.newest(all, "pg", "critical").orElseThrow().id());
        assertEquals(List.of(), BackupSets.newest(all, "pg", "other-plan").stream().toList());
    }

    @Test
    void newestRunsGivesEachTargetItsNewestCompleteRunWithAllItsSnapshots() {
        List<Snapshot> all = List.of(
                snap("a1", "2026-11-20T02:00:00Z", "a", "/pg/app.dump"),
                snap("a2", "2026-11-20T02:00:05Z", "a", "/pg/backup-facts.json"),
                snap("b1", "2026-11-21T02:00:00Z", "b", "/pg/app.dump"),
                Snapshot.madeHere("s1", "s1", Instant.parse("2026-11-21T03:00:00Z"), "host", List.of("/pg/app.dump"),
                        List.of("safety", "target:pg", "restore:x")));
        List<BackupSets.NewestRun> runs = BackupSets.newestRuns(all);
        assertEquals(1, runs.size(), runs.toString());
        assertEquals("a", runs.get(0).run());
        assertEquals(List.of("a1", "a2"), runs.get(0).members().stream().map(Snapshot::id).sorted().toList());
    }
}
