package org.backrestsidecar.postgres.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
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
        stream.shippedNow("run-1", "a");
        assertTrue(stream.shipped("run-1", "a"));
        assertFalse(stream.shipped("run-1", "b"), "the spool changed");
        assertFalse(stream.shipped("run-2", "a"), "the same files under a new chain are shipped again");
        stream.forgetShipped();
        assertFalse(stream.shipped("run-1", "a"), "a wiped spool (a hole, another server, a restore) ships anew");
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
}
