package org.backrestsidecar.notify;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.backrestsidecar.state.StateFile;
import org.jboss.logging.Logger;

/**
 * Messages not yet delivered, one file each under {@code stateDir/notifications/outbox}, so they
 * survive a restart. Putting a letter in is a file write and nothing more: a channel that is down or
 * slow never holds up the backup that had something to say. Delivery is tried again after
 * {@code retryAfter}, then twice as long each time (at most an hour), until {@code giveUpAfter}.
 */
final class Outbox {
    private static final Logger LOG = Logger.getLogger(Outbox.class);

    /** What is known of each channel's deliveries, for the API. */
    record Record(Instant lastDelivered, Instant lastFailed, String lastError, long delivered, long failed,
                  long dropped) {
        static final Record NONE = new Record(null, null, null, 0, 0, 0);
    }

    private final Path dir;
    private final ObjectMapper json;
    private final Duration retryAfter;
    private final Duration giveUpAfter;
    private final Map<String, Record> records = new ConcurrentHashMap<>();
    private final Object putLock = new Object();

    Outbox(Path dir, ObjectMapper json, Duration retryAfter, Duration giveUpAfter) {
        this.dir = dir;
        this.json = json;
        this.retryAfter = retryAfter;
        this.giveUpAfter = giveUpAfter;
    }

    /** Never waits for a delivery in progress: a backup thread calls this. */
    void put(String channel, Notice notice, java.net.URI ping, String pingOf) {
        synchronized (putLock) {
            putNow(channel, notice, ping, pingOf);
        }
    }

    private void putNow(String channel, Notice notice, java.net.URI ping, String pingOf) {
        Instant now = Instant.now();
        if (pingOf != null) {
            // a heartbeat service only cares about the newest state of a plan
            waiting().stream().filter(l -> channel.equals(l.channel()) && pingOf.equals(l.pingOf()))
                    .forEach(this::remove);
        }
        Letter letter = new Letter(now.toEpochMilli() + "-" + UUID.randomUUID(), channel, now, 0, now, null, notice,
                ping, pingOf);
        save(letter);
    }

    /** Delivers every letter that is due; returns when each has been tried once. */
    synchronized void deliverDue(Function<String, Channel> channels) {
        Instant now = Instant.now();
        for (Letter letter : waiting()) {
            Channel channel = channels.apply(letter.channel());
            if (channel == null) {
                LOG.warnf("a message for channel %s, which is no longer configured, is dropped", letter.channel());
                remove(letter);
                continue;
            }
            if (letter.created().plus(giveUpAfter).isBefore(now)) {
                LOG.errorf("a message for channel %s could not be delivered in %s and is dropped (%d attempts, "
                        + "last error: %s): %s", letter.channel(), giveUpAfter, letter.attempts(), letter.lastError(),
                        what(letter));
                remove(letter);
                record(letter.channel(), r -> new Record(r.lastDelivered(), r.lastFailed(), r.lastError(),
                        r.delivered(), r.failed(), r.dropped() + 1));
                continue;
            }
            if (letter.nextAttempt().isAfter(now)) {
                continue;
            }
            try {
                channel.deliver(letter);
                remove(letter);
                record(letter.channel(), r -> new Record(Instant.now(), r.lastFailed(), r.lastError(),
                        r.delivered() + 1, r.failed(), r.dropped()));
            } catch (DeliveryFailed | RuntimeException e) {
                String error = e instanceof DeliveryFailed ? e.getMessage() : e.getClass().getSimpleName();
                Letter again = letter.failed(error, Instant.now(), retryAfter);
                LOG.warnf("channel %s: %s could not be delivered (attempt %d, next at %s): %s", letter.channel(),
                        what(letter), again.attempts(), again.nextAttempt(), error);
                save(again);
                record(letter.channel(), r -> new Record(r.lastDelivered(), Instant.now(), error, r.delivered(),
                        r.failed() + 1, r.dropped()));
            }
        }
    }

    Record record(String channel) {
        return records.getOrDefault(channel, Record.NONE);
    }

    long waitingFor(String channel) {
        return waiting().stream().filter(l -> l.channel().equals(channel)).count();
    }

    /** When the next waiting letter is due, so the deliverer can sleep until then. */
    Instant nextDue() {
        return waiting().stream().map(Letter::nextAttempt).min(Comparator.naturalOrder()).orElse(Instant.MAX);
    }

    private static String what(Letter letter) {
        return letter.notice() != null ? "\"" + letter.notice().subject() + "\"" : "the ping of plan " + letter.pingOf();
    }

    private void record(String channel, java.util.function.UnaryOperator<Record> change) {
        records.compute(channel, (k, r) -> change.apply(r == null ? Record.NONE : r));
    }

    private List<Letter> waiting() {
        List<Letter> letters = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return letters;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.json")) {
            for (Path file : files) {
                try {
                    letters.add(json.readValue(file.toFile(), Letter.class));
                } catch (IOException e) {
                    LOG.warnf("outbox file %s cannot be read and is removed: %s", file, e.getMessage());
                    Files.deleteIfExists(file);
                }
            }
        } catch (IOException e) {
            LOG.warnf("the outbox %s cannot be read: %s", dir, e.getMessage());
        }
        letters.sort(Comparator.comparing(Letter::id));
        return letters;
    }

    private void save(Letter letter) {
        try {
            StateFile.write(dir.resolve(letter.id() + ".json"), json.writeValueAsBytes(letter));
        } catch (IOException e) {
            LOG.errorf("channel %s: %s cannot be put in the outbox %s: %s", letter.channel(), what(letter), dir,
                    e.getMessage());
        }
    }

    private void remove(Letter letter) {
        try {
            Files.deleteIfExists(dir.resolve(letter.id() + ".json"));
        } catch (IOException e) {
            LOG.warnf("outbox file of %s cannot be removed: %s", letter.id(), e.getMessage());
        }
    }
}
