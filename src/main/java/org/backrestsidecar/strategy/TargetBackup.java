package org.backrestsidecar.strategy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.backrestsidecar.config.Priority;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.progress.Progress;
import org.backrestsidecar.restic.Backup;
import org.backrestsidecar.restic.ResticException;
import org.backrestsidecar.restic.SnapshotTags;
import org.backrestsidecar.restic.StoredSnapshot;
import org.backrestsidecar.restic.StreamSource;

/**
 * A strategy's handle on one target's backup in one run: the repo and the tags every snapshot must
 * carry, and the record of what it stored, what failed, and how long the target was frozen.
 */
public final class TargetBackup {
    private final Backup backup;
    private final RepoConfig repo;
    private final SnapshotTags tags;
    private final String host;
    private final String runId;
    private final Priority priority;
    private final Progress progress;
    private final List<StoredSnapshot> snapshots = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private final Map<String, Map<String, Long>> counts = new LinkedHashMap<>();
    private final Map<String, Map<String, Long>> contentSums = new LinkedHashMap<>();
    private String sumFormula;
    private final List<BackupFacts.RestorePoint> restorePoints = new ArrayList<>();
    private Duration downtime = Duration.ZERO;
    private int hookFailures;

    public TargetBackup(Backup backup, RepoConfig repo, SnapshotTags tags, String host, String runId,
                        Priority priority, Progress progress) {
        this.priority = priority;
        this.progress = progress;
        this.backup = backup;
        this.repo = repo;
        this.tags = tags;
        this.host = host;
        this.runId = runId;
    }

    public RepoConfig repo() {
        return repo;
    }

    public SnapshotTags tags() {
        return tags;
    }

    public String host() {
        return host;
    }

    public String runId() {
        return runId;
    }

    /** How hard this backup may compete with the services (its plan's {@code priority}). */
    public Priority priority() {
        return priority;
    }

    /** Where the bytes read for this target are counted while they pass. */
    public Progress progress() {
        return progress;
    }

    /** Stores one stream as {@code path} (e.g. {@code db/app.dump}) in a snapshot of its own. */
    public StoredSnapshot stream(String path, StreamSource source) throws ResticException {
        return stream(path, List.of(), source);
    }

    /** As {@link #stream(String, StreamSource)}, its snapshot carrying {@code moreTags} too. */
    public StoredSnapshot stream(String path, List<String> moreTags, StreamSource source) throws ResticException {
        progress.nextPart();
        SnapshotTags these = tags;
        for (String tag : moreTags) {
            these = these.with(tag);
        }
        return stored(backup.backupStream(repo, path, these, host, priority, out -> source.writeTo(progress.counting(out))));
    }

    public synchronized StoredSnapshot stored(StoredSnapshot snapshot) {
        snapshots.add(snapshot);
        return snapshot;
    }

    public synchronized void failed(String part, String reason) {
        failures.add(part + ": " + reason);
    }

    /** Records counts a drill will compare after restoring, e.g. rows per table of one database. */
    public synchronized void counted(String scope, Map<String, Long> perItem) {
        counts.put(scope, Map.copyOf(perItem));
    }

    /** Records a sum of each item's content a drill will compare after restoring (rows per table). */
    public synchronized void summed(String scope, Map<String, Long> perItem) {
        contentSums.put(scope, Map.copyOf(perItem));
    }

    /** As {@link #summed(String, Map)}, made with the formula named {@code formula} (a Postgres target's). */
    public synchronized void summed(String scope, Map<String, Long> perItem, String formula) {
        summed(scope, perItem);
        sumFormula = formula;
    }

    /** Records the restore point a database's counts and sums hold at (a wal-mode base backup's). */
    public synchronized void restorePoint(BackupFacts.RestorePoint point) {
        restorePoints.add(point);
    }

    public synchronized BackupFacts facts(String target, String strategy) {
        return new BackupFacts(target, strategy, counts, snapshots, contentSums, restorePoints, sumFormula);
    }

    public synchronized void note(String note) {
        notes.add(note);
    }

    public synchronized void hookFailed() {
        hookFailures++;
    }

    public synchronized int hookFailures() {
        return hookFailures;
    }

    public synchronized void frozenFor(Duration d) {
        downtime = downtime.plus(d);
    }

    public synchronized List<StoredSnapshot> snapshots() {
        return List.copyOf(snapshots);
    }

    public synchronized List<String> failures() {
        return List.copyOf(failures);
    }

    public synchronized List<String> notes() {
        return List.copyOf(notes);
    }

    public synchronized Duration downtime() {
        return downtime;
    }
}
