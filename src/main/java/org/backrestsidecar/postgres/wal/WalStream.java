package org.backrestsidecar.postgres.wal;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * One wal-mode target's stream as this sidecar keeps it, all its state in one place (as Barman keeps
 * one archiver per server): what each chain last shipped and when its older WAL snapshots were last
 * forgotten, whether a restore holds it, whether it is owed a base backup, how many restores read its
 * WAL, and its status as last seen. {@link Archiver} does the work; it takes this object's monitor for
 * anything that touches the spool, so one stream's ship, new chain and hold never overlap. What is read
 * from other threads without that monitor (the status, the hold, the readers) is safe to read alone.
 */
final class WalStream {
    private final String target;
    /** Per chain (its base run): the spool's fingerprint when it was last shipped. */
    private final Map<String, String> shipped = new HashMap<>();
    /** Per chain: the newest moment its WAL snapshots hold (their {@code upto} tag). */
    private final Map<String, Instant> claimed = new HashMap<>();
    /**
     * The server's recent moments and WAL positions ({@link Streamer.Mark}), oldest first: the spool
     * holds a moment once the stream has written past its position. An hour of ships.
     */
    private final java.util.Deque<Streamer.Mark> marks = new java.util.ArrayDeque<>();
    static final int MARKS_KEPT = 240;
    /** Per chain: when its superseded WAL snapshots were last forgotten. */
    private final Map<String, Instant> forgotAt = new HashMap<>();
    private final AtomicInteger readers = new AtomicInteger();
    private volatile WalStatus status;
    private volatile boolean held;
    /** Base backups started for a debt (a hole, a new timeline) until one ends well; null when none is owed. */
    private volatile Archiver.BaseBackupTries owed;

    WalStream(String target) {
        this.target = target;
    }

    String target() {
        return target;
    }

    /** True when the spool is as it was at the chain's last ship: nothing to ship. */
    synchronized boolean shipped(String chain, String fingerprint) {
        return fingerprint.equals(shipped.get(chain));
    }

    synchronized void shippedNow(String chain, String fingerprint, Instant upTo) {
        shipped.put(chain, fingerprint);
        claimed.merge(chain, upTo, (a, b) -> a.isAfter(b) ? a : b);
    }

    /** The newest moment the chain's WAL snapshots shipped by this sidecar hold. */
    synchronized Optional<Instant> claimed(String chain) {
        return Optional.ofNullable(claimed.get(chain));
    }

    synchronized void marked(Streamer.Mark mark) {
        marks.addLast(mark);
        while (marks.size() > MARKS_KEPT) {
            marks.removeFirst();
        }
    }

    synchronized Optional<Streamer.Mark> newestMark() {
        return Optional.ofNullable(marks.peekLast());
    }

    /** The newest mark whose WAL lies before {@code received}, a position the stream has written up to. */
    synchronized Optional<Streamer.Mark> heldAt(long received) {
        Optional<Streamer.Mark> held = Optional.empty();
        for (Streamer.Mark m : marks) {
            if (m.lsn() <= received && held.map(h -> m.at().isAfter(h.at())).orElse(true)) {
                held = Optional.of(m);
            }
        }
        return held;
    }

    /** The spool was emptied or is another server's: whatever it shipped before says nothing of it now. */
    synchronized void forgetShipped() {
        shipped.clear();
        claimed.clear();
        marks.clear();
    }

    /**
     * Whether the chain's older WAL snapshots may be forgotten now (and, if so, marks it done): not while
     * a restore reads one, and at most once every {@code every} (forget takes the repo's exclusive lock,
     * which every other restic on the repo waits for).
     */
    synchronized boolean forgetDue(String chain, Duration every) {
        Instant now = Instant.now();
        if (readers.get() > 0 || now.isBefore(forgotAt.getOrDefault(chain, Instant.EPOCH).plus(every))) {
            return false;
        }
        forgotAt.put(chain, now);
        return true;
    }

    /** A restore reads this stream's WAL snapshots until the returned handle is closed. */
    AutoCloseable reading() {
        readers.incrementAndGet();
        return readers::decrementAndGet;
    }

    boolean held() {
        return held;
    }

    void held(boolean held) {
        this.held = held;
    }

    Optional<Archiver.BaseBackupTries> owed() {
        return Optional.ofNullable(owed);
    }

    void owe(Archiver.BaseBackupTries tries) {
        owed = tries;
    }

    void paid() {
        owed = null;
    }

    Optional<WalStatus> status() {
        return Optional.ofNullable(status);
    }

    void status(WalStatus now) {
        status = now;
    }

    /** Changes the status only when there is one (the stream has been looked at). */
    synchronized void statusIfSeen(UnaryOperator<WalStatus> change) {
        if (status != null) {
            status = change.apply(status);
        }
    }
}
