package org.backrestsidecar.restore;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.backrestsidecar.config.Priority;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.discovery.Target;
import org.backrestsidecar.restic.Backup;
import org.backrestsidecar.restic.StoredSnapshot;
import org.backrestsidecar.strategy.BackupStrategy;
import org.backrestsidecar.strategy.TargetBackup;

/**
 * The copy of a target's current data taken before a restore overwrites it, made the way its
 * strategy backs it up and tagged as the restore's safety snapshot. Without one, nothing is restored.
 */
@ApplicationScoped
public class SafetySnapshots {
    private final Backup backup;

    public SafetySnapshots(Backup backup) {
        this.backup = backup;
    }

    /** Takes it, records it (and how long it took) on the job, and returns what was stored. */
    public List<StoredSnapshot> take(BackupStrategy strategy, Target target, RepoConfig repo, RestoreJob job)
            throws Exception {
        Instant started = Instant.now();
        TargetBackup safety = new TargetBackup(backup, repo, job.safetyTags(), job.safetyTags().instance(), job.id(),
                // a restore is waited for: its safety dump runs at full speed
                Priority.FULL, job.progress());
        job.progress().item("safety snapshot of " + target.name(), java.util.OptionalLong.empty(), null);
        strategy.backUp(target, safety);
        List<StoredSnapshot> saved = safety.snapshots();
        if (saved.isEmpty() || !safety.failures().isEmpty()) {
            throw new IOException("no safety snapshot, so nothing was restored: " + String.join("; ", safety.failures()));
        }
        job.safetySnapshots(saved.stream().map(StoredSnapshot::id).toList(), Duration.between(started, Instant.now()));
        return saved;
    }
}
