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
 * @param key {@code <repo>/<copy>}
 */
public record CopyState(String key, String repo, String copy, String uri, Instant lastAttempt, Instant lastSuccess,
                        String newestSnapshot, Instant newestSnapshotTime, Integer snapshotsCopied,
                        Double durationSeconds, Long bytesAdded, String error, boolean running,
                        Progress.View progress) {

    static CopyState never(String repo, String copy, String uri) {
        return new CopyState(repo + "/" + copy, repo, copy, uri, null, null, null, null, null, null, null, null, false, null);
    }

    CopyState started(Instant at) {
        return new CopyState(key, repo, copy, uri, at, lastSuccess, newestSnapshot, newestSnapshotTime,
                snapshotsCopied, durationSeconds, bytesAdded, error, true, null);
    }

    CopyState succeeded(Instant at, String newest, Instant newestTime, int copied, double seconds, Long bytes) {
        return new CopyState(key, repo, copy, uri, lastAttempt, at, newest, newestTime, copied, seconds, bytes, null,
                false, null);
    }

    CopyState failed(double seconds, String why) {
        return new CopyState(key, repo, copy, uri, lastAttempt, lastSuccess, newestSnapshot, newestSnapshotTime,
                snapshotsCopied, seconds, bytesAdded, why, false, null);
    }

    /** The last good copy's duration: what the next one is expected to take. */
    Optional<Duration> lastGoodDuration() {
        return error == null && lastSuccess != null && durationSeconds != null
                ? Optional.of(Duration.ofMillis((long) (durationSeconds * 1000))) : Optional.empty();
    }

    CopyState with(Progress.View now) {
        return new CopyState(key, repo, copy, uri, lastAttempt, lastSuccess, newestSnapshot, newestSnapshotTime,
                snapshotsCopied, durationSeconds, bytesAdded, error, running, now);
    }
}
