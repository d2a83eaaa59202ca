package org.backrestsidecar.restic;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Which base backups an incremental one needs, read from the {@code parent:} tags of the base
 * snapshots; and what retention may forget of those past their tiers: never a base a kept one needs.
 * The chains here: full f1 ← i1 ← i2, then full f2 ← i3.
 */
class BaseChainsTest {
    private static final List<Snapshot> LISTED = List.of(
            base("f1", null), facts("f1"), manifest("f1"),
            base("i1", "f1"), facts("i1"), manifest("i1"),
            base("i2", "i1"), facts("i2"),
            base("f2", null), facts("f2"),
            base("i3", "f2"), facts("i3"));

    private static Snapshot base(String run, String parent) {
        List<String> tags = new ArrayList<>(List.of("plan:pitr", "target:pg", "wal-base", "run:" + run));
        if (parent != null) {
            tags.add("parent:" + parent);
        }
        return Snapshot.madeHere(run + "-base", run, Instant.parse("2026-11-22T10:00:00Z"), "h", List.of("/pg/base.tar"), tags);
    }

    private static Snapshot facts(String run) {
        return Snapshot.madeHere(run + "-facts", run, Instant.parse("2026-11-22T10:00:00Z"), "h",
                List.of("/pg/.backrest-sidecar-facts.json"), List.of("plan:pitr", "wal-base", "run:" + run));
    }

    private static Snapshot manifest(String run) {
        return Snapshot.madeHere(run + "-manifest", run, Instant.parse("2026-11-22T10:00:00Z"), "h",
                List.of("/pg/backup_manifest"), List.of("plan:pitr", "wal-base", "run:" + run));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "f1 | ''    | 1",
            "i1 | f1    | 2",
            "i2 | f1 i1 | 3",
            "i3 | f2    | 2",
            "xx | ''    | 1", // a run no base of which is listed: nothing known to need
    })
    void anIncrementalNeedsEveryBaseBackToAFullOne(String run, String ancestors, int length) {
        BaseChains chains = BaseChains.of(LISTED);
        assertEquals(ancestors.isEmpty() ? List.of() : List.of(ancestors.split(" ")), chains.ancestors(run));
        assertEquals(length, chains.length(run));
    }

    @Test
    void aChainThatLoopsStopsWhereItWouldRepeat() {
        BaseChains chains = BaseChains.of(List.of(base("a", "b"), base("b", "a")));
        assertEquals(List.of("b"), chains.ancestors("a"));
    }

    @ParameterizedTest(name = "whole {0}: {1} misses {2}")
    @CsvSource(delimiter = '|', value = {
            "f1 i1 i2 | i2 | ''",
            "f1 i2    | i2 | i1",
            "i1 i2    | i2 | f1", // the oldest missing one is named first
            "f2       | i3 | ''",
    })
    void whatAChainLacksIsTheFirstMissingBase(String whole, String run, String missing) {
        assertEquals(missing.isEmpty() ? Optional.empty() : Optional.of(missing),
                BaseChains.of(LISTED).missing(run, Set.of(whole.split(" "))));
    }

    /**
     * {@code kept}: the runs whose snapshots the tiers keep; the rest are past them. Forgotten: only
     * the snapshots of runs no kept run needs, with all of a needed run's (base, manifest, facts).
     */
    @ParameterizedTest(name = "kept {0}")
    @CsvSource(delimiter = '|', value = {
            "i2 f2 i3 | ''",                    // i2 needs i1 and f1: nothing goes
            "i1 f2 i3 | i2",                    // i2 is needed by no one
            "f2 i3    | f1 i1 i2",              // the whole first chain
            "i3       | f1 i1 i2",              // f2 stays for i3
            "f1       | i1 i2 f2 i3",           // a full one needs nothing
    })
    void retentionForgetsOnlyWhatNoKeptBaseNeeds(String kept, String forgotten) {
        List<String> keptRuns = List.of(kept.split(" "));
        List<Snapshot> keep = LISTED.stream().filter(s -> keptRuns.contains(s.tag("run").orElseThrow())).toList();
        List<Snapshot> past = LISTED.stream().filter(s -> !keep.contains(s)).toList();
        List<String> gone = Forget.pastTiersAndNotNeeded(keep, past);
        List<String> expected = forgotten.isEmpty() ? List.of() : List.of(forgotten.split(" "));
        assertEquals(LISTED.stream().filter(s -> expected.contains(s.tag("run").orElseThrow())).map(Snapshot::id).toList(),
                gone);
    }
}
