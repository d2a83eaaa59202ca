package org.backrestsidecar.notify;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.backrestsidecar.state.StateFile;
import org.jboss.logging.Logger;

/**
 * The problems that have been told and not yet recovered, kept under {@code stateDir} so a restart
 * neither tells them again nor forgets to say "recovered". This is what makes one message per change
 * of state, not one per check.
 */
final class Problems {
    private static final Logger LOG = Logger.getLogger(Problems.class);

    /**
     * An open problem: since when, when it was last told, its level (disk 80 % vs 90 %), and the notice
     * that told it, which a reminder repeats (null in a file written before reminders went by the clock).
     */
    record Open(Instant since, Instant lastTold, int level, String title, Notice told) {
    }

    /** What to tell about a problem seen now. */
    enum Change { NEW, REMINDER, NOTHING }

    private final Path file;
    private final ObjectMapper json;
    private final Map<String, Open> open = new TreeMap<>();

    Problems(Path file, ObjectMapper json) {
        this.file = file;
        this.json = json;
        if (Files.exists(file)) {
            try {
                open.putAll(json.readValue(file.toFile(), new TypeReference<Map<String, Open>>() { }));
            } catch (IOException e) {
                LOG.warnf("the open problems in %s cannot be read (%s); each is told again if it stays", file,
                        e.getMessage());
            }
        }
    }

    /** A problem is seen: new (or at another level), due for a reminder, or already told. */
    synchronized Change seen(String key, int level, Notice notice, Instant now, Duration remindEvery) {
        Open known = open.get(key);
        if (known == null || known.level() != level) {
            open.put(key, new Open(known == null ? now : known.since(), now, level, notice.title(), notice));
            save();
            return Change.NEW;
        }
        if (Duration.between(known.lastTold(), now).compareTo(remindEvery) >= 0) {
            open.put(key, new Open(known.since(), now, level, notice.title(), notice));
            save();
            return Change.REMINDER;
        }
        return Change.NOTHING;
    }

    /**
     * The problems due for a reminder by the clock, marked as told now: a problem that stays is
     * reminded whether or not the event that found it comes again (a weekly plan fails once a week).
     */
    synchronized Map<String, Open> due(Instant now, Duration remindEvery) {
        Map<String, Open> due = new TreeMap<>();
        open.forEach((key, known) -> {
            if (known.told() != null && Duration.between(known.lastTold(), now).compareTo(remindEvery) >= 0) {
                due.put(key, known);
            }
        });
        due.forEach((key, known) -> open.put(key, new Open(known.since(), now, known.level(), known.title(),
                known.told())));
        if (!due.isEmpty()) {
            save();
        }
        return due;
    }

    /** The problem is gone: what was open, to say "recovered", or empty when nothing was told. */
    synchronized Optional<Open> fine(String key) {
        Open known = open.remove(key);
        if (known != null) {
            save();
        }
        return Optional.ofNullable(known);
    }

    synchronized Map<String, Open> all() {
        return Map.copyOf(open);
    }

    private void save() {
        try {
            StateFile.write(file, json.writeValueAsBytes(open));
        } catch (IOException e) {
            LOG.warnf("the open problems cannot be saved to %s: %s", file, e.getMessage());
        }
    }
}
