package org.backrestsidecar.restore;

import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.backrestsidecar.config.SidecarConfig;
import org.backrestsidecar.progress.Progress;
import org.jboss.logging.Logger;

/**
 * At start, before anything else (before the containers a killed sidecar left stopped are started
 * again, quiesce/CrashRecovery), every restore the journal holds as under way is finished or undone
 * so that its target holds whole data: the backup's when it was all in place, else the safety copy
 * written back over what may be cut off. Its record then says which ("restored: the backup's data",
 * "rolled back to the safety copy"), never "unknown" where it can be known.
 */
@ApplicationScoped
public class RestoreRecovery {
    private static final Logger LOG = Logger.getLogger(RestoreRecovery.class);
    private final RestoreJournal journal;
    private final SnapshotFiles snapshotFiles;
    private final SidecarConfig config;
    private final RestoreService restores;

    public RestoreRecovery(RestoreJournal journal, SnapshotFiles snapshotFiles, SidecarConfig config,
                           RestoreService restores) {
        this.journal = journal;
        this.snapshotFiles = snapshotFiles;
        this.config = config;
        this.restores = restores;
    }

    void recover(@Observes @Priority(0) StartupEvent ignored) {
        for (RestoreJournal.Entry entry : journal.pending()) {
            String outcome;
            boolean rolledBack = false;
            try {
                switch (entry.phase()) {
                    case STOPPED -> outcome = "the sidecar stopped before this restore wrote anything: " + entry.target()
                            + " holds the data from before it";
                    case WRITTEN -> outcome = "the sidecar stopped after the backup's data was whole in place: "
                            + entry.target() + " holds the backup's data (restored)";
                    default -> {
                        writeSafetyBack(entry);
                        rolledBack = true;
                        outcome = "the sidecar stopped while this restore wrote " + entry.dir() + entry.file()
                                + "; at its next start the safety copy (snapshot " + entry.safetySnapshot()
                                + ") was written back: " + entry.target() + " holds the data from before the restore";
                    }
                }
                LOG.warnf("restore %s of %s cut off: %s", entry.restoreId(), entry.target(), outcome);
            } catch (Exception e) {
                outcome = "the sidecar stopped while this restore wrote " + entry.dir() + entry.file()
                        + ", and writing the safety copy (snapshot " + entry.safetySnapshot() + ") back failed: "
                        + e.getMessage() + "; restore that snapshot before starting " + entry.target();
                LOG.errorf("restore %s of %s: %s", entry.restoreId(), entry.target(), outcome);
            }
            restores.settleInterrupted(entry.restoreId(), outcome, rolledBack);
            journal.done(entry.restoreId());
        }
    }

    /** The file the restore was writing, from the safety snapshot, while its container is still stopped. */
    private void writeSafetyBack(RestoreJournal.Entry entry) throws Exception {
        var repo = config.repo(entry.repo()).orElseThrow(() -> new IllegalStateException("no repo " + entry.repo()));
        snapshotFiles.copy(repo, entry.safetySnapshot(), entry.snapshotPath(), entry.containerId(), entry.dir(),
                entry.file(), new Progress());
    }
}
