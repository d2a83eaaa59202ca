package org.backrestsidecar.backrest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.backrestsidecar.config.BackrestConnection;

/**
 * Backrest's Connect RPC API as plain HTTP + JSON: {@code POST /v1.Backrest/<Method>} with a
 * protojson body, HTTP Basic when Backrest's login is on. The password file is read per call, so a
 * changed password needs no restart.
 */
public final class BackrestClient {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private final BackrestConnection connection;
    private final ObjectMapper json;
    private final HttpClient http = HttpClient.newBuilder()
            // Backrest's server speaks HTTP/1.1 (and h2 only over TLS): no h2c upgrade attempt
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    public BackrestClient(BackrestConnection connection, ObjectMapper json) {
        this.connection = connection;
        this.json = json;
    }

    public JsonNode getConfig() throws BackrestException {
        return call("GetConfig", json.createObjectNode());
    }

    /** Backrest refuses (failed_precondition) unless {@code config.modno} is the one it holds. */
    public JsonNode setConfig(JsonNode config) throws BackrestException {
        return call("SetConfig", config);
    }

    /** Makes Backrest list the repo's snapshots now, so ours show under their plans at once. */
    public void indexSnapshots(String repoId) throws BackrestException {
        call("DoRepoTask", json.valueToTree(Map.of("repoId", repoId, "task", "TASK_INDEX_SNAPSHOTS")));
    }

    JsonNode call(String method, JsonNode body) throws BackrestException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(connection.url() + "/v1.Backrest/" + method))
                .timeout(TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        if (connection.username().isPresent() && connection.passwordFile().isPresent()) {
            String password;
            try {
                password = Files.readString(connection.passwordFile().get(), StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw new BackrestException("unauthenticated", "cannot read Backrest's password file: " + e.getMessage());
            }
            String basic = connection.username().get() + ":" + password;
            request.header("Authorization", "Basic "
                    + Base64.getEncoder().encodeToString(basic.getBytes(StandardCharsets.UTF_8)));
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new BackrestException("unavailable", "Backrest at " + connection.url() + " does not answer: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackrestException("canceled", "interrupted while calling Backrest");
        }
        if (response.statusCode() / 100 != 2) {
            String code = "unknown";
            String message = response.body();
            try {
                JsonNode error = json.readTree(response.body());
                code = error.path("code").asText(code);
                message = error.path("message").asText(message);
            } catch (IOException e) {
                // Backrest's 401 is plain text
            }
            throw new BackrestException(code, "Backrest " + method + " answered " + response.statusCode() + ": "
                    + message.strip());
        }
        try {
            return json.readTree(response.body().isBlank() ? "{}" : response.body());
        } catch (IOException e) {
            throw new BackrestException("internal", "Backrest " + method + " answered with JSON we cannot read");
        }
    }
}
