package org.backrestsidecar.restic;

import java.util.ArrayList;
import java.util.List;

/**
 * The tags every snapshot of ours carries. {@code plan:} and {@code created-by:} are the two Backrest
 * reads to file a snapshot under its plan; {@code target:} lets us and the operator find one target's.
 */
public record SnapshotTags(String plan, String instance, String target, List<String> extra) {

    public SnapshotTags {
        for (String v : List.of(plan, instance, target)) {
            if (v.contains(",")) {
                // restic splits --tag values on commas
                throw new IllegalArgumentException("a tag value cannot contain ',': " + v);
            }
        }
        extra = List.copyOf(extra);
    }

    public SnapshotTags(String plan, String instance, String target) {
        this(plan, instance, target, List.of());
    }

    public static String planTag(String plan) {
        return "plan:" + plan;
    }

    public static String targetTag(String target) {
        return "target:" + target;
    }

    public List<String> all() {
        List<String> tags = new ArrayList<>(List.of(planTag(plan), "created-by:" + instance, targetTag(target)));
        tags.addAll(extra);
        return tags;
    }
}
