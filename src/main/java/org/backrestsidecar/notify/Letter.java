package org.backrestsidecar.notify;

import java.net.URI;
import java.time.Instant;

/**
 * One message for one channel, as it waits in the outbox: a notice, or a heartbeat ping.
 *
 * @param pingOf the plan a ping is for (a newer ping of the plan replaces one still waiting)
 */
public record Letter(String id, String channel, Instant created, int attempts, Instant nextAttempt, String lastError,
                     Notice notice, URI ping, String pingOf) {

    Letter failed(String error, Instant now, java.time.Duration retryAfter) {
        long factor = 1L << Math.min(attempts, 7);
        java.time.Duration wait = retryAfter.multipliedBy(factor);
        if (wait.compareTo(java.time.Duration.ofHours(1)) > 0) {
            wait = java.time.Duration.ofHours(1);
        }
        return new Letter(id, channel, created, attempts + 1, now.plus(wait), error, notice, ping, pingOf);
    }
}
