package org.backrestsidecar.restic;

import java.time.Duration;
import java.time.Instant;
import org.jboss.logging.Logger;

/**
 * Another restic's lock on the repo, waited for. restic 0.14 has no {@code --retry-lock}: it stops at
 * once when it cannot take its lock (Backrest indexing, a prune, in a swarm another node's forget or
 * check). Every way the sidecar runs restic ({@link ResticCommand}, a stream into
 * {@link Backup#backupStream} or out of {@link Snapshots#dump}, restic in a helper container) runs
 * it again every 2 s, up to {@link ResticCommand#LOCK_WAIT}, as long as it stopped before it read
 * or wrote anything: each says so by throwing {@link LockedOut}.
 */
public final class LockWait {
    private static final Logger LOG = Logger.getLogger(LockWait.class);
    private static final Duration EVERY = Duration.ofSeconds(2);

    private LockWait() {
    }

    /** One run of restic. */
    @FunctionalInterface
    public interface Attempt<T> {
        /** @throws LockedOut when restic stopped at another's lock before it read or wrote anything */
        T run() throws ResticException;
    }

    /**
     * restic stopped at another restic's lock before it read or wrote anything: it may run again.
     * Left to the caller once the wait is over, as a {@link ResticException.Kind#LOCKED} failure.
     */
    public static final class LockedOut extends ResticException {
        public LockedOut(String message) {
            super(message, Kind.LOCKED);
        }
    }

    /**
     * Runs {@code attempt} until it does not end {@link LockedOut}, every 2 s up to {@code wait}; the
     * first wait is said at INFO, the next at DEBUG (the weekly check waits for a whole backup).
     *
     * @param what names the run in the log ({@code forget}, {@code the stream of app.dump})
     */
    public static <T> T retrying(String repoId, String what, Duration wait, Attempt<T> attempt) throws ResticException {
        Instant giveUp = Instant.now().plus(wait);
        for (int waited = 0; ; waited++) {
            try {
                return attempt.run();
            } catch (LockedOut e) {
                if (Instant.now().isAfter(giveUp)) {
                    throw e;
                }
                LOG.logf(waited == 0 ? Logger.Level.INFO : Logger.Level.DEBUG,
                        "repo %s is locked by another restic; %s runs again every %d s, up to %d min", repoId, what,
                        EVERY.toSeconds(), wait.toMinutes());
            }
            try {
                Thread.sleep(EVERY.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ResticException("interrupted while waiting for repo " + repoId + "'s lock", e);
            }
        }
    }
}
