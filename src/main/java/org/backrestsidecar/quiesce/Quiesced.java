package org.backrestsidecar.quiesce;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Containers held paused or stopped for one copy. Closing it puts them back (newest first); so does
 * the downtime budget running out, after first stopping the copy that overran it.
 */
public final class Quiesced implements AutoCloseable {
    private final UndoStack undo = new UndoStack();
    private Instant since;
    private Instant until;
    private volatile boolean budgetExceeded;
    private ScheduledFuture<?> watchdog;
    private List<String> failures = List.of();
    private final java.util.Map<String, String> replaced = new java.util.concurrent.ConcurrentHashMap<>();

    /** Nothing to freeze: a live copy. */
    public static Quiesced none() {
        return new Quiesced();
    }

    UndoStack undo() {
        return undo;
    }

    /** Whether anything was actually paused or stopped (someone else's pause is not ours to undo). */
    public boolean holdsAny() {
        return !undo.isEmpty();
    }

    synchronized void started() {
        if (since == null) {
            since = Instant.now();
        }
    }

    /**
     * @param abortCopy stops whatever is reading the container's files; run right after the resume,
     *                  so that the containers wait for nothing once their budget is spent
     */
    public synchronized void budget(Duration budget, Runnable abortCopy, ScheduledExecutorService timer) {
        watchdog = timer.schedule(() -> {
            budgetExceeded = true;
            try {
                close();
            } finally {
                abortCopy.run();
            }
        }, budget.toMillis(), TimeUnit.MILLISECONDS);
    }

    public boolean budgetExceeded() {
        return budgetExceeded;
    }

    /** How long the containers were paused or stopped; zero when nothing had to be. */
    public synchronized Duration downtime() {
        if (since == null) {
            return Duration.ZERO;
        }
        return Duration.between(since, until == null ? Instant.now() : until);
    }

    /** A container put back as another: a Swarm task's, scaled back (Quiescer). */
    void replaced(String containerId, String now) {
        replaced.put(containerId, now);
    }

    /**
     * The container that runs in place of {@code containerId} once this is closed: itself, or the new
     * container of a Swarm task whose service was scaled to 0 and back.
     */
    public String runningAs(String containerId) {
        return replaced.getOrDefault(containerId, containerId);
    }

    /** What could not be put back, e.g. a container that refused to start. */
    public synchronized List<String> failures() {
        return failures;
    }

    @Override
    public synchronized void close() {
        if (watchdog != null) {
            watchdog.cancel(false);
        }
        if (!undo.isEmpty()) {
            failures = undo.unwind();
            until = Instant.now();
        }
    }
}
