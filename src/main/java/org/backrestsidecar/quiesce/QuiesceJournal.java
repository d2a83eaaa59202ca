package org.backrestsidecar.quiesce;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import org.backrestsidecar.state.JournalFile;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.backrestsidecar.config.SidecarConfig;

/**
 * The containers the sidecar has paused or stopped and not yet put back, on disk, written before
 * each pause or stop and cleared after its undo. If the sidecar dies in between (kill -9, OOM, host
 * reboot), the next start reads it and resumes them before anything else.
 */
@ApplicationScoped
public class QuiesceJournal {
    /** What was done to the container: {@code SCALED} is a Swarm task's service scaled to 0. */
    public enum Action { PAUSED, STOPPED, SCALED }

    /**
     * One container held.
     *
     * @param service  the Swarm service scaled to 0 (SCALED only; absent from the entries of older versions)
     * @param replicas its replicas before, to scale it back to (SCALED only)
     */
    public record Entry(String containerId, String containerName, Action action, String plan, String runId,
                        Instant at, String service, int replicas) {
        static Entry paused(String containerId, String containerName, String plan, String runId) {
            return new Entry(containerId, containerName, Action.PAUSED, plan, runId, Instant.now(), null, 0);
        }

        static Entry stopped(String containerId, String containerName, String plan, String runId) {
            return new Entry(containerId, containerName, Action.STOPPED, plan, runId, Instant.now(), null, 0);
        }

        static Entry scaled(String containerId, String containerName, String plan, String runId, String service,
                            int replicas) {
            return new Entry(containerId, containerName, Action.SCALED, plan, runId, Instant.now(), service, replicas);
        }
    }

    private static final TypeReference<List<Entry>> LIST = new TypeReference<>() {
    };
    private final JournalFile<Entry> file;

    public QuiesceJournal(SidecarConfig config, ObjectMapper json) {
        this.file = new JournalFile<>(config.stateDir().resolve("quiesced.json"), json, LIST, "the quiesce journal");
    }

    public synchronized void add(Entry entry) {
        List<Entry> all = new ArrayList<>(pending());
        all.removeIf(e -> e.containerId().equals(entry.containerId()));
        all.add(entry);
        write(all);
    }

    public synchronized void remove(String containerId) {
        List<Entry> all = new ArrayList<>(pending());
        if (all.removeIf(e -> e.containerId().equals(containerId))) {
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
