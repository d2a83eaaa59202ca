package org.backrestsidecar.postgres.pitr;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Holes in a WAL chain, named by the file the server would have written. */
class WalChainTest {
    private static final long MB16 = 16L * 1024 * 1024;

    private record Case(String name, String first, List<String> given, long segmentBytes, List<String> missing) {
    }

    @Test
    void everySegmentFromTheBasesFirstToTheNewestMustBeThereOnSomeTimeline() {
        List<Case> cases = List.of(
                new Case("whole", "000000010000000000000002", List.of("000000010000000000000002",
                        "000000010000000000000003", "000000010000000000000004"), MB16, List.of()),
                new Case("nothing given yet", "000000010000000000000002", List.of(), MB16, List.of()),
                new Case("one cut out: named on its own timeline, not the replay's new one", "000000010000000000000002",
                        List.of("000000010000000000000002", "000000010000000000000003", "000000010000000000000005",
                                "000000010000000000000006"), MB16, List.of("000000010000000000000004")),
                new Case("the first one missing", "000000010000000000000002",
                        List.of("000000010000000000000003"), MB16, List.of("000000010000000000000002")),
                new Case("segments before the base's first do not count", "000000010000000000000004",
                        List.of("000000010000000000000001", "000000010000000000000004"), MB16, List.of()),
                new Case("across a promotion: the branch segment on both timelines, whole", "000000010000000000000002",
                        List.of("000000010000000000000002", "000000010000000000000003", "000000020000000000000003",
                                "000000020000000000000004"), MB16, List.of()),
                new Case("a hole after a promotion is named on the new timeline", "000000010000000000000002",
                        List.of("000000010000000000000002", "000000020000000000000003", "000000020000000000000005"),
                        MB16, List.of("000000020000000000000004")),
                new Case("across the end of a log file (256 segments of 16 MB each)", "0000000100000000000000FE",
                        List.of("0000000100000000000000FE", "000000010000000100000000"), MB16,
                        List.of("0000000100000000000000FF")),
                new Case("64 MB segments: 64 per log file", "00000001000000000000003E",
                        List.of("00000001000000000000003E", "000000010000000100000000"), 64L * 1024 * 1024,
                        List.of("00000001000000000000003F")),
                new Case("many holes: the first five named, the rest counted", "000000010000000000000001",
                        List.of("000000010000000000000001", "000000010000000000000009"), MB16,
                        List.of("000000010000000000000002", "000000010000000000000003", "000000010000000000000004",
                                "000000010000000000000005", "000000010000000000000006", "and 2 more")));
        for (Case c : cases) {
            assertEquals(c.missing(), WalChain.missing(c.first(), c.given(), c.segmentBytes()), c.name());
        }
    }
}
