package org.backrestsidecar.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where the sidecar tells people that something failed, and how insistently.
 *
 * @param remindEvery        how often a problem that stays is told again
 * @param retryAfter         the first wait before an undelivered message is sent again (then doubled)
 * @param giveUpAfter        an undelivered message older than this is dropped, with a log line
 * @param diskThresholds     percentages of a repo's disk in use that are told (warning, critical)
 * @param backrestOutOfStep  how long Backrest may stay out of step before it is told
 * @param checkEvery         how often late plans, disks and Backrest are looked at
 */
public record NotificationsConfig(Duration remindEvery, Duration retryAfter, Duration giveUpAfter,
                                  List<Integer> diskThresholds, Duration backrestOutOfStep, Duration checkEvery,
                                  List<Channel> channels) {
    public static final NotificationsConfig DEFAULT = new NotificationsConfig(Duration.ofHours(24),
            Duration.ofSeconds(30), Duration.ofHours(24), List.of(80, 90), Duration.ofHours(1), Duration.ofMinutes(1),
            List.of());

    public NotificationsConfig {
        diskThresholds = List.copyOf(diskThresholds);
        channels = List.copyOf(channels);
    }

    /** One place messages go. {@code events} holds topic ids, {@code all} or {@code failures}. */
    public sealed interface Channel {
        String name();

        Set<String> events();
    }

    public record Telegram(String name, Set<String> events, Path botTokenFile, String chatId, URI apiUrl)
            implements Channel {
    }

    /** {@code security}: {@code starttls} (required), {@code tls} (from the first byte) or {@code none}. */
    public record Email(String name, Set<String> events, String host, int port, String security,
                        Optional<String> username, Optional<Path> passwordFile, String from, List<String> to)
            implements Channel {
    }

    /**
     * A JSON POST: {@code template} shapes the body for Slack, Mattermost, Discord, ntfy, Gotify or
     * our own {@code json}; {@code body} replaces it with the operator's own text.
     */
    public record Webhook(String name, Set<String> events, URI url, Map<String, String> headers,
                          Map<String, Path> headerFiles, String template, Optional<String> body) implements Channel {
    }

    /** Pings per plan at start, success and failure of each run: healthchecks.io, Uptime Kuma. */
    public record Heartbeat(String name, Map<String, Pings> plans) implements Channel {
        @Override
        public Set<String> events() {
            return Set.of();
        }
    }

    public record Pings(Optional<URI> start, URI success, Optional<URI> fail) {
    }
}
