package org.backrestsidecar.quiesce;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.backrestsidecar.state.StateFile;
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
    public enum Action { PAUSED, STOPPED }

    public record Entry(String containerId, String containerName, Action action, String plan, String runId,
                        Instant at) {
    }

    private static final TypeReference<List<Entry>> LIST = new TypeReference<>() {
    };
    private final Path file;
    private final ObjectMapper json;

    public QuiesceJournal(SidecarConfig config, ObjectMapper json) {
        this.file = config.stateDir().resolve("quiesced.json");
        this.json = json;
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
        if (!Files.exists(file)) {
            return List.of();
        }
        try {
            return json.readValue(file.toFile(), LIST);
        } catch (IOException e) {
            throw new UncheckedIOException("the quiesce journal " + file + " cannot be read", e);
        }
    }

    private void write(List<Entry> entries) {
        try {
            StateFile.write(file, json.writeValueAsBytes(entries));
        } catch (IOException e) {
            throw new UncheckedIOException("the quiesce journal " + file + " cannot be written", e);
        }
    }
}
