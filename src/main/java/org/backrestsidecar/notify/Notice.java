package org.backrestsidecar.notify;

import org.backrestsidecar.config.Topic;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One message to people: what happened, where, the error's first lines, and what to do.
 *
 * @param kind  a new problem, a problem that stays (reminder), its recovery, or plain news
 * @param where plan, target, repo, instance... in the order they are shown
 * @param error the first lines of the error, or empty
 * @param hint  what to do or where to look
 */
public record Notice(Topic topic, Kind kind, String title, Map<String, String> where, List<String> error,
                     String hint, Instant at) {
    /** Lines of an error that a message carries; the rest is in the API and the log. */
    static final int ERROR_LINES = 8;

    public enum Kind {
        PROBLEM("FAILED"), STILL("STILL FAILING"), RECOVERED("RECOVERED"), NEWS("INFO");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    public Notice {
        where = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(where));
        error = List.copyOf(error);
        hint = hint == null ? "" : hint;
    }

    public static List<String> firstLines(String error) {
        if (error == null || error.isBlank()) {
            return List.of();
        }
        List<String> lines = new ArrayList<>(error.strip().lines().limit(ERROR_LINES).toList());
        if (error.strip().lines().count() > ERROR_LINES) {
            lines.add("...");
        }
        return lines;
    }

    public boolean failure() {
        return kind != Kind.NEWS;
    }

    /** e.g. "[backrest-sidecar] FAILED: backup of plan critical, target postgres" */
    public String subject() {
        String instance = where.getOrDefault("instance", "");
        return "[" + (instance.isEmpty() ? "backrest-sidecar" : instance) + "] " + kind.label() + ": " + title;
    }

    /** Plain text, the same in every channel: subject, where, error, what to do. */
    public String text() {
        StringBuilder out = new StringBuilder(subject()).append('\n');
        where.forEach((k, v) -> out.append(k).append(": ").append(v).append('\n'));
        out.append("at: ").append(at).append('\n');
        if (!error.isEmpty()) {
            out.append('\n');
            error.forEach(line -> out.append(line).append('\n'));
        }
        if (!hint.isEmpty()) {
            out.append('\n').append(hint).append('\n');
        }
        return out.toString();
    }
}
