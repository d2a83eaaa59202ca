package org.backrestsidecar.notify;

import org.backrestsidecar.config.Topic;
import java.util.Map;
import java.util.Set;
import org.backrestsidecar.config.NotificationsConfig;

/** A place messages go: Telegram, e-mail, a webhook, or heartbeat pings. */
public interface Channel {
    /** The channel as the operator configured it. */
    NotificationsConfig.Channel config();

    default String name() {
        return config().name();
    }

    String type();

    /** The topics ({@code all}, {@code failures} or topic ids) the operator asked for. */
    default Set<String> events() {
        return config().events();
    }

    /** Sends it now, or says why not; called from the outbox only, never from a backup. */
    void deliver(Letter letter) throws DeliveryFailed;

    /** How the channel is set up, for {@code GET /api/notifications}: never a token, password or full URL. */
    Map<String, Object> describe();

    default boolean wants(Notice notice) {
        Set<String> events = events();
        return events.contains(Topic.ALL) || notice.topic() == Topic.TEST
                || (events.contains(Topic.FAILURES) && notice.failure())
                || events.contains(notice.topic().id());
    }
}
