package org.backrestsidecar.quiesce;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a restarted sidecar scales back in the background: only the Swarm services the stopped
 * sidecar left at 0. A restore started since scales the same service to 0 and journals it; scaling
 * that back under it would start a task on the data it is laying down (seen in the Swarm test: the
 * restore waited 3 minutes for a task that the scale-back loop kept starting).
 */
class CrashScaleBackTest {
    private static final QuiesceJournal.Entry LEFT = QuiesceJournal.Entry.scaled("task1", "bsc_pitr.1", "critical",
            "restore-a", "bsc_pitr", 1);
    private static final QuiesceJournal.Entry OTHER_LEFT = QuiesceJournal.Entry.scaled("task7", "bsc_notes.1",
            "critical", "restore-a", "bsc_notes", 2);
    private static final QuiesceJournal.Entry RESTORE_SINCE = QuiesceJournal.Entry.scaled("task2", "bsc_pitr.1",
            "critical", "restore-b", "bsc_pitr", 1);

    private record Case(String what, List<QuiesceJournal.Entry> pending, List<QuiesceJournal.Entry> expected) {
    }

    @Test
    void onlyWhatTheStoppedSidecarLeftIsScaledBack() {
        List<QuiesceJournal.Entry> leftByTheCrash = List.of(LEFT, OTHER_LEFT);
        for (Case c : List.of(
                new Case("both left, nothing since", List.of(LEFT, OTHER_LEFT), List.of(LEFT, OTHER_LEFT)),
                new Case("one scaled back already", List.of(OTHER_LEFT), List.of(OTHER_LEFT)),
                new Case("a restore of the same service started since", List.of(OTHER_LEFT, RESTORE_SINCE),
                        List.of(OTHER_LEFT)),
                new Case("all back, a restore under way", List.of(RESTORE_SINCE), List.of()))) {
            assertEquals(c.expected(), CrashRecovery.stillPending(c.pending(), leftByTheCrash), c.what());
        }
    }
}
