package org.backrestsidecar.restic;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** One restic snapshot as {@code restic snapshots --json} lists it. */
public record Snapshot(String id, String shortId, Instant time, String hostname, List<String> paths,
                       List<String> tags) {

    public Snapshot {
        paths = paths == null ? List.of() : List.copyOf(paths);
        tags = tags == null ? List.of() : List.copyOf(tags);
    }

    /** The value of a {@code key:value} tag, e.g. {@code tag("target")}. */
    public Optional<String> tag(String key) {
        String prefix = key + ":";
        return tags.stream().filter(t -> t.startsWith(prefix)).map(t -> t.substring(prefix.length())).findFirst();
    }
}
