package org.backrestsidecar.restic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The one wait for another restic's lock, as every way the sidecar runs restic uses it: a run that
 * stopped at a lock before doing anything runs again; any other failure, and a lock held past the
 * wait, reaches the caller at once, as restic said it.
 */
class LockWaitTest {
    @Test
    void aRunLockedOutRunsAgainUntilItGetsThrough() throws ResticException {
        AtomicInteger runs = new AtomicInteger();
        String result = LockWait.retrying("critical", "forget", Duration.ofMinutes(1), () -> {
            if (runs.incrementAndGet() == 1) {
                throw new LockWait.LockedOut("unable to create lock in backend: repository is already locked exclusively");
            }
            return "done";
        });
        assertEquals("done", result);
        assertEquals(2, runs.get(), "one run locked out, one that got through");
    }

    @Test
    void anyOtherFailureIsNotRunAgain() {
        AtomicInteger runs = new AtomicInteger();
        ResticException failed = new ResticException("Fatal: wrong password or no key found", 1);
        assertSame(failed, assertThrows(ResticException.class, () -> LockWait.retrying("critical", "forget",
                Duration.ofMinutes(1), () -> {
                    runs.incrementAndGet();
                    throw failed;
                })));
        assertEquals(1, runs.get());
    }

    @Test
    void aLockHeldPastTheWaitIsTheCallersAsALockedFailure() {
        AtomicInteger runs = new AtomicInteger();
        ResticException locked = assertThrows(ResticException.class, () -> LockWait.retrying("critical", "dump",
                Duration.ZERO, () -> {
                    runs.incrementAndGet();
                    throw new LockWait.LockedOut("repository is already locked exclusively by PID 42 on node3");
                }));
        assertEquals(ResticException.Kind.LOCKED, locked.kind());
        assertEquals("repository is already locked exclusively by PID 42 on node3", locked.getMessage());
        assertEquals(1, runs.get(), "no wait left: not run again");
    }
}
