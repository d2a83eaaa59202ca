package org.backrestsidecar.strategy;

import java.util.ArrayList;
import java.util.List;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.restic.Restic;
import org.backrestsidecar.restic.ResticException;
import org.backrestsidecar.restic.SnapshotTags;
import org.backrestsidecar.restic.StoredSnapshot;
import org.backrestsidecar.restic.StreamSource;

/**
 * A strategy's handle on its target's repo: every snapshot it stores carries the target's tags and
 * is recorded, and every part that failed is kept with its reason, for the run's report.
 */
public final class TargetBackup {
    private final Restic restic;
    private final RepoConfig repo;
    private final SnapshotTags tags;
    private final String host;
    private final List<StoredSnapshot> snapshots = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();

    public TargetBackup(Restic restic, RepoConfig repo, SnapshotTags tags, String host) {
        this.restic = restic;
        this.repo = repo;
        this.tags = tags;
        this.host = host;
    }

    /** Stores one stream as {@code /<target>/<name>} in a snapshot of its own. */
    public StoredSnapshot stream(String name, StreamSource source) throws ResticException {
        StoredSnapshot snapshot = restic.backupStream(repo, tags.target() + "/" + name, tags, host, source);
        snapshots.add(snapshot);
        return snapshot;
    }

    public void failed(String part, String reason) {
        failures.add(part + ": " + reason);
    }

    public List<StoredSnapshot> snapshots() {
        return List.copyOf(snapshots);
    }

    public List<String> failures() {
        return List.copyOf(failures);
    }
}
