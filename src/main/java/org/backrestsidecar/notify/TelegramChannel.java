package org.backrestsidecar.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import org.backrestsidecar.config.NotificationsConfig;

/**
 * Telegram's Bot API {@code sendMessage}, as the stack's own monitoring script uses it: plain text
 * (no parse mode, so nothing in an error message can break the markup), to one chat id.
 */
final class TelegramChannel implements Channel {
    /** Telegram refuses longer texts. */
    static final int MAX_TEXT = 4096;
    private final NotificationsConfig.Telegram config;
    private final ObjectMapper json;

    TelegramChannel(NotificationsConfig.Telegram config, ObjectMapper json) {
        this.config = config;
        this.json = json;
    }

    @Override
    public NotificationsConfig.Channel config() {
        return config;
    }

    @Override
    public String type() {
        return "telegram";
    }

    @Override
    public void deliver(Letter letter) throws DeliveryFailed {
        String token;
        try {
            token = Files.readString(config.botTokenFile(), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new DeliveryFailed("the bot token file " + config.botTokenFile() + " cannot be read");
        }
        String text = letter.notice().text();
        if (text.length() > MAX_TEXT) {
            text = text.substring(0, MAX_TEXT - 3) + "...";
        }
        var body = json.createObjectNode().put("chat_id", config.chatId()).put("text", text)
                .put("disable_web_page_preview", true);
        URI url = URI.create(config.apiUrl().toString().replaceFirst("/$", "") + "/bot" + token + "/sendMessage");
        HttpPost.Answer answer = HttpPost.send("POST", url, "application/json", body.toString(), Map.of());
        JsonNode reply;
        try {
            reply = json.readTree(answer.body());
        } catch (IOException e) {
            reply = null;
        }
        if (answer.ok() && reply != null && reply.path("ok").asBoolean(false)) {
            return;
        }
        String description = reply == null ? "HTTP " + answer.status() + " " + HttpPost.firstLine(answer.body())
                : reply.path("error_code").asInt(answer.status()) + " " + reply.path("description").asText("");
        int retryAfter = reply == null ? 0 : reply.path("parameters").path("retry_after").asInt(0);
        throw new DeliveryFailed("Telegram answered " + description.replace(token, "<bot token>").strip()
                + (retryAfter > 0 ? " (asks to wait " + retryAfter + " s)" : ""));
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("chatId", config.chatId());
        out.put("api", HttpPost.host(config.apiUrl()));
        return out;
    }
}
