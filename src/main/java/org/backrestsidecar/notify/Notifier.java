package org.backrestsidecar.notify;

import org.backrestsidecar.config.Topic;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.backrestsidecar.config.NotificationsConfig;
import org.backrestsidecar.config.SidecarConfig;
import org.jboss.logging.Logger;

/**
 * Tells people: turns problems, recoveries and news into one message per change of state, puts a
 * copy for each channel that wants it in the outbox, and delivers from there on its own thread.
 * Nothing here throws into its caller and nothing waits for a channel.
 */
@ApplicationScoped
public class Notifier {
    private static final Logger LOG = Logger.getLogger(Notifier.class);

    public enum Ping { START, SUCCESS, FAIL }

    /** A channel as {@code GET /api/notifications} shows it. */
    public record ChannelView(String name, String type, List<String> events, Map<String, Object> settings,
                              long waiting, Instant lastDelivered, Instant lastFailed, String lastError,
                              long delivered, long failed, long dropped) {
    }

    /** A channel's answer to a test message. */
    public record TestOutcome(String channel, String type, String outcome, String error) {
    }

    private final SidecarConfig config;
    private final NotificationsConfig settings;
    private final Map<String, Channel> channels = new LinkedHashMap<>();
    private final Outbox outbox;
    private final Problems problems;
    private final Object wake = new Object();
    private volatile boolean stopped;
    private Thread deliverer;

    public Notifier(SidecarConfig config, ObjectMapper json, Vertx vertx) {
        this.config = config;
        this.settings = config.notifications();
        for (NotificationsConfig.Channel c : settings.channels()) {
            Channel channel;
            if (c instanceof NotificationsConfig.Telegram t) {
                channel = new TelegramChannel(t, json);
            } else if (c instanceof NotificationsConfig.Email e) {
                channel = new EmailChannel(e, vertx);
            } else if (c instanceof NotificationsConfig.Webhook w) {
                channel = new WebhookChannel(w, json);
            } else {
                channel = new HeartbeatChannel((NotificationsConfig.Heartbeat) c);
            }
            channels.put(c.name(), channel);
        }
        var dir = config.stateDir().resolve("notifications");
        this.outbox = new Outbox(dir.resolve("outbox"), json, settings.retryAfter(), settings.giveUpAfter());
        this.problems = new Problems(dir.resolve("problems.json"), json);
    }

    void start(@Observes StartupEvent ignored) {
        deliverer = new Thread(this::deliverLoop, "notifications");
        deliverer.setDaemon(true);
        deliverer.start();
    }

    void stop(@Observes ShutdownEvent ignored) {
        stopped = true;
        wakeDeliverer();
    }

    /** A problem is there: told when new or at a new level, reminded every {@code remindEvery}. */
    public void problem(Topic topic, String key, int level, String title, Map<String, String> where, String error,
                        String hint) {
        try {
            Instant now = Instant.now();
            Notice notice = new Notice(topic, Notice.Kind.PROBLEM, title, where(where), Notice.firstLines(error), hint, now);
            Problems.Change change = problems.seen(key, level, notice, now, settings.remindEvery());
            if (change == Problems.Change.NEW) {
                send(notice);
            } else if (change == Problems.Change.REMINDER) {
                send(reminder(problems.all().get(key), now));
            }
        } catch (RuntimeException e) {
            LOG.errorf(e, "the notice of %s could not be made", key);
        }
    }

    /** Every open problem not told for {@code remindEvery} is told again now (the lookout's clock calls it). */
    public void remindDue() {
        Instant now = Instant.now();
        problems.due(now, settings.remindEvery()).values().forEach(open -> {
            try {
                send(reminder(open, now));
            } catch (RuntimeException e) {
                LOG.errorf(e, "the reminder of \"%s\" could not be made", open.title());
            }
        });
    }

    private static Notice reminder(Problems.Open open, Instant now) {
        Notice was = open.told();
        return new Notice(was.topic(), Notice.Kind.STILL, was.title() + " (since " + open.since() + ")", was.where(),
                was.error(), was.hint(), now);
    }

    /** The problem (if one was told) is gone: "recovered". */
    public void fine(Topic topic, String key, String title, Map<String, String> where) {
        try {
            problems.fine(key).ifPresent(was -> send(new Notice(topic, Notice.Kind.RECOVERED, title,
                    where(where), List.of(), "failing since " + was.since() + "; fine again now", Instant.now())));
        } catch (RuntimeException e) {
            LOG.errorf(e, "the recovery notice of %s could not be made", key);
        }
    }

    /** Every open problem whose key starts with {@code prefix} is fine: a whole plan ran well. */
    public void fineAll(Topic topic, String prefix, java.util.function.Function<String, String> title,
                        Map<String, String> where) {
        problems.all().keySet().stream().filter(k -> k.startsWith(prefix))
                .forEach(k -> fine(topic, k, title.apply(k.substring(prefix.length())), where));
    }

    /** A one-off event, told once: a restore, recovered containers. */
    public void news(Topic topic, boolean failure, String title, Map<String, String> where, String error,
                     String hint) {
        try {
            send(new Notice(topic, failure ? Notice.Kind.PROBLEM : Notice.Kind.NEWS, title, where(where),
                    Notice.firstLines(error), hint, Instant.now()));
        } catch (RuntimeException e) {
            LOG.errorf(e, "the notice \"%s\" could not be made", title);
        }
    }

    /** A heartbeat ping of a plan's run, to every heartbeat channel that has URLs for the plan. */
    public void ping(String plan, Ping ping) {
        for (Channel c : channels.values()) {
            if (c instanceof HeartbeatChannel h && h.pingsOf(plan) != null) {
                var pings = h.pingsOf(plan);
                Optional<URI> url = switch (ping) {
                    case START -> pings.start();
                    case SUCCESS -> Optional.of(pings.success());
                    case FAIL -> pings.fail();
                };
                url.ifPresent(u -> outbox.put(c.name(), null, u, plan));
            }
        }
        wakeDeliverer();
    }

    /** Sends a test message to every channel now, and says how each went. */
    public List<TestOutcome> test(String askedBy) {
        Notice notice = new Notice(Topic.TEST, Notice.Kind.NEWS, "test message, asked by " + askedBy,
                where(Map.of()), List.of(), "If you read this, this channel works.", Instant.now());
        List<TestOutcome> outcomes = new ArrayList<>();
        for (Channel c : channels.values()) {
            if (c instanceof HeartbeatChannel) {
                outcomes.add(new TestOutcome(c.name(), c.type(), "skipped",
                        "heartbeats ping with runs only: a test ping would tell the service a backup ran"));
                continue;
            }
            try {
                c.deliver(new Letter("test", c.name(), notice.at(), 0, notice.at(), null, notice, null, null));
                outcomes.add(new TestOutcome(c.name(), c.type(), "delivered", null));
            } catch (DeliveryFailed | RuntimeException e) {
                outcomes.add(new TestOutcome(c.name(), c.type(), "failed",
                        e instanceof DeliveryFailed ? e.getMessage() : e.getClass().getSimpleName()));
            }
        }
        return outcomes;
    }

    public List<ChannelView> channels() {
        return channels.values().stream().map(c -> {
            Outbox.Record r = outbox.record(c.name());
            return new ChannelView(c.name(), c.type(), c.events().stream().sorted().toList(), c.describe(),
                    outbox.waitingFor(c.name()), r.lastDelivered(), r.lastFailed(), r.lastError(), r.delivered(),
                    r.failed(), r.dropped());
        }).toList();
    }

    /** The problems told and not yet recovered, by key. */
    public Map<String, Instant> openProblems() {
        Map<String, Instant> out = new java.util.TreeMap<>();
        problems.all().forEach((k, v) -> out.put(k, v.since()));
        return out;
    }

    private Map<String, String> where(Map<String, String> where) {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("instance", config.instance());
        all.putAll(where);
        return all;
    }

    private void send(Notice notice) {
        LOG.infof("notice: %s", notice.subject());
        for (Channel c : channels.values()) {
            if (c.wants(notice)) {
                outbox.put(c.name(), notice, null, null);
            }
        }
        wakeDeliverer();
    }

    private void wakeDeliverer() {
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    private void deliverLoop() {
        while (!stopped) {
            try {
                outbox.deliverDue(channels::get);
                Instant due = outbox.nextDue();
                Instant inAMinute = Instant.now().plusSeconds(60);
                long waitMillis = Math.max(100, Duration.between(Instant.now(),
                        due.isBefore(inAMinute) ? due : inAMinute).toMillis());
                synchronized (wake) {
                    wake.wait(waitMillis);
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.errorf(e, "notifications: delivery pass broke; trying again in a minute");
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException stop) {
                    return;
                }
            }
        }
    }
}
