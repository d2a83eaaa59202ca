package org.backrestsidecar.recovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A recovery's record as the management script writes it across attempts, and what it means: the
 * drills still owed and the verdict. RECOVERED is a claim, so every case where it would be false is
 * here: a target held but not restored, a drill owed but not passed, a copy that cannot be read.
 */
class RecoveryRecordTest {
    /** The bundle's copy: four targets in three plans (its host paths are no target). */
    private static final Map<String, String> BUNDLE = Map.of("postgres", "critical", "open-webui", "critical",
            "ollama", "models", "redis", "system");
    /** The Swarm test's copy: three targets of plan critical. */
    private static final Map<String, String> SWARM = Map.of("postgres", "critical", "pitr", "critical", "notes", "critical");

    static Stream<Arguments> verdicts() {
        List<String> bundleRestored = List.of("pulled", "files", "restored open-webui", "restored postgres",
                "restored ollama", "restored redis");
        return Stream.of(
                Arguments.of("a Compose host, everything restored and drilled", BUNDLE, false,
                        concat(bundleRestored, "drilled critical", "drilled models", "drilled system"),
                        "RECOVERED: 4 targets restored (ollama open-webui postgres redis), 3 drills passed "
                                + "(critical, models, system)"),
                Arguments.of("a Compose host, one drill failed (no line)", BUNDLE, false,
                        concat(bundleRestored, "drilled critical", "drilled system"),
                        "NOT RECOVERED: drills not passed: models. Fix what the steps above say and run recover "
                                + "again: it goes on from there"),
                Arguments.of("a Compose host, a restore failed: its plan's drill is owed by the others", BUNDLE, false,
                        List.of("restored open-webui", "restored postgres", "restored redis", "drilled critical",
                                "drilled system"),
                        "NOT RECOVERED: not restored: ollama (its restore above says why; or restore it by hand and "
                                + "say so: --restored-by-hand <target>). Fix what the steps above say and run recover "
                                + "again: it goes on from there"),
                Arguments.of("a Compose host, nothing restored yet", BUNDLE, false, List.of("pulled"),
                        "NOT RECOVERED: not restored: ollama, open-webui, postgres, redis (its restore above says why; "
                                + "or restore it by hand and say so: --restored-by-hand <target>). Fix what the steps "
                                + "above say and run recover again: it goes on from there"),
                Arguments.of("a Compose host, one restored by hand as said", BUNDLE, false,
                        concat(List.of("restored ollama by hand", "restored open-webui", "restored postgres",
                                "restored redis"), "drilled critical", "drilled models", "drilled system"),
                        "RECOVERED: 3 targets restored (open-webui postgres redis), 1 target restored by hand as you "
                                + "said (ollama), 3 drills passed (critical, models, system)"),
                Arguments.of("every target by hand: the recovery restored nothing", Map.of("redis", "system"), false,
                        List.of("restored redis by hand", "drilled system"),
                        "NOT RECOVERED: no target was restored by the recovery. Fix what the steps above say and "
                                + "run recover again: it goes on from there"),
                Arguments.of("the copy holds nothing", Map.of(), false, List.of("pulled"),
                        "NOT RECOVERED: the copy holds no backup of ours: nothing was restored. Fix what the steps "
                                + "above say and run recover again: it goes on from there"),
                Arguments.of("a swarm's first attempt: notes runs nowhere", SWARM, true,
                        List.of("pulled", "restored postgres on node1", "restored pitr on node3",
                                "drilled critical on node1", "drilled critical on node3"),
                        "NOT RECOVERED: not restored: notes (its restore above says why; or restore it by hand and "
                                + "say so: --restored-by-hand <target>). Fix what the steps above say and run recover "
                                + "again: it goes on from there"),
                Arguments.of("a swarm's second attempt: notes by hand, found on node2, drilled there", SWARM, true,
                        List.of("pulled", "restored postgres on node1", "restored pitr on node3",
                                "drilled critical on node1", "drilled critical on node3", "restored notes by hand",
                                "restored notes by hand on node2", "drilled critical on node2"),
                        "RECOVERED: 2 targets restored (pitr postgres), 1 target restored by hand as you said (notes), "
                                + "3 drills passed (critical on node1, critical on node2, critical on node3)"),
                Arguments.of("a swarm: by hand as said, but no node found it, so never drilled", SWARM, true,
                        List.of("restored postgres on node1", "restored pitr on node3", "drilled critical on node1",
                                "drilled critical on node3", "restored notes by hand"),
                        "NOT RECOVERED: restored by hand as you said, but no node found it running, so its plan was "
                                + "not drilled: notes. Fix what the steps above say and run recover again: it goes on "
                                + "from there"),
                Arguments.of("a drill on another node does not stand for this one's", SWARM, true,
                        List.of("restored postgres on node1", "restored pitr on node3", "restored notes on node2",
                                "drilled critical on node1", "drilled critical on node3", "drilled critical"),
                        "NOT RECOVERED: drills not passed: critical on node2. Fix what the steps above say and run "
                                + "recover again: it goes on from there"),
                Arguments.of("a record of another copy's targets counts for nothing here", Map.of("redis", "system"),
                        false, List.of("restored postgres", "drilled critical"),
                        "NOT RECOVERED: not restored: redis (its restore above says why; or restore it by hand and "
                                + "say so: --restored-by-hand <target>). Fix what the steps above say and run recover "
                                + "again: it goes on from there"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("verdicts")
    void theVerdictCountsWhatItClaims(String why, Map<String, String> held, boolean swarm, List<String> lines,
                                      String verdict) {
        assertEquals(verdict, RecoveryRecord.parse(lines).verdict(held, List.of(), swarm), why);
    }

    @Test
    void aCopyThatCannotBeReadIsNeverRecovered() {
        List<String> lines = List.of("restored redis", "drilled system");
        assertTrue(RecoveryRecord.parse(lines).verdict(Map.of("redis", "system"), List.of(), false).startsWith("RECOVERED"));
        assertEquals("NOT RECOVERED: the copy of repo models (sftp:backup@host:/models) cannot be read now, so what it "
                + "holds cannot be counted. Fix what the steps above say and run recover again: it goes on from there",
                RecoveryRecord.parse(lines).verdict(Map.of("redis", "system"),
                        List.of("the copy of repo models (sftp:backup@host:/models)"), false));
    }

    static Stream<Arguments> drillsToRun() {
        return Stream.of(
                Arguments.of("Compose: each restored target's plan once, none passed yet", BUNDLE, false,
                        List.of("restored postgres", "restored open-webui", "restored redis"),
                        List.of("critical", "system")),
                Arguments.of("Compose: a passed drill is not run again", BUNDLE, false,
                        List.of("restored postgres", "restored redis", "drilled critical"), List.of("system")),
                Arguments.of("Compose: a target restored by hand is drilled here", BUNDLE, false,
                        List.of("restored ollama by hand"), List.of("models")),
                Arguments.of("swarm: on the node that restored it", SWARM, true,
                        List.of("restored postgres on node1", "restored pitr on node3", "drilled critical on node3"),
                        List.of("critical on node1")),
                Arguments.of("swarm: by hand, on the node that found it; said alone, on none", SWARM, true,
                        List.of("restored notes by hand", "restored notes by hand on node2"),
                        List.of("critical on node2")),
                Arguments.of("swarm: by hand said alone owes no drill on a node nobody named", SWARM, true,
                        List.of("restored notes by hand"), List.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("drillsToRun")
    void theDrillsStillOwedAreRunNext(String why, Map<String, String> held, boolean swarm, List<String> lines,
                                      List<String> owed) {
        assertEquals(owed, RecoveryRecord.parse(lines).drillsToRun(held, swarm).stream()
                .map(RecoveryRecord.Done::said).toList(), why);
    }

    @Test
    void aLineTheScriptNeverWritesIsRefusedByItsNumber() {
        for (String bad : List.of("restored", "restored two words here", "drilled", "RECOVERED: 4 targets",
                "skipped redis")) {
            RecoveryRecord.Unreadable e = assertThrows(RecoveryRecord.Unreadable.class,
                    () -> RecoveryRecord.parse(List.of("pulled", bad)), bad);
            assertTrue(e.getMessage().startsWith("line 2 of the recovery's record is none the management script "
                    + "writes: '" + bad + "'"), e.getMessage());
        }
    }

    @Test
    void heldLeavesTheHostPathsOut() {
        Instant t = Instant.parse("2026-11-29T02:00:00Z");
        Holdings h = new Holdings("offsite", List.of(
                new Holdings.Repo("critical", "sftp:x:/c", 9, -1, null, List.of(
                        new Holdings.Target("critical", "postgres", "run:1", t, List.of("/postgres")),
                        new Holdings.Target("critical", "host-paths", "run:1", t, List.of("/stack")))),
                new Holdings.Repo("models", "sftp:x:/m", -1, -1, "no such file", List.of())));
        assertEquals(Map.of("postgres", "critical"), RecoveryRecord.held(h));
        assertEquals(List.of("the copy of repo models (sftp:x:/m)"), RecoveryRecord.unreadable(h));
    }

    private static List<String> concat(List<String> first, String... more) {
        return Stream.concat(first.stream(), Stream.of(more)).toList();
    }
}
