package org.backrestsidecar.notify;

import java.util.LinkedHashMap;
import java.util.Map;
import org.backrestsidecar.config.NotificationsConfig;

/**
 * Pings at the start, success and failure of each plan's runs, as healthchecks.io and Uptime Kuma's
 * push monitors take them. The outside service expects a success ping every so often, so it alone
 * notices when the sidecar itself is dead and can tell nobody. A GET, as both services document it.
 */
final class HeartbeatChannel implements Channel {
    private final NotificationsConfig.Heartbeat config;

    HeartbeatChannel(NotificationsConfig.Heartbeat config) {
        this.config = config;
    }

    @Override
    public NotificationsConfig.Channel config() {
        return config;
    }

    @Override
    public String type() {
        return "heartbeat";
    }

    @Override
    public boolean wants(Notice notice) {
        return false;
    }

    NotificationsConfig.Pings pingsOf(String plan) {
        return config.plans().get(plan);
    }

    @Override
    public void deliver(Letter letter) throws DeliveryFailed {
        if (letter.ping() == null) {
            return;
        }
        HttpPost.Answer answer = HttpPost.send("GET", letter.ping(), null, null, Map.of());
        if (!answer.ok()) {
            throw new DeliveryFailed(HttpPost.host(letter.ping()) + " answered HTTP " + answer.status() + " "
                    + HttpPost.firstLine(answer.body()));
        }
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> out = new LinkedHashMap<>();
        config.plans().forEach((plan, pings) -> out.put(plan, HttpPost.host(pings.success())));
        return Map.of("plans", out);
    }
}
