package org.backrestsidecar.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Stands in for Backrest, which cannot be downloaded or built here: a small HTTP server on
 * 127.0.0.1 speaking the Connect JSON shapes in shared/reference/backrest.md — GetConfig, SetConfig
 * (modno must match, else failed_precondition; Backrest bumps it), DoRepoTask — behind HTTP Basic,
 * with a plain-text 401 as Backrest answers. It starts with a repo and a plan the operator made.
 *
 * <p>As Backrest v1.14.1 does (internal/config/validate.go, networksanitize.go, protojson): a stored
 * config has its repos and plans sorted by id and each repo's env and plan's paths sorted; GetConfig
 * leaves out fields at their default and empty lists, and masks user hashes (SetConfig puts the
 * stored hash back); unknown fields are dropped; every SetConfig bumps modno; a repo without a guid sent at run time is accepted (200) but its orchestrator then refuses
 * that config, which {@link #refusedConfigs()} counts.
 */
public final class FakeBackrest {
    public static final String USER = "admin";
    public static final String PASSWORD = "backrest-admin-password";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpServer server;
    private ObjectNode config;
    private final List<JsonNode> repoTasks = new ArrayList<>();
    private final List<JsonNode> setConfigs = new ArrayList<>();
    private int refusedConfigs;
    private volatile boolean down;
    private volatile int refuseModno;

    public FakeBackrest() throws IOException {
        config = (ObjectNode) JSON.readTree("""
                {"modno":7,"version":6,"instance":"%s",
                 "repos":[{"id":"offsite","uri":"sftp:backup@nas:/srv/restic","password":"operator-key-abcdefgh","guid":"%s"}],
                 "plans":[{"id":"photos","repo":"offsite","paths":["/userdata/photos"],"schedule":{"cron":"0 5 * * *"},
                   "retention":{"policyKeepLastN":10}}],
                 "auth":{"disabled":false,"users":[{"name":"admin","passwordBcrypt":"JDJhJDEwJGFiY2RlZmdoaWprbG1ub3BxcnN0dS5hYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMg=="}]}}
                """.formatted(TestDocker.INSTANCE, "a".repeat(64)));
        config = validated(config);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1.Backrest/", this::handle);
        // the UI's front page, so a proxy in front can be seen reaching it
        server.createContext("/", exchange -> reply(exchange, 200, "<html>backrest ui</html>"));
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** What GetConfig answers. */
    public synchronized JsonNode config() {
        return protojson(config, "");
    }

    public synchronized long modno() {
        return config.path("modno").asLong();
    }

    /** Configs whose repos lacked a guid: Backrest's orchestrator refused them (logged only). */
    public synchronized int refusedConfigs() {
        return refusedConfigs;
    }


    public synchronized List<JsonNode> repoTasks() {
        return List.copyOf(repoTasks);
    }

    public synchronized List<JsonNode> setConfigs() {
        return List.copyOf(setConfigs);
    }

    /** As if the operator deleted the plan in Backrest's UI. */
    public synchronized void removePlan(String id) {
        remove("plans", id);
    }

    /** As if the operator deleted the repo (and its plans) in Backrest's UI. */
    public synchronized void removeRepo(String id) {
        var plans = config.withArray("plans");
        for (int i = plans.size() - 1; i >= 0; i--) {
            if (plans.get(i).path("repo").asText().equals(id)) {
                plans.remove(i);
            }
        }
        remove("repos", id);
    }

    private void remove(String list, String id) {
        var items = config.withArray(list);
        for (int i = items.size() - 1; i >= 0; i--) {
            if (items.get(i).path("id").asText().equals(id)) {
                items.remove(i);
            }
        }
        config.put("modno", config.path("modno").asLong() + 1);
    }

    public void down(boolean down) {
        this.down = down;
    }

    /** The next {@code n} SetConfig calls fail as if someone else had just changed the config. */
    public void refuseNextSetConfigs(int n) {
        refuseModno = n;
    }

    public void stop() {
        server.stop(0);
    }

    private synchronized void handle(HttpExchange exchange) throws IOException {
        if (down) {
            reply(exchange, 503, "{\"code\":\"unavailable\",\"message\":\"backrest is restarting\"}");
            return;
        }
        String expected = "Basic " + Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
        if (!expected.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
            reply(exchange, 401, "Unauthorized");
            return;
        }
        String method = exchange.getRequestURI().getPath().substring("/v1.Backrest/".length());
        JsonNode body = JSON.readTree(exchange.getRequestBody());
        switch (method) {
            case "GetConfig" -> reply(exchange, 200, protojson(config, "").toString());
            case "SetConfig" -> {
                setConfigs.add(body);
                if (refuseModno > 0 || body.path("modno").asLong() != config.path("modno").asLong()) {
                    if (refuseModno > 0) {
                        refuseModno--;
                        config.put("modno", config.path("modno").asLong() + 1);
                    }
                    reply(exchange, 400, "{\"code\":\"failed_precondition\",\"message\":\"config modno mismatch, reload and try again\"}");
                    return;
                }
                ObjectNode next = validated(body);
                // Backrest rehydrates masked user hashes from its own copy
                if (next.path("auth").path("users").toString().contains("********") || !next.has("auth")) {
                    next.set("auth", config.get("auth"));
                }
                next.put("modno", config.path("modno").asLong() + 1);
                for (JsonNode repo : next.path("repos")) {
                    if (repo.path("guid").asText("").isEmpty()) {
                        refusedConfigs++;
                        break;
                    }
                }
                config = next;
                reply(exchange, 200, protojson(config, "").toString());
            }
            case "DoRepoTask" -> {
                repoTasks.add(body);
                reply(exchange, 200, "{}");
            }
            default -> reply(exchange, 404, "{\"code\":\"unimplemented\",\"message\":\"" + method + "\"}");
        }
    }

    private static final java.util.Set<String> CONFIG = java.util.Set.of("modno", "version", "instance", "repos",
            "plans", "auth", "sync");

    /** Unknown fields dropped, repos and plans sorted by id, env and paths sorted, as ValidateConfig leaves it. */
    private static ObjectNode validated(JsonNode body) {
        ObjectNode next = JSON.createObjectNode();
        body.fields().forEachRemaining(f -> {
            if (CONFIG.contains(f.getKey())) {
                next.set(f.getKey(), f.getValue().deepCopy());
            }
        });
        for (String list : List.of("repos", "plans")) {
            List<JsonNode> items = new ArrayList<>();
            next.path(list).forEach(items::add);
            items.sort(java.util.Comparator.comparing(n -> n.path("id").asText()));
            for (JsonNode item : items) {
                sortStrings((ObjectNode) item, list.equals("repos") ? "env" : "paths");
            }
            next.putArray(list).addAll(items);
        }
        return next;
    }

    private static void sortStrings(ObjectNode item, String field) {
        List<String> values = new ArrayList<>();
        item.path(field).forEach(v -> values.add(v.asText()));
        if (item.has(field)) {
            values.sort(null);
            var array = item.putArray(field);
            values.forEach(array::add);
        }
    }

    /** protojson's answer: defaults and empty lists left out, user hashes masked. */
    private static JsonNode protojson(JsonNode node, String name) {
        if (node.isObject()) {
            ObjectNode out = JSON.createObjectNode();
            node.fields().forEachRemaining(f -> {
                JsonNode v = f.getValue();
                boolean isDefault = v.isNull() || (v.isTextual() && v.asText().isEmpty())
                        || (v.isNumber() && v.asDouble() == 0) || (v.isBoolean() && !v.asBoolean())
                        || (v.isArray() && v.isEmpty());
                if (!isDefault) {
                    out.set(f.getKey(), f.getKey().equals("passwordBcrypt") && name.equals("users")
                            ? JSON.getNodeFactory().textNode("********") : protojson(v, f.getKey()));
                }
            });
            return out;
        }
        if (node.isArray()) {
            var out = JSON.createArrayNode();
            node.forEach(item -> out.add(protojson(item, name)));
            return out;
        }
        return node;
    }

    private static void reply(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", status == 401 ? "text/plain" : "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }
}
