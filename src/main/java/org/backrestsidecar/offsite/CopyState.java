package org.backrestsidecar.offsite;

import java.time.Instant;

/**
 * What is known of one copy: when it was last tried and last succeeded, the newest snapshot it
 * holds (its age is the copy's recovery point), how the last attempt went.
 *
 * @param key {@code <repo>/<copy>}
 */
public record CopyState(String key, String repo, String copy, String uri, Instant lastAttempt, Instant lastSuccess,
                        String newestSnapshot, Instant newestSnapshotTime, Integer snapshotsCopied,
                        Double durationSeconds, Long bytesAdded, String error, boolean running) {

    static CopyState never(String repo, String copy, String uri) {
        return new CopyState(repo + "/" + copy, repo, copy, uri, null, null, null, null, null, null, null, null, false);
    }

    CopyState started(Instant at) {
        return new CopyState(key, repo, copy, uri, at, lastSuccess, newestSnapshot, newestSnapshotTime,
                snapshotsCopied, durationSeconds, bytesAdded, error, true);
    }

    CopyState succeeded(Instant at, String newest, Instant newestTime, int copied, double seconds, Long bytes) {
        return new CopyState(key, repo, copy, uri, lastAttempt, at, newest, newestTime, copied, seconds, bytes, null,
                false);
    }

    CopyState failed(double seconds, String why) {
        return new CopyState(key, repo, copy, uri, lastAttempt, lastSuccess, newestSnapshot, newestSnapshotTime,
                snapshotsCopied, seconds, bytesAdded, why, false);
    }
}
