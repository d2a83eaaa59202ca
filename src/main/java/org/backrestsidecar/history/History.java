package org.backrestsidecar.history;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.backrestsidecar.state.StateFile;
import org.jboss.logging.Logger;

/**
 * The work of one kind (runs, restores, drills, copies, prunes, checks) kept in the state folder, so
 * that a restart or a {@code kill -9} does not wipe what the operator was shown. An entry is written
 * when the work starts and again when it ends (the same id, replaced), so work cut short by a crash is
 * still there, and its kind can say it never ended. Bounded: the newest {@link #KEEP} entries, none
 * older than {@link #MAX_AGE}. Each change rewrites the file whole through {@link StateFile} (a crash
 * leaves the old file or the new, never half); a file that cannot be read is moved aside, not lost.
 *
 * @param <T> the kind's report, a record Jackson reads back
 */
public final class History<T> {
    private static final Logger LOG = Logger.getLogger(History.class);
    public static final int KEEP = 500;
    public static final Duration MAX_AGE = Duration.ofDays(90);
    private final Path file;
    private final ObjectMapper json;
    private final Function<T, String> id;
    private final Function<T, Instant> at;
    private final Clock clock;
    private final Map<String, T> entries = new LinkedHashMap<>();

    /**
     * @param id what makes an entry the same work (its id)
     * @param at when it started: the order, and what ages it out
     */
    History(Path file, ObjectMapper json, Class<T> type, Function<T, String> id, Function<T, Instant> at, Clock clock) {
        this.file = file;
        this.json = json;
        this.id = id;
        this.at = at;
        this.clock = clock;
        read(json.getTypeFactory().constructCollectionType(List.class, type));
    }

    private void read(JavaType listType) {
        if (!Files.exists(file)) {
            return;
        }
        try {
            List<T> saved = json.readValue(file.toFile(), listType);
            saved.forEach(e -> entries.put(id.apply(e), e));
            bound();
        } catch (IOException | RuntimeException e) {
            Path aside = file.resolveSibling(file.getFileName() + ".unreadable");
            LOG.warnf("history %s cannot be read (%s); kept as %s, starting afresh", file, e.getMessage(), aside);
            try {
                Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException moveFailed) {
                LOG.warnf("and it cannot be moved aside: %s", moveFailed.getMessage());
            }
        }
    }

    /** Adds the entry, or replaces the one with its id (the same work, further on). */
    public synchronized void put(T entry) {
        entries.put(id.apply(entry), entry);
        bound();
        try {
            StateFile.write(file, json.writeValueAsBytes(new ArrayList<>(entries.values())));
        } catch (IOException e) {
            LOG.warnf("history %s cannot be written: %s", file, e.getMessage());
        }
    }

    /**
     * What a new life of the sidecar shows of the last one, oldest first: work that had not ended when
     * the sidecar stopped is replaced (in the file too) by what {@code cutShort} makes of it.
     */
    public synchronized List<T> readBack(java.util.function.Predicate<T> ended,
                                       java.util.function.UnaryOperator<T> cutShort) {
        List<T> shown = new ArrayList<>();
        for (T entry : entries()) {
            T now = ended.test(entry) ? entry : cutShort.apply(entry);
            if (now != entry) {
                put(now);
            }
            shown.add(now);
        }
        return shown;
    }

    /** Oldest first. */
    public synchronized List<T> entries() {
        return List.copyOf(entries.values());
    }

    private void bound() {
        Instant oldest = clock.instant().minus(MAX_AGE);
        List<T> sorted = new ArrayList<>(entries.values());
        sorted.sort((a, b) -> at.apply(a).compareTo(at.apply(b)));
        entries.clear();
        sorted.stream().skip(Math.max(0, sorted.size() - KEEP)).filter(e -> !at.apply(e).isBefore(oldest))
                .forEach(e -> entries.put(id.apply(e), e));
    }
}
