package org.backrestsidecar.postgres.pitr;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;

/**
 * The WAL segments a chain was given, read for holes. A segment's name is its timeline, then its
 * number in two halves ({@code TTTTTTTTXXXXXXXXYYYYYYYY}); a chain is whole when every number from the
 * base backup's first segment to the newest given is there, on whichever timeline (after a promotion
 * the segment it branched in is there on both). A hole is named as the server would have named the
 * file: on the timeline of the segment before it.
 */
public final class WalChain {
    /** At most this many holes are named; the count of the rest is said. */
    static final int NAMED = 5;

    private WalChain() {
    }

    /**
     * The segments missing between {@code first} (the base backup's start, from its backup_label)
     * and the newest of {@code given}, named; empty when the chain is whole.
     *
     * @param segmentBytes the server's wal_segment_size
     */
    public static List<String> missing(String first, List<String> given, long segmentBytes) {
        long perId = 0x1_0000_0000L / segmentBytes;
        // number -> the timeline it is there on (the lowest: the one the chain was on)
        TreeMap<Long, String> held = new TreeMap<>();
        for (String name : given) {
            held.merge(number(name, perId), name.substring(0, 8), (a, b) -> a.compareTo(b) <= 0 ? a : b);
        }
        long start = number(first, perId);
        if (held.isEmpty() || held.lastKey() < start) {
            return List.of();
        }
        List<String> holes = new ArrayList<>();
        long count = 0;
        String timeline = first.substring(0, 8);
        for (long n = start; n <= held.lastKey(); n++) {
            String there = held.get(n);
            if (there != null) {
                timeline = there;
                continue;
            }
            count++;
            if (holes.size() < NAMED) {
                holes.add(name(timeline, n, perId));
            }
        }
        if (count > NAMED) {
            holes.add("and " + (count - NAMED) + " more");
        }
        return holes;
    }

    static long number(String name, long perId) {
        return Long.parseLong(name.substring(8, 16), 16) * perId + Long.parseLong(name.substring(16, 24), 16);
    }

    static String name(String timeline, long number, long perId) {
        return timeline + String.format(Locale.ROOT, "%08X%08X", number / perId, number % perId);
    }
}
