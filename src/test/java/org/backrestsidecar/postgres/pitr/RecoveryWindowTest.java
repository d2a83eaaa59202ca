package org.backrestsidecar.postgres.pitr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Which base backup and WAL a point-in-time restore lays down, and which moments it refuses. The
 * window here: base b1 ready 10:00 with WAL to 11:00, base b2 ready 12:00 with WAL to 13:00 (a gap
 * from 11:00 to 12:00, as when the stream was down).
 */
class RecoveryWindowTest {
    private static final RecoveryWindow.Base B1 = new RecoveryWindow.Base("b1", "aaaa1111", at("10:00"));
    private static final RecoveryWindow.Base B2 = new RecoveryWindow.Base("b2", "bbbb2222", at("12:00"));
    private static final RecoveryWindow.WalCopy W1 = new RecoveryWindow.WalCopy("b1", "cccc3333", at("11:00"), "/spool");
    private static final RecoveryWindow.WalCopy W2 = new RecoveryWindow.WalCopy("b2", "dddd4444", at("13:00"), "/spool");
    private static final RecoveryWindow WINDOW = new RecoveryWindow("pg", List.of(B1, B2), List.of(W1, W2));

    private static Instant at(String time) {
        return Instant.parse("2026-11-22T" + time + ":00Z");
    }

    @ParameterizedTest(name = "{0}: base {1}")
    @CsvSource({
            "10:00, b1", // the first base itself
            "10:30, b1",
            "11:00, b1", // the end of b1's WAL
            "12:00, b2", // a base's own moment needs no WAL
            "12:59, b2",
            "13:00, b2",
    })
    void aMomentInTheWindowTakesTheNewestBaseBeforeItAndThatBasesWal(String time, String base) {
        RecoveryWindow.Choice choice = WINDOW.at(at(time));
        assertEquals(base, choice.base().run());
        assertEquals(Optional.of(base), choice.wal().map(RecoveryWindow.WalCopy::chain), "that base's own chain");
        assertEquals(Optional.of(at(time)), choice.to());
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "09:59 | is before the first base backup of pg was ready; the window is 2026-11-22T10:00:00Z to 2026-11-22T13:00:00Z",
            "13:01 | is after the newest WAL of pg in the repo; the window is 2026-11-22T10:00:00Z to 2026-11-22T13:00:00Z",
            "11:30 | the WAL after base backup b1 of pg reaches only 2026-11-22T11:00:00Z, not 2026-11-22T11:30:00Z; the window has a gap there",
    })
    void aMomentOutsideTheWindowOrInAGapIsRefusedNamingTheWindow(String time, String says) {
        RecoveryWindow.OutsideWindow refused = assertThrows(RecoveryWindow.OutsideWindow.class, () -> WINDOW.at(at(time)));
        assertTrue(refused.getMessage().contains(says), refused.getMessage());
    }

    @Test
    void latestIsTheChainThatReachesFurthestReplayedToItsEnd() {
        RecoveryWindow.Choice latest = WINDOW.latest();
        assertEquals("b2", latest.base().run());
        assertEquals(Optional.of(W2), latest.wal());
        assertEquals(Optional.empty(), latest.to());
        // an older base whose chain reaches further wins over a newer one without WAL
        RecoveryWindow.Base b3 = new RecoveryWindow.Base("b3", "eeee5555", at("12:30"));
        assertEquals("b2", new RecoveryWindow("pg", List.of(B1, B2, b3), List.of(W1, W2)).latest().base().run());
    }

    @Test
    void aBaseAloneIsNamedByItsRunOrItsSnapshotsFirstCharacters() {
        assertTrue(WINDOW.base("b1").baseOnly());
        assertEquals("b2", WINDOW.base("bbbb").base().run());
        assertThrows(NoSuchElementException.class, () -> WINDOW.base("bbb"), "fewer than 4 characters name nothing");
        assertThrows(NoSuchElementException.class, () -> WINDOW.base("b9"));
    }

    @Test
    void whatTheArchiverShippedSinceTheNewestWalSnapshotWidensTheWindow() {
        RecoveryWindow held = WINDOW.heldUntil("b2", at("14:00"));
        assertEquals(Optional.of(at("14:00")), held.until());
        assertEquals("b2", held.at(at("13:30")).base().run());
        assertEquals(Optional.of(at("13:00")), WINDOW.heldUntil("b2", at("12:30")).until(), "never narrows it");
        assertEquals(Optional.of(at("13:00")), WINDOW.heldUntil("b9", at("14:00")).until(), "an unknown chain: as it was");
    }

    @Test
    void noBaseBackupYetSaysToRunThePlan() {
        RecoveryWindow empty = new RecoveryWindow("pg", List.of(), List.of());
        NoSuchElementException e = assertThrows(NoSuchElementException.class, empty::latest);
        assertTrue(e.getMessage().contains("run its plan once"), e.getMessage());
        assertThrows(NoSuchElementException.class, () -> empty.at(at("10:00")));
    }

    /** A drill replays the base of the run it drills (whose facts it compares), with that chain's WAL. */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "aaaa1111           | b1", // the run's short ids, as a backup set lists them
            "eeee5555,bbbb2222   | b2",
            "bbbb2222ffffffff   | b2", // a full id
            "eeee5555           | ''", // the run holds no base backup
            "''                 | ''",
    })
    void theChainOfARunIsItsBaseAndThatBasesWal(String ids, String base) {
        Optional<RecoveryWindow.Choice> chain = WINDOW.chainOf(List.of(ids.split(",")));
        assertEquals(base.isEmpty() ? Optional.empty() : Optional.of(base), chain.map(c -> c.base().run()));
        chain.ifPresent(c -> assertEquals(Optional.of(base), c.wal().map(RecoveryWindow.WalCopy::chain)));
        chain.ifPresent(c -> assertEquals(Optional.empty(), c.to(), "replayed to the end of its chain"));
    }

    /**
     * The window as read from the snapshots restic lists: chain b1's last WAL was shipped at 10:59:59.7,
     * after base b2 was stored (tagged {@code next-chain:b2}), and b2's facts were stored seconds later.
     * b2 takes over where b1's WAL ends, not where its facts were stored, so not one moment between
     * the chains is refused. The first base, which no chain hands over to, starts on the whole second
     * after its facts were stored.
     */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "10:00:05     | refused: is before the first base backup", // b1's facts stored at 10:00:05.3
            "10:00:05.500 | refused: is before the first base backup",
            "10:00:06     | b1",
            "10:59:59     | b1",
            "10:59:59.700 | b2", // b2 takes over from b1's last WAL, though its facts were stored at 11:00:04.2
            "10:59:59.699 | b1",
            "11:00:02.900 | b2", // b2's WAL: shipped 11:00:02.9
            "11:00:03     | refused: is after the newest WAL",
    })
    void theSnapshotsAsListedMakeAWindowWithoutAGapBetweenChains(String time, String says) {
        RecoveryWindow window = RecoveryWindow.of("pg", List.of(
                listed("b1base", "10:00:00", "/pg/base.tar", "run:b1"),
                listed("b1facts", "10:00:05.300", FACTS, "run:b1"),
                listed("b1wal", "10:59:59.700", "/spool/pg", "wal", "chain:b1", "next-chain:b2"),
                listed("b2base", "10:59:30", "/pg/base.tar", "run:b2"),
                listed("b2facts", "11:00:04.200", FACTS, "run:b2"),
                listed("b2wal", "11:00:02.900", "/spool/pg", "wal", "chain:b2")));
        assertEquals(Optional.of(Instant.parse("2026-11-22T10:00:06Z")), window.from());
        assertEquals(Optional.of(Instant.parse("2026-11-22T11:00:02.900Z")), window.until());
        assertEquals(List.of(), window.gaps());
        restoresFromOrRefuses(window, time, says);
    }

    /**
     * A WAL snapshot holds up to its {@code upto} moment, not up to when its restic began: b1's last
     * ship began at 10:59:59.900 but the stream then had the server's WAL only up to 10:59:58.100
     * (the handover), b2's newest ship began at 11:00:20 with the WAL up to 11:00:12.500, and an
     * older b2 ship from a sidecar started anew knew no moment ({@code upto:none}): it claims nothing.
     * A snapshot shipped before the tag (no {@code upto}) still holds up to its own time.
     */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "10:59:58.100 | b2",
            "10:59:58     | b1",
            "10:59:59.900 | b2",
            "11:00:12.500 | b2",
            "11:00:12.600 | refused: is after the newest WAL of pg in the repo; the window is 2026-11-22T10:00:06Z to 2026-11-22T11:00:12.500Z",
            "11:00:19     | refused: is after the newest WAL",
    })
    void aWalSnapshotHoldsUpToTheMomentItsStreamHadNotWhenItsShipBegan(String time, String says) {
        RecoveryWindow window = RecoveryWindow.of("pg", List.of(
                listed("b1base", "10:00:00", "/pg/base.tar", "run:b1"),
                listed("b1facts", "10:00:05.300", FACTS, "run:b1"),
                listed("b1old", "10:30:00", "/spool/pg", "wal", "chain:b1"),
                listed("b1wal", "10:59:59.900", "/spool/pg", "wal", "chain:b1", "next-chain:b2",
                        "upto:2026-11-22T10:59:58.100Z"),
                listed("b2base", "10:59:30", "/pg/base.tar", "run:b2"),
                listed("b2facts", "11:00:04.200", FACTS, "run:b2"),
                listed("b2none", "11:00:30", "/spool/pg", "wal", "chain:b2", "upto:none"),
                listed("b2wal", "11:00:20", "/spool/pg", "wal", "chain:b2", "upto:2026-11-22T11:00:12.500Z"),
                // a tag written by hand (restic tag) that is no moment claims nothing, as upto:none
                listed("b2hand", "11:00:40", "/spool/pg", "wal", "chain:b2", "upto:yesterday")));
        assertEquals(Optional.of(Instant.parse("2026-11-22T11:00:12.500Z")), window.until());
        assertEquals(List.of(), window.gaps());
        assertEquals("b2wal", window.latest().wal().orElseThrow().snapshotId(), "the ship that holds the most");
        restoresFromOrRefuses(window, time, says);
        RecoveryWindow legacy = RecoveryWindow.of("pg", List.of(
                listed("b1base", "10:00:00", "/pg/base.tar", "run:b1"),
                listed("b1facts", "10:00:05.300", FACTS, "run:b1"),
                listed("b1old", "10:30:00", "/spool/pg", "wal", "chain:b1")));
        assertEquals(Optional.of(Instant.parse("2026-11-22T10:30:00Z")), legacy.until(), "a ship made before the tag");
    }

    /**
     * Two ships of one chain can claim the same moment: the stream of the later one had not reached its
     * mark in time (a busy host), so it claims the moment before, yet holds more WAL. The later one is
     * the chain's WAL: a restore to the newest moment replays all it holds, and an idle ship's later
     * moment ({@code heldUntil}, what the repo holds since) is claimed for it, whose content it is, never
     * for the earlier one. Seen in SidecarInContainerIT: a restore "to latest" from the earlier ship, the
     * last 300 rows missing. Listed in either order, as restic's listing is not this code's to rely on.
     */
    @ParameterizedTest(name = "listed {0}")
    @CsvSource({"as shipped", "the later first"})
    void ofTwoShipsClaimingTheSameMomentTheLaterHoldsTheChainsWal(String order) {
        List<org.backrestsidecar.restic.Snapshot> ships = new java.util.ArrayList<>(List.of(
                listed("b1earlier", "10:30:00", "/spool/pg", "wal", "chain:b1", "upto:2026-11-22T10:29:58Z"),
                listed("b1later", "10:30:12", "/spool/pg", "wal", "chain:b1", "upto:2026-11-22T10:29:58Z")));
        if (order.equals("the later first")) {
            java.util.Collections.reverse(ships);
        }
        List<org.backrestsidecar.restic.Snapshot> all = new java.util.ArrayList<>(ships);
        all.add(listed("b1base", "10:00:00", "/pg/base.tar", "run:b1"));
        all.add(listed("b1facts", "10:00:05", FACTS, "run:b1"));
        RecoveryWindow window = RecoveryWindow.of("pg", all);
        assertEquals(Optional.of(Instant.parse("2026-11-22T10:29:58Z")), window.until());
        assertEquals("b1later", window.latest().wal().orElseThrow().snapshotId());
        RecoveryWindow idle = window.heldUntil("b1", Instant.parse("2026-11-22T10:30:24Z"));
        assertEquals(Optional.of(Instant.parse("2026-11-22T10:30:24Z")), idle.until());
        assertEquals("b1later", idle.latest().wal().orElseThrow().snapshotId(), "restored to the newest moment");
        assertEquals("b1later", idle.at(Instant.parse("2026-11-22T10:30:20Z")).wal().orElseThrow().snapshotId(),
                "restored to a moment only the idle ship claimed");
    }

    /**
     * After a restore over the live server the old chain hands over to no one: its WAL ends at 10:30:00.4,
     * and the base backup the restore started is ready on the second after its facts (10:31:12.6). The
     * gap is listed, and exactly its moments are refused, naming where restores resume. A hole the
     * stream lost reads the same: the spool is emptied (the chain ended), so nothing hands over.
     */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "10:30:00     | b1",
            "10:30:00.400 | b1",
            "10:30:00.500 | refused: the window has a gap there, up to 2026-11-22T10:31:13Z (the next base backup)",
            "10:31:12     | refused: the window has a gap there, up to 2026-11-22T10:31:13Z",
            "10:31:13     | b2", // the base's own moment: the newest second the page offers before b2's WAL comes
    })
    void aGapAfterARestoreOrAHoleIsListedAndExactlyItsMomentsAreRefused(String time, String says) {
        RecoveryWindow window = RecoveryWindow.of("pg", List.of(
                listed("b1base", "10:00:00", "/pg/base.tar", "run:b1"),
                listed("b1facts", "10:00:05", FACTS, "run:b1"),
                listed("b1wal", "10:30:00.400", "/spool/pg", "wal", "chain:b1"),
                listed("b2base", "10:31:00", "/pg/base.tar", "run:b2"),
                listed("b2facts", "10:31:12.600", FACTS, "run:b2"),
                listed("b2wal", "10:31:10", "/spool/pg", "wal", "chain:b2")));
        assertEquals(List.of(new RecoveryWindow.Gap(Instant.parse("2026-11-22T10:30:00.400Z"),
                Instant.parse("2026-11-22T10:31:13Z"))), window.gaps());
        assertEquals(Optional.of(Instant.parse("2026-11-22T10:31:13Z")), window.until(), "the base's own second");
        restoresFromOrRefuses(window, time, says);
    }

    @Test
    void theGapsOfTheWindowAreTheStretchesWhereAChainEndsBeforeTheNextBase() {
        assertEquals(List.of(new RecoveryWindow.Gap(at("11:00"), at("12:00"))), WINDOW.gaps());
        assertEquals(List.of(), WINDOW.heldUntil("b1", at("12:30")).gaps(), "the old chain shipped past the next base");
        RecoveryWindow.Base b0 = new RecoveryWindow.Base("b0", "ffff6666", at("09:00"));
        assertEquals(List.of(new RecoveryWindow.Gap(at("09:00"), at("10:00")), new RecoveryWindow.Gap(at("11:00"), at("12:00"))),
                new RecoveryWindow("pg", List.of(b0, B1, B2), List.of(W1, W2)).gaps(), "a base with no WAL holds its own moment");
    }

    /**
     * A full base f (10:00) and incremental ones i1 (11:00, on f) and i2 (12:00, on i1), each chain
     * handing over to the next. A moment after i2 lays down f, i1 and i2, combined; one between i1
     * and i2 lays down f and i1. {@code gone}: the bases whose snapshots were removed from the repo.
     */
    @ParameterizedTest(name = "{0} gone, {1}: {2}")
    @CsvSource(delimiter = '|', value = {
            "''  | 10:30 | f",
            "''  | 11:30 | f i1",
            "''  | 12:30 | f i1 i2",
            "i1  | 10:30 | f", // before the missing link, f and its WAL still restore
            "i1  | 12:30 | refused: base backup i2 of pg is incremental and cannot be restored: base backup i1, which it builds on, is not in the repo whole",
            "i1  | 11:30 | refused: is after the newest WAL of pg", // i1 gone, and its moments with it
            "f   | 12:30 | refused: base backup i2 of pg is incremental and cannot be restored: base backup f, which",
            "f   | 10:30 | refused: base backup i1 of pg is incremental and cannot be restored: base backup f, which",
    })
    void anIncrementalBaseIsRestoredWithItsWholeChainOrRefusedNamingTheMissingOne(String gone, String time, String says) {
        List<String> without = List.of(gone.split(" "));
        List<org.backrestsidecar.restic.Snapshot> all = new java.util.ArrayList<>();
        String[][] bases = {{"f", "10:00", ""}, {"i1", "11:00", "f"}, {"i2", "12:00", "i1"}};
        String[] next = {"i1", "i2", ""};
        for (int i = 0; i < bases.length; i++) {
            String run = bases[i][0];
            String hour = bases[i][1].substring(0, 2);
            if (without.contains(run)) {
                continue;
            }
            all.add(bases[i][2].isEmpty() ? listed(run + "base", hour + ":00:00", "/pg/base.tar", "run:" + run)
                    : listed(run + "base", hour + ":00:00", "/pg/base.tar", "run:" + run, "parent:" + bases[i][2]));
            all.add(listed(run + "facts", hour + ":00:05", FACTS, "run:" + run));
            all.add(next[i].isEmpty() ? listed(run + "wal", hour + ":59:00", "/spool/pg", "wal", "chain:" + run)
                    : listed(run + "wal", hour + ":59:59", "/spool/pg", "wal", "chain:" + run, "next-chain:" + next[i]));
        }
        RecoveryWindow window = RecoveryWindow.of("pg", all);
        Instant moment = Instant.parse("2026-11-22T" + time + ":00Z");
        if (says.startsWith("refused: ")) {
            RecoveryWindow.OutsideWindow refused = assertThrows(RecoveryWindow.OutsideWindow.class, () -> window.at(moment));
            assertTrue(refused.getMessage().contains(says.substring("refused: ".length())), refused.getMessage());
        } else {
            RecoveryWindow.Choice choice = window.at(moment);
            List<String> laid = new java.util.ArrayList<>(choice.before().stream().map(RecoveryWindow.Base::run).toList());
            laid.add(choice.base().run());
            assertEquals(says, String.join(" ", laid));
        }
        // the window shown is what restores: a base whose chain is not whole is left out, and said why
        assertTrue(window.bases().stream().noneMatch(b -> window.unrestorable().stream()
                .anyMatch(u -> u.startsWith("base backup " + b.run() + " "))), window.toString());
        if (!gone.isEmpty()) {
            assertEquals(gone.equals("f") ? List.of("i1", "i2") : List.of("i2"),
                    window.broken().stream().map(b -> b.base().run()).toList());
            assertTrue(window.whyNotRestorable(List.of("i2base")).orElseThrow().contains("base backup " + gone + ", which it builds on"));
            assertThrows(RecoveryWindow.OutsideWindow.class, () -> window.base("i2"));
        }
    }

    @Test
    void aChoiceNamesWhatItCombines() {
        RecoveryWindow.Base f = new RecoveryWindow.Base("f", "aaaa1111", at("10:00"));
        RecoveryWindow.Base i1 = new RecoveryWindow.Base("i1", "bbbb2222", at("11:00"), Optional.of("f"));
        RecoveryWindow.Base i2 = new RecoveryWindow.Base("i2", "cccc3333", at("12:00"), Optional.of("i1"));
        RecoveryWindow window = new RecoveryWindow("pg", List.of(f, i1, i2), List.of());
        assertEquals("base backup i2 (incremental, combined with f, i1 by pg_combinebackup)", window.base("i2").described());
        assertEquals("base backup f", window.base("f").described());
        assertEquals(List.of(f, i1), window.latest().before());
        assertEquals(List.of(f), window.base("i1").before());
    }

    /** {@code says}: the run of the base a restore to {@code time} lays down, or "refused: " and what the refusal says. */
    private static void restoresFromOrRefuses(RecoveryWindow window, String time, String says) {
        Instant moment = Instant.parse("2026-11-22T" + time + "Z");
        if (says.startsWith("refused: ")) {
            RecoveryWindow.OutsideWindow refused = assertThrows(RecoveryWindow.OutsideWindow.class, () -> window.at(moment));
            assertTrue(refused.getMessage().contains(says.substring("refused: ".length())), refused.getMessage());
        } else {
            assertEquals(says, window.at(moment).base().run());
        }
    }

    private static final String FACTS = "/" + org.backrestsidecar.strategy.BackupFacts.pathOf("pg");

    private static org.backrestsidecar.restic.Snapshot listed(String id, String time, String path, String... tags) {
        return org.backrestsidecar.restic.Snapshot.madeHere(id, id, Instant.parse("2026-11-22T" + time + "Z"), "host",
                List.of(path), List.of(tags));
    }
}
