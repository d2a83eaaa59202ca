package org.backrestsidecar.restore;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.backrestsidecar.config.SidecarConfig;
import org.backrestsidecar.state.JournalFile;

/**
 * The restores under way that write over live data, on disk: what is being restored into what, where
 * its safety copy is, and which phase it reached, written before each step that a cut could leave
 * half done. If the sidecar dies in between (kill -9, OOM, a host reboot), the next start reads it
 * and puts whole data back before anything else ({@link RestoreRecovery}), as the quiesce journal
 * does for the containers a backup stopped.
 */
@ApplicationScoped
public class RestoreJournal {
    /** Where a restore is: nothing written yet, writing over the live data, or the backup's data whole in place. */
    public enum Phase { STOPPED, WRITING, WRITTEN }

    /**
     * @param safetySnapshot the snapshot holding the data from before, in {@code repo}
     * @param snapshotPath   the file's path in that snapshot
     * @param dir            the folder, inside the container, of the file being replaced
     * @param file           its name
     */
    public record Entry(String restoreId, String target, String containerId, String kind, Phase phase, String repo,
                        String safetySnapshot, String snapshotPath, String dir, String file, Instant at) {
        /** The same restore, now at {@code next}. */
        public Entry at(Phase next) {
            return new Entry(restoreId, target, containerId, kind, next, repo, safetySnapshot, snapshotPath, dir, file,
                    Instant.now());
        }
    }

    private static final TypeReference<List<Entry>> LIST = new TypeReference<>() {
    };
    private final JournalFile<Entry> file;

    public RestoreJournal(SidecarConfig config, ObjectMapper json) {
        this.file = new JournalFile<>(config.stateDir().resolve("restores-under-way.json"), json, LIST, "the restore journal");
    }

    /** Records {@code entry}, replacing what was recorded of the same restore. */
    public synchronized Entry record(Entry entry) {
        List<Entry> all = new ArrayList<>(pending());
        all.removeIf(e -> e.restoreId().equals(entry.restoreId()));
        all.add(entry);
        write(all);
        return entry;
    }

    public synchronized void done(String restoreId) {
        List<Entry> all = new ArrayList<>(pending());
        if (all.removeIf(e -> e.restoreId().equals(restoreId))) {
            write(all);
        }
    }

    public synchronized List<Entry> pending() {
        return file.read();
    }

    private void write(List<Entry> entries) {
        file.write(entries);
    }
}
