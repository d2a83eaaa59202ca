package org.backrestsidecar.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for Telegram's Bot API, which cannot be reached from here. It answers
 * {@code POST /bot<token>/sendMessage} as the real API does (checked against core.telegram.org's
 * Bot API reference): {@code {"ok":true,"result":{message}}} on success; for a wrong token 401
 * {@code {"ok":false,"error_code":401,"description":"Unauthorized"}}; for an unknown chat 400
 * "Bad Request: chat not found"; for an empty text 400 "Bad Request: message text is empty"; for a
 * text over 4096 characters 400 "Bad Request: message is too long".
 */
public class FakeTelegram {
    public static final String TOKEN = "123456789:AAHfakeTokenForTests_0123456789abcd";
    public static final String CHAT = "-1001234567890";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final AtomicInteger messageIds = new AtomicInteger();
    private final RecordingServer server = new RecordingServer(this::answer);

    private RecordingServer.Answer answer(RecordingServer.Request request) {
        if (!request.path().equals("/bot" + TOKEN + "/sendMessage")) {
            return error(request.path().endsWith("/sendMessage") ? 401 : 404,
                    request.path().endsWith("/sendMessage") ? "Unauthorized" : "Not Found");
        }
        JsonNode body;
        try {
            body = JSON.readTree(request.body());
        } catch (Exception e) {
            return error(400, "Bad Request: message text is empty");
        }
        if (!CHAT.equals(body.path("chat_id").asText())) {
            return error(400, "Bad Request: chat not found");
        }
        String text = body.path("text").asText("");
        if (text.isEmpty()) {
            return error(400, "Bad Request: message text is empty");
        }
        if (text.length() > 4096) {
            return error(400, "Bad Request: message is too long");
        }
        var result = JSON.createObjectNode();
        result.put("message_id", messageIds.incrementAndGet());
        result.putObject("from").put("id", 123456789).put("is_bot", true).put("first_name", "backups");
        result.putObject("chat").put("id", Long.parseLong(CHAT)).put("title", "ops").put("type", "supergroup");
        result.put("date", Instant.now().getEpochSecond());
        result.put("text", text);
        var reply = JSON.createObjectNode().put("ok", true);
        reply.set("result", result);
        return RecordingServer.Answer.ok("application/json", reply.toString());
    }

    private static RecordingServer.Answer error(int code, String description) {
        return new RecordingServer.Answer(code, "application/json", JSON.createObjectNode().put("ok", false)
                .put("error_code", code).put("description", description).toString());
    }

    public String url() {
        return server.url();
    }

    /** The texts of the messages Telegram accepted, oldest first. */
    public List<String> texts() {
        return server.requests().stream().filter(r -> r.path().endsWith("/sendMessage")).map(r -> {
            try {
                return JSON.readTree(r.body()).path("text").asText();
            } catch (Exception e) {
                return "";
            }
        }).toList();
    }

    public void stop() {
        server.stop();
    }
}
