package org.backrestsidecar.postgres.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * One wal-mode target's stream state: a spool shipped is not shipped again until it changes, per
 * chain; a chain's older WAL is forgotten at most once per interval and never while a restore reads
 * it; a wiped spool forgets what was shipped; a debt of base backups stays until paid.
 */
class WalStreamTest {

    @Test
    void aSpoolIsShippedOncePerChangePerChain() throws Exception {
        WalStream stream = new WalStream("pg");
        assertFalse(stream.shipped("run-1", "a"), "nothing shipped yet");
        stream.shippedNow("run-1", "a", java.time.Instant.EPOCH);
        assertTrue(stream.shipped("run-1", "a"));
        assertFalse(stream.shipped("run-1", "b"), "the spool changed");
        assertFalse(stream.shipped("run-2", "a"), "the same files under a new chain are shipped again");
        stream.forgetShipped();
        assertFalse(stream.shipped("run-1", "a"), "a wiped spool (a hole, another server, a restore) ships anew");
    }

    /**
     * The moment a ship claims: the newest mark whose WAL position the stream had written, never one
     * it had not (the window's end); a wiped spool forgets marks and claims.
     */
    @Test
    void aShipClaimsOnlyMomentsWhoseWalTheStreamHad() {
        WalStream stream = new WalStream("pg");
        Instant t0 = Instant.parse("2026-11-30T10:00:00.250Z");
        assertEquals(Optional.empty(), stream.heldAt(5_000), "no mark yet: nothing can be claimed");
        stream.marked(new Streamer.Mark(t0, 1_000));
        stream.marked(new Streamer.Mark(t0.plusSeconds(15), 2_000));
        stream.marked(new Streamer.Mark(t0.plusSeconds(30), 9_000));
        record Case(long received, Optional<Instant> held, String why) {
        }
        for (Case c : List.of(
                new Case(-1, Optional.empty(), "no stream connected"),
                new Case(999, Optional.empty(), "a byte short of the oldest mark"),
                new Case(1_000, Optional.of(t0), "exactly at a mark's position"),
                new Case(8_999, Optional.of(t0.plusSeconds(15)), "behind the newest mark: the one before it"),
                new Case(9_000, Optional.of(t0.plusSeconds(30)), "caught up"),
                new Case(50_000, Optional.of(t0.plusSeconds(30)), "past every mark: the newest"))) {
            assertEquals(c.held(), stream.heldAt(c.received()).map(Streamer.Mark::at), c.why());
        }
        assertEquals(Optional.of(new Streamer.Mark(t0.plusSeconds(30), 9_000)), stream.newestMark());
        stream.shippedNow("run-1", "a", t0.plusSeconds(15));
        stream.shippedNow("run-1", "b", t0);
        assertEquals(Optional.of(t0.plusSeconds(15)), stream.claimed("run-1"), "a chain's claim never goes back");
        assertEquals(Optional.empty(), stream.claimed("run-2"));
        for (int i = 0; i < WalStream.MARKS_KEPT; i++) {
            stream.marked(new Streamer.Mark(t0.plusSeconds(100 + i), 10_000 + i));
        }
        assertEquals(Optional.empty(), stream.heldAt(9_000), "marks older than an hour of ships are let go");
        stream.forgetShipped();
        assertEquals(Optional.empty(), stream.heldAt(50_000), "a wiped spool holds no moment");
        assertEquals(Optional.empty(), stream.claimed("run-1"));
    }

    @Test
    void aChainsOlderWalIsForgottenAtMostOncePerIntervalAndNeverWhileARestoreReadsIt() throws Exception {
        WalStream stream = new WalStream("pg");
        AutoCloseable reading = stream.reading();
        assertFalse(stream.forgetDue("run-1", Duration.ZERO), "a restore reads the chain");
        reading.close();
        assertTrue(stream.forgetDue("run-1", Duration.ofMinutes(5)));
        assertFalse(stream.forgetDue("run-1", Duration.ofMinutes(5)), "forgot just now");
        assertTrue(stream.forgetDue("run-2", Duration.ofMinutes(5)), "each chain keeps its own time");
        assertTrue(stream.forgetDue("run-1", Duration.ZERO), "past the interval");
    }

    @Test
    void aDebtStaysUntilPaidAndTheStatusChangesOnlyOnceSeen() {
        WalStream stream = new WalStream("pg");
        assertTrue(stream.owed().isEmpty());
        stream.owe(Archiver.BaseBackupTries.NONE.tried(Duration.ofMinutes(1)));
        assertEquals(1, stream.owed().orElseThrow().tries());
        stream.paid();
        assertTrue(stream.owed().isEmpty());
        stream.statusIfSeen(s -> {
            throw new AssertionError("no status to change before the stream was looked at");
        });
        assertTrue(stream.status().isEmpty());
        assertFalse(stream.held());
        stream.held(true);
        assertTrue(stream.held());
    }

    /** A WAL position as Postgres writes it, as the byte position the ships compare (pg_lsn - '0/0'). */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
            "0/0          | 0",
            "0/16B3748    | 23803720",
            "16/B374D848  | 97500059720",
            "1/0          | 4294967296",
    })
    void aWalPositionReadsAsPostgresCountsIt(String lsn, long bytes) throws Exception {
        assertEquals(bytes, Streamer.bytes(lsn));
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "[{0}]")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"", "0", "0/", "/0", "0/0'; DROP TABLE x; --", "1/2/3", "G/0", "123456789/0"})
    void whatIsNoWalPositionIsRefused(String lsn) {
        org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () -> Streamer.bytes(lsn));
    }
}
