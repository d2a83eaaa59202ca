package org.backrestsidecar.restic;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One restic snapshot as {@code restic snapshots --json} lists it.
 *
 * @param original the id it had where it was made, when {@code restic copy} brought it here (a copy
 *                 gives it a new id and keeps the first as {@code original}); null for one made here
 */
public record Snapshot(String id, String shortId, Instant time, String hostname, List<String> paths,
                       List<String> tags, String original) {

    public Snapshot {
        paths = paths == null ? List.of() : List.copyOf(paths);
        tags = tags == null ? List.of() : List.copyOf(tags);
    }

    /** A snapshot made in the repo it is listed from (no {@code original}). */
    public static Snapshot madeHere(String id, String shortId, Instant time, String hostname, List<String> paths,
                                    List<String> tags) {
        return new Snapshot(id, shortId, time, hostname, paths, tags, null);
    }

    /** The id it was made with: the same through every copy, what a run recorded of it. */
    public String madeAs() {
        return original == null || original.isEmpty() ? id : original;
    }

    /** The value of a {@code key:value} tag, e.g. {@code tag("target")}. */
    public Optional<String> tag(String key) {
        String prefix = key + ":";
        return tags.stream().filter(t -> t.startsWith(prefix)).map(t -> t.substring(prefix.length())).findFirst();
    }
}
