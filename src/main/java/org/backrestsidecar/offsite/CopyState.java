package org.backrestsidecar.offsite;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.backrestsidecar.progress.Progress;

/**
 * What is known of one copy: when it was last tried and last succeeded, the newest snapshot it
 * holds (its age is the copy's recovery point), how the last attempt went, and while it runs how far
 * it has got ({@code progress}, never stored).
 *
 * @param key           {@code <repo>/<copy>}
 * @param appendOnly    the copy is only added to (its retention runs where it lives)
 * @param retentionNote {@link #APPEND_ONLY} for an append-only copy, else none (set from {@code appendOnly})
 * @param pastRetention of an append-only copy, how many snapshots have been past its tiers for over a
 *                      week ({@link AppendOnlyRetention#GRACE_DAYS}), as counted after its last copy:
 *                      more than none, nobody runs its retention where it lives
 */
public record CopyState(String key, String repo, String copy, String uri, Instant lastAttempt, Instant lastSuccess,
                        String newestSnapshot, Instant newestSnapshotTime, Integer snapshotsCopied,
                        Double durationSeconds, Long bytesAdded, String error, boolean running,
                        Progress.View progress, boolean appendOnly, Integer pastRetention, String retentionNote) {

    /** What the API, {@code status} and the page say of an append-only copy's retention. */
    public static final String APPEND_ONLY = "append-only: retention runs where the copy lives";

    /** {@code retentionNote} follows {@code appendOnly}: {@link #APPEND_ONLY}, or none for a copy the sidecar thins. */
    public CopyState {
        retentionNote = appendOnly ? APPEND_ONLY : null;
    }

    static CopyState never(String repo, String copy, String uri, boolean appendOnly) {
        return new CopyState(repo + "/" + copy, repo, copy, uri, null, null, null, null, null, null, null, null, false,
                null, appendOnly, null, null);
    }

    CopyState appendOnly(boolean now) {
        return new CopyState(key, repo, copy, uri, lastAttempt, lastSuccess, newestSnapshot, newestSnapshotTime,
                snapshotsCopied, durationSeconds, bytesAdded, error, running, progress, now, now ? pastRetention : null, null);
    }

    CopyState started(Instant at) {
        return new CopyState(key, repo, copy, uri, at, lastSuccess, newestSnapshot, newestSnapshotTime,
                snapshotsCopied, durationSeconds, bytesAdded, error, true, null, appendOnly, pastRetention, null);
    }

    CopyState succeeded(Instant at, String newest, Instant newestTime, int copied, double seconds, Long bytes,
                        Integer pastRetention) {
        return new CopyState(key, repo, copy, uri, lastAttempt, at, newest, newestTime, copied, seconds, bytes, null,
                false, null, appendOnly, pastRetention, null);
    }

    CopyState failed(double seconds, String why) {
        return new CopyState(key, repo, copy, uri, lastAttempt, lastSuccess, newestSnapshot, newestSnapshotTime,
                snapshotsCopied, seconds, bytesAdded, why, false, null, appendOnly, pastRetention, null);
    }

    /** The last good copy's duration: what the next one is expected to take. */
    Optional<Duration> lastGoodDuration() {
        return error == null && lastSuccess != null && durationSeconds != null
                ? Optional.of(Duration.ofMillis((long) (durationSeconds * 1000))) : Optional.empty();
    }

    CopyState with(Progress.View now) {
        return new CopyState(key, repo, copy, uri, lastAttempt, lastSuccess, newestSnapshot, newestSnapshotTime,
                snapshotsCopied, durationSeconds, bytesAdded, error, running, now, appendOnly, pastRetention, null);
    }

    /** What the metrics keep of it. */
    public org.backrestsidecar.metrics.BackupMetrics.Copy measured() {
        return new org.backrestsidecar.metrics.BackupMetrics.Copy(lastSuccess, newestSnapshotTime, durationSeconds,
                bytesAdded, pastRetention);
    }
}
