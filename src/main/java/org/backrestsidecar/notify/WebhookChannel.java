package org.backrestsidecar.notify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import org.backrestsidecar.config.NotificationsConfig;

/**
 * A POST to any URL, shaped by a small template for the services people use: Slack and Mattermost
 * ({@code text}), Discord ({@code content}), ntfy (text body, title and priority in headers),
 * Gotify ({@code title}, {@code message}, {@code priority}), or the whole notice as {@code json}.
 */
final class WebhookChannel implements Channel {
    /** Discord refuses longer contents. */
    static final int DISCORD_MAX = 2000;
    private final NotificationsConfig.Webhook config;
    private final ObjectMapper json;

    WebhookChannel(NotificationsConfig.Webhook config, ObjectMapper json) {
        this.config = config;
        this.json = json;
    }

    @Override
    public NotificationsConfig.Channel config() {
        return config;
    }

    @Override
    public String type() {
        return "webhook";
    }

    @Override
    public void deliver(Letter letter) throws DeliveryFailed {
        Notice n = letter.notice();
        Map<String, String> headers = new LinkedHashMap<>(config.headers());
        for (var e : config.headerFiles().entrySet()) {
            try {
                headers.put(e.getKey(), Files.readString(e.getValue(), StandardCharsets.UTF_8).strip());
            } catch (IOException ex) {
                throw new DeliveryFailed("the file of header " + e.getKey() + " (" + e.getValue() + ") cannot be read");
            }
        }
        String contentType = "application/json";
        String body;
        if (config.body().isPresent()) {
            body = fill(config.body().get(), n);
        } else {
            switch (config.template()) {
                case "slack", "mattermost" -> body = json.createObjectNode().put("text", n.text()).toString();
                case "discord" -> body = json.createObjectNode().put("content", cut(n.text(), DISCORD_MAX)).toString();
                case "gotify" -> body = json.createObjectNode().put("title", n.subject()).put("message", n.text())
                        .put("priority", n.kind() == Notice.Kind.PROBLEM || n.kind() == Notice.Kind.STILL ? 8 : 4)
                        .toString();
                case "ntfy" -> {
                    contentType = "text/plain; charset=utf-8";
                    body = n.text();
                    headers.putIfAbsent("Title", n.subject());
                    headers.putIfAbsent("Priority", n.kind() == Notice.Kind.PROBLEM ? "high" : "default");
                    headers.putIfAbsent("Tags", n.kind() == Notice.Kind.RECOVERED ? "white_check_mark"
                            : n.failure() ? "warning" : "information_source");
                }
                default -> body = whole(n).toString();
            }
        }
        HttpPost.Answer answer = HttpPost.send("POST", config.url(), contentType, body, headers);
        if (!answer.ok()) {
            throw new DeliveryFailed(HttpPost.host(config.url()) + " answered HTTP " + answer.status() + " "
                    + HttpPost.firstLine(answer.body()));
        }
    }

    ObjectNode whole(Notice n) {
        ObjectNode node = json.createObjectNode().put("topic", n.topic().id()).put("kind", n.kind().name().toLowerCase())
                .put("subject", n.subject()).put("title", n.title()).put("text", n.text()).put("hint", n.hint())
                .put("at", n.at().toString());
        ObjectNode where = node.putObject("where");
        n.where().forEach(where::put);
        n.error().forEach(node.putArray("error")::add);
        return node;
    }

    /** {{subject}}, {{title}}, {{text}}, {{kind}}, {{topic}}, {{hint}}: JSON-escaped, for a JSON body. */
    private String fill(String template, Notice n) {
        Map<String, String> values = Map.of("subject", n.subject(), "title", n.title(), "text", n.text(),
                "kind", n.kind().name().toLowerCase(), "topic", n.topic().id(), "hint", n.hint());
        String out = template;
        for (var e : values.entrySet()) {
            String quoted = json.getNodeFactory().textNode(e.getValue()).toString();
            out = out.replace("{{" + e.getKey() + "}}", quoted.substring(1, quoted.length() - 1));
        }
        return out;
    }

    private static String cut(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max - 3) + "...";
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("url", HttpPost.host(config.url()));
        out.put("template", config.body().isPresent() ? "custom body" : config.template());
        out.put("headers", config.headers().keySet().stream().sorted().toList());
        return out;
    }
}
