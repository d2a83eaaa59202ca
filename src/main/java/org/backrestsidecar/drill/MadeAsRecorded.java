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
