package org.backrestsidecar.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** The {@code notifications:} and {@code access:} sections of the YAML. */
final class NotificationsReader {
    static final Set<String> TEMPLATES = Set.of("json", "slack", "mattermost", "discord", "ntfy", "gotify");
    private static final Set<String> SECURITY = Set.of("starttls", "tls", "none");

    private NotificationsReader() {
    }

    static NotificationsConfig notifications(YamlMapping m, Set<String> plans) {
        m.rejectUnknown(Set.of("remindEvery", "retryAfter", "giveUpAfter", "diskThresholds", "backrestOutOfStep",
                "checkEvery", "channels"));
        NotificationsConfig d = NotificationsConfig.DEFAULT;
        List<Integer> thresholds = new ArrayList<>();
        for (String t : m.strings("diskThresholds").orElse(List.of())) {
            try {
                int percent = Integer.parseInt(t.replace("%", "").trim());
                if (percent < 1 || percent > 100) {
                    throw new NumberFormatException();
                }
                thresholds.add(percent);
            } catch (NumberFormatException e) {
                m.problem("diskThresholds", "'" + t + "' must be a percentage from 1 to 100");
            }
        }
        if (thresholds.isEmpty()) {
            thresholds = d.diskThresholds();
        }
        List<NotificationsConfig.Channel> channels = m.mappings("channels")
                .map(list -> list.stream().map(c -> channel(c, plans)).flatMap(Optional::stream).toList())
                .orElse(List.of());
        Set<String> names = new HashSet<>();
        channels.stream().map(NotificationsConfig.Channel::name).filter(n -> !names.add(n))
                .forEach(n -> m.problem("channels", "channel name '" + n + "' is used twice"));
        return new NotificationsConfig(duration(m, "remindEvery", d.remindEvery()),
                duration(m, "retryAfter", d.retryAfter()), duration(m, "giveUpAfter", d.giveUpAfter()),
                thresholds.stream().sorted().distinct().toList(), duration(m, "backrestOutOfStep", d.backrestOutOfStep()),
                duration(m, "checkEvery", d.checkEvery()), channels);
    }

    private static Optional<NotificationsConfig.Channel> channel(YamlMapping c, Set<String> plans) {
        String name = c.requiredString("name").orElse("?");
        String type = c.requiredString("type").orElse("?");
        Set<String> common = Set.of("name", "type", "events");
        return switch (type) {
            case "telegram" -> {
                c.rejectUnknown(union(common, "botTokenFile", "chatId", "apiUrl"));
                yield Optional.of(new NotificationsConfig.Telegram(name, events(c), secretFile(c, "botTokenFile", true),
                        c.requiredString("chatId").orElse(""),
                        url(c, "apiUrl").orElse(URI.create("https://api.telegram.org"))));
            }
            case "email" -> {
                c.rejectUnknown(union(common, "host", "port", "security", "username", "passwordFile", "from", "to"));
                String security = c.string("security").orElse("starttls");
                if (!SECURITY.contains(security)) {
                    c.problem("security", "'" + security + "' must be one of starttls, tls, none");
                }
                int port = c.integer("port", 1).orElse(security.equals("tls") ? 465 : 587);
                Optional<String> user = c.string("username");
                Optional<Path> password = c.has("passwordFile") ? Optional.of(secretFile(c, "passwordFile", true))
                        : Optional.empty();
                if (user.isPresent() != password.isPresent()) {
                    c.problem("username", "username and passwordFile go together (the SMTP login)");
                }
                List<String> to = c.strings("to").orElse(List.of());
                if (to.isEmpty()) {
                    c.problem("to", "is required: one or more addresses");
                }
                yield Optional.of(new NotificationsConfig.Email(name, events(c), c.requiredString("host").orElse(""),
                        port, security, user, password, c.requiredString("from").orElse(""), to));
            }
            case "webhook" -> {
                c.rejectUnknown(union(common, "url", "headers", "headerFiles", "template", "body"));
                String template = c.string("template").orElse("json");
                if (!TEMPLATES.contains(template)) {
                    c.problem("template", "'" + template + "' must be one of "
                            + String.join(", ", TEMPLATES.stream().sorted().toList()));
                }
                Map<String, Path> headerFiles = new LinkedHashMap<>();
                c.stringMap("headerFiles").forEach((header, file) -> {
                    if (!Files.isReadable(Path.of(file))) {
                        c.problem("headerFiles", header + ": " + file + " cannot be read");
                    }
                    headerFiles.put(header, Path.of(file));
                });
                yield Optional.of(new NotificationsConfig.Webhook(name, events(c),
                        requiredUrl(c, "url"), c.stringMap("headers"), headerFiles, template, c.string("body")));
            }
            case "heartbeat" -> {
                c.rejectUnknown(Set.of("name", "type", "plans"));
                Map<String, NotificationsConfig.Pings> pings = new LinkedHashMap<>();
                c.mapping("plans").ifPresentOrElse(p -> {
                    for (String plan : plans) {
                        p.mapping(plan).ifPresent(urls -> {
                            urls.rejectUnknown(Set.of("start", "success", "fail"));
                            pings.put(plan, new NotificationsConfig.Pings(url(urls, "start"), requiredUrl(urls, "success"),
                                    url(urls, "fail")));
                        });
                    }
                    p.rejectUnknown(plans);
                }, () -> c.problem("plans", "is required: the ping URLs of each plan"));
                yield Optional.of(new NotificationsConfig.Heartbeat(name, pings));
            }
            case "?" -> Optional.empty();
            default -> {
                c.problem("type", "'" + type + "' must be one of telegram, email, webhook, heartbeat");
                yield Optional.empty();
            }
        };
    }

    static AccessConfig access(YamlMapping m) {
        m.rejectUnknown(Set.of("users", "tokens"));
        Map<String, Role> users = new LinkedHashMap<>();
        m.stringMap("users").forEach((user, role) -> role(m, "users", role).ifPresent(r -> users.put(user, r)));
        List<AccessConfig.Token> tokens = new ArrayList<>();
        m.mappings("tokens").orElse(List.of()).forEach(t -> {
            t.rejectUnknown(Set.of("name", "file", "role"));
            String name = t.requiredString("name").orElse("?");
            Path file = secretFile(t, "file", true);
            role(t, "role", t.requiredString("role").orElse("viewer"))
                    .ifPresent(r -> tokens.add(new AccessConfig.Token(name, file, r)));
        });
        return new AccessConfig(users.isEmpty() ? AccessConfig.DEFAULT.users() : users, tokens);
    }

    private static Optional<Role> role(YamlMapping m, String field, String role) {
        Optional<Role> r = Role.byId(role);
        if (r.isEmpty()) {
            m.problem(field, "'" + role + "' is not a role (viewer, operator, admin)");
        }
        return r;
    }

    private static Set<String> events(YamlMapping c) {
        Set<String> events = new LinkedHashSet<>(c.strings("events").orElse(List.of(Topic.ALL)));
        Set<String> known = Stream.concat(Stream.of(Topic.ALL, Topic.FAILURES),
                Stream.of(Topic.values()).map(Topic::id)).collect(Collectors.toCollection(java.util.TreeSet::new));
        for (String e : events) {
            if (!known.contains(e)) {
                c.problem("events", "'" + e + "' is not an event (known: " + String.join(", ", known) + ")");
            }
        }
        return events;
    }

    private static Path secretFile(YamlMapping c, String key, boolean required) {
        Optional<String> file = required ? c.requiredString(key) : c.string(key);
        file.filter(f -> !Files.isReadable(Path.of(f))).ifPresent(f -> c.problem(key, f + " cannot be read"));
        return Path.of(file.orElse("/dev/null"));
    }

    private static URI requiredUrl(YamlMapping c, String key) {
        if (!c.has(key)) {
            c.requiredString(key);
        }
        return url(c, key).orElse(URI.create("http://invalid"));
    }

    private static Optional<URI> url(YamlMapping c, String key) {
        return c.string(key).flatMap(text -> {
            try {
                URI uri = new URI(text);
                if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
                    return Optional.of(uri);
                }
            } catch (URISyntaxException e) {
                // reported below
            }
            // the URL may hold a secret (a webhook's or a ping's token): name the field, never echo it
            c.problem(key, "is not an http(s) URL");
            return Optional.empty();
        });
    }

    private static Duration duration(YamlMapping m, String key, Duration fallback) {
        return m.string(key).map(text -> {
            try {
                return DurationText.parse(text);
            } catch (IllegalArgumentException e) {
                m.problem(key, e.getMessage());
                return fallback;
            }
        }).orElse(fallback);
    }

    private static Set<String> union(Set<String> a, String... more) {
        Set<String> all = new HashSet<>(a);
        all.addAll(List.of(more));
        return all;
    }
}
