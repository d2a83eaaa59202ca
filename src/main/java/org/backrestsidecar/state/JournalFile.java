package org.backrestsidecar.state;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A journal's entries on disk, as one JSON list written whole each time ({@link StateFile}: a crash
 * leaves the old list or the new one, never half of one). What the quiesce and restore journals keep.
 */
public final class JournalFile<E> {
    private final Path file;
    private final ObjectMapper json;
    private final TypeReference<List<E>> type;
    private final String what;

    /** @param what the journal's name in an error ("the quiesce journal") */
    public JournalFile(Path file, ObjectMapper json, TypeReference<List<E>> type, String what) {
        this.file = file;
        this.json = json;
        this.type = type;
        this.what = what;
    }

    public List<E> read() {
        if (!Files.exists(file)) {
            return List.of();
        }
        try {
            return json.readValue(file.toFile(), type);
        } catch (IOException e) {
            throw new UncheckedIOException(what + " " + file + " cannot be read", e);
        }
    }

    public void write(List<E> entries) {
        try {
            StateFile.write(file, json.writeValueAsBytes(entries));
        } catch (IOException e) {
            throw new UncheckedIOException(what + " " + file + " cannot be written", e);
        }
    }
}
