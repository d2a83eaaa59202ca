package org.backrestsidecar.drill;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** Compares counts (and content sums) restored in a drill with those recorded at backup time. */
public final class Counts {
    private Counts() {
    }

    /** @throws DrillFailed naming every item whose count differs (at most ten) */
    public static String match(String scope, Map<String, Long> recorded, Map<String, Long> restored) throws DrillFailed {
        List<String> differences = new ArrayList<>();
        TreeSet<String> items = new TreeSet<>(recorded.keySet());
        items.addAll(restored.keySet());
        for (String item : items) {
            Long was = recorded.get(item);
            Long is = restored.get(item);
            if (!java.util.Objects.equals(was, is)) {
                differences.add(item + ": " + (was == null ? "not in the backup" : was) + " at backup, "
                        + (is == null ? "missing" : is) + " restored");
            }
        }
        if (!differences.isEmpty()) {
            throw new DrillFailed(scope + " restores with other counts: "
                    + String.join("; ", differences.subList(0, Math.min(10, differences.size())))
                    + (differences.size() > 10 ? " (and " + (differences.size() - 10) + " more)" : ""));
        }
        if (recorded.isEmpty()) {
            return scope + ": empty at backup and after the restore";
        }
        String shown = recorded.size() <= 5
                ? String.join(", ", new TreeSet<>(recorded.keySet()).stream().map(k -> k + "=" + recorded.get(k)).toList())
                : recorded.values().stream().mapToLong(Long::longValue).sum() + " in all";
        return scope + ": " + recorded.size() + " counts match (" + shown + ")";
    }

    /** A Postgres dump's content sums ({@link #sameContent(String, Map, Map, String, String)}). */
    public static String sameContent(String scope, Map<String, Long> recorded, Map<String, Long> restored) throws DrillFailed {
        return sameContent(scope, recorded, restored, "dumped", "a sum of every row's text");
    }

    /**
     * Each item's content sum as recorded at backup time against the restored one.
     *
     * @param made how the backup was made, as the user reads it ("dumped", "copied")
     * @param sum  what the sum is of
     * @throws DrillFailed naming every item whose content differs (at most ten)
     */
    public static String sameContent(String scope, Map<String, Long> recorded, Map<String, Long> restored, String made,
                              String sum) throws DrillFailed {
        List<String> differences = new ArrayList<>();
        TreeSet<String> items = new TreeSet<>(recorded.keySet());
        items.addAll(restored.keySet());
        for (String item : items) {
            if (!recorded.containsKey(item)) {
                differences.add(item + " was not in the backup");
            } else if (!restored.containsKey(item)) {
                differences.add(item + " is missing");
            } else if (!recorded.get(item).equals(restored.get(item))) {
                differences.add(item + " holds other rows than were " + made);
            }
        }
        if (!differences.isEmpty()) {
            throw new DrillFailed(scope + " restores with other content: "
                    + String.join("; ", differences.subList(0, Math.min(10, differences.size())))
                    + (differences.size() > 10 ? " (and " + (differences.size() - 10) + " more)" : ""));
        }
        return scope + ": the content of " + recorded.size() + (recorded.size() == 1 ? " table" : " tables")
                + " matches what was " + made + " (" + sum + ")";
    }
}
