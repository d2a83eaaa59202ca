package org.backrestsidecar.postgres.wal;

import java.time.Instant;
import org.backrestsidecar.discovery.Target;

/**
 * One wal-mode target's stream as the archiver last saw it: what the API, {@code status}, the page
 * and the metrics show.
 *
 * @param streaming          pg_receivewal runs
 * @param chain              the run whose base backup the shipped WAL continues (null before the first)
 * @param shippedAt          the repo holds the WAL of every moment up to this one (the server's clock)
 * @param slotRetainedBytes  WAL the server keeps for our slot (bounded by max_slot_wal_keep_size)
 * @param notReceivedBytes   WAL the server wrote that has not reached the spool yet (-1: no stream)
 * @param holeSince          the chain lost WAL at this moment and no base backup has closed it yet
 * @param problem            why the stream does not work now, or null
 * @param serverVersion      the server's server_version_num (0 before it was first seen)
 */
public record WalStatus(String target, String plan, boolean streaming, String chain, Instant shippedAt,
                        long slotRetainedBytes, String slotStatus, long notReceivedBytes, int timeline,
                        Instant holeSince, String problem, Instant seenAt, int serverVersion) {

    static WalStatus none(Target target) {
        return new WalStatus(target.name(), target.plan(), false, null, null, 0, "none", -1, 0, null, null, null, 0);
    }

    WalStatus seen(boolean streaming, String chain, Instant shippedAt, Streamer.ServerView view) {
        return new WalStatus(target, plan, streaming, chain, shippedAt, view.slotRetainedBytes(), view.walStatus(),
                view.notReceivedBytes(), view.timeline(), holeSince, null, Instant.now(), view.serverVersion());
    }

    WalStatus broken(String why) {
        return new WalStatus(target, plan, false, chain, shippedAt, slotRetainedBytes, slotStatus, notReceivedBytes,
                timeline, holeSince, why, Instant.now(), serverVersion);
    }

    WalStatus hole(Instant since) {
        return new WalStatus(target, plan, streaming, chain, shippedAt, slotRetainedBytes, slotStatus, notReceivedBytes,
                timeline, since, problem, seenAt, serverVersion);
    }

    /** What the metrics keep of it: up is streaming with no problem. */
    public org.backrestsidecar.metrics.BackupMetrics.WalStream measured() {
        return new org.backrestsidecar.metrics.BackupMetrics.WalStream(streaming && problem == null, holeSince != null,
                slotRetainedBytes, notReceivedBytes, shippedAt);
    }
}
