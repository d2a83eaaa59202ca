package org.backrestsidecar.drill;

import java.util.List;
import java.util.Optional;
import org.backrestsidecar.restic.Snapshot;
import org.backrestsidecar.restic.StoredSnapshot;
import org.backrestsidecar.restore.BackupSet;
import org.backrestsidecar.strategy.BackupFacts;

/**
 * Whether a backup is the one its run made: every snapshot of it, but its facts file's own, is one
 * the run recorded in those facts, known by the id it was made with (a copy gives a snapshot a new
 * id and keeps the first as {@code original}). A snapshot put in its place later, under the same
 * tags, host and run (a bug, a bad disk, someone holding the key), has another id: the drill fails
 * rather than pass data the run never made. A backup made before facts were kept is not judged.
 */
final class MadeAsRecorded {
    private MadeAsRecorded() {
    }

    /**
     * The drilled backup is the newest one the sidecar remembers making, whole: a run that backed the
     * target up stored its snapshots and, last, its facts; if the repo no longer holds them (forgotten
     * by hand, lost with a pack, removed by someone with the key), the drill would otherwise prove an
     * older run, or this one without comparing it, and pass.
     *
     * @param newestRun the run id ({@code run:} tag) the run history names, empty when it remembers none
     *                  (a new state volume, a drill from a copy, which may lag behind by design)
     * @param ended     when that run ended, for the message
     */
    static void newestRunIsWhole(BackupSet backup, boolean hasFacts, Optional<String> newestRun, String ended)
            throws DrillFailed {
        if (newestRun.isEmpty()) {
            return;
        }
        String label = "run:" + newestRun.get();
        if (!backup.label().equals(label)) {
            throw new DrillFailed("the newest backup of " + backup.target() + " (" + label + ", ended " + ended
                    + ") is not whole in the repo: its snapshots or its facts are gone; the newest whole one there is "
                    + backup.label() + " of " + backup.shownTime() + ". A backup that was made and recorded must not "
                    + "vanish unseen: see who forgot it, or the repo's check");
        }
        if (!hasFacts) {
            throw new DrillFailed("the facts " + label + " stored with its backup of " + backup.target() + " (ended "
                    + ended + ") are gone from the repo: the backup cannot be compared with what was made");
        }
    }

    /** The run history names a newest backup, and the repo holds no backup of the target at all. */
    static DrillFailed noneLeft(String target, String newestRun, String ended) {
        return new DrillFailed("the newest backup of " + target + " (run:" + newestRun + ", ended " + ended
                + ") is not in the repo, nor any other of it: its snapshots are gone. A backup that was made and "
                + "recorded must not vanish unseen: see who forgot it, or the repo's check");
    }

    /** What was checked, to show with the drill; empty when the backup keeps no facts. */
    static Optional<String> check(BackupSet backup, Optional<BackupFacts> facts) throws DrillFailed {
        if (facts.isEmpty()) {
            return Optional.empty();
        }
        List<String> factsPath = List.of("/" + BackupFacts.pathOf(backup.target()));
        List<String> recorded = facts.get().snapshots().stream().map(StoredSnapshot::id).toList();
        int checked = 0;
        for (Snapshot s : backup.snapshots()) {
            if (s.paths().equals(factsPath)) {
                continue;
            }
            String made = s.madeAs();
            if (recorded.stream().noneMatch(r -> !r.isEmpty() && (made.startsWith(r) || r.startsWith(made)))) {
                throw new DrillFailed("snapshot " + s.shortId() + " (" + String.join(" ", s.paths()) + ") of backup "
                        + backup.label() + " is not one its run recorded (" + (recorded.isEmpty() ? "none"
                        : String.join(", ", recorded.stream().map(r -> r.substring(0, Math.min(8, r.length())))
                        .toList())) + "): it was changed or put there after the run, so it is not what the run backed up");
            }
            checked++;
        }
        return Optional.of(checked + (checked == 1 ? " snapshot is" : " snapshots are") + " the one"
                + (checked == 1 ? "" : "s") + " its run recorded");
    }
}
