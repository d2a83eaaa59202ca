package org.backrestsidecar.stack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.backrestsidecar.testing.TestDocker;

/**
 * Data in every kind of target of the bundle, and its fingerprint: Postgres rows in two databases
 * (one owned by a role of its own), Redis keys, Open WebUI's chats and an upload, an Ollama model blob.
 */
final class StackData {
    /** Runs a command in the bundle's folder. */
    interface Shell {
        String run(List<String> command, Duration limit) throws IOException, InterruptedException;
    }

    private StackData() {
    }

    static void seed(Shell sh) throws IOException, InterruptedException {
        psql(sh, "postgres", "CREATE ROLE reporter LOGIN PASSWORD 'r3p0rt'");
        psql(sh, "postgres", "CREATE DATABASE notes OWNER reporter");
        psql(sh, "notes", "CREATE TABLE note (id serial PRIMARY KEY, body text); ALTER TABLE note OWNER TO reporter;"
                + " INSERT INTO note (body) SELECT 'note ' || g FROM generate_series(1, 500) g");
        psql(sh, "app", "CREATE TABLE orders (id int PRIMARY KEY, amount numeric);"
                + " INSERT INTO orders SELECT g, g * 1.5 FROM generate_series(1, 2000) g");
        exec(sh, "redis", "REDISCLI_AUTH=\"$REDIS_PASSWORD\" redis-cli set session:1 alpha >/dev/null"
                + " && REDISCLI_AUTH=\"$REDIS_PASSWORD\" redis-cli hset user:1 name vera role admin >/dev/null");
        exec(sh, "open-webui", "sqlite3 /app/backend/data/webui.db \"INSERT INTO chat (body) VALUES ('about backups')\""
                + " && head -c 200000 /dev/urandom > /app/backend/data/uploads/report.bin");
        exec(sh, "ollama", "head -c 3000000 /dev/urandom > /root/.ollama/models/blobs/sha256-tiny"
                + " && echo '{\"layers\":[]}' > /root/.ollama/models/manifests/registry.ollama.ai/library/tiny");
    }

    static Map<String, String> fingerprint(Shell sh) throws IOException, InterruptedException {
        Map<String, String> f = new TreeMap<>();
        f.put("app.orders", psql(sh, "app", "SELECT md5(string_agg(id || ':' || amount, ',' ORDER BY id)) FROM orders"));
        f.put("notes.note", psql(sh, "notes", "SELECT md5(string_agg(id || ':' || body, ',' ORDER BY id)) FROM note"));
        f.put("notes owner", psql(sh, "postgres", "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'notes'"));
        f.put("role reporter", psql(sh, "postgres", "SELECT rolcanlogin FROM pg_roles WHERE rolname = 'reporter'"));
        f.put("redis", exec(sh, "redis", "export REDISCLI_AUTH=\"$REDIS_PASSWORD\"; redis-cli get session:1;"
                + " redis-cli hgetall user:1; redis-cli dbsize"));
        f.put("open-webui", exec(sh, "open-webui", "cd /app/backend/data && sqlite3 webui.db \"SELECT group_concat(body, '|')"
                + " FROM chat\" && sha256sum uploads/report.bin"));
        f.put("ollama", exec(sh, "ollama", "cd /root/.ollama/models && sha256sum blobs/sha256-tiny"
                + " manifests/registry.ollama.ai/library/tiny"));
        return f;
    }

    /** Brings copy {@code copy} of every repo up to date now, and waits for it. */
    static void awaitCopies(Shell sh, Path bundle, String copy, List<String> repos) throws Exception {
        String token = Files.readString(bundle.resolve("secrets/sidecar-api-token")).strip();
        Instant asked = Instant.now().minusSeconds(1);
        for (String repo : repos) {
            api(sh, token, "POST", "/api/repos/" + repo + "/copies/" + copy + "/runs");
        }
        ObjectMapper json = new ObjectMapper();
        String[] last = {""};
        TestDocker.await("copy " + copy + " of " + repos + " up to date", Duration.ofMinutes(6), Duration.ofSeconds(1), () -> {
            try {
                last[0] = api(sh, token, "GET", "/api/repos/copies");
                int done = 0;
                for (JsonNode state : json.readTree(last[0])) {
                    if (state.path("copy").asText().equals(copy) && !state.path("running").asBoolean()
                            && !state.path("lastSuccess").isNull() && !state.path("lastSuccess").isMissingNode()
                            && Instant.parse(state.path("lastSuccess").asText()).isAfter(asked)) {
                        done++;
                    }
                }
                return done == repos.size();
            } catch (IOException | InterruptedException e) {
                return false;
            }
        });
    }

    private static String api(Shell sh, String token, String method, String path) throws IOException, InterruptedException {
        return sh.run(List.of("docker-compose", "exec", "-T", "sidecar", "curl", "-sS", "-X", method, "-H",
                "Authorization: Bearer " + token, "http://127.0.0.1:8080" + path), Duration.ofMinutes(1));
    }

    private static String psql(Shell sh, String database, String sql) throws IOException, InterruptedException {
        return sh.run(List.of("docker-compose", "exec", "-T", "postgres", "psql", "-X", "-v", "ON_ERROR_STOP=1", "-U",
                "postgres", "-d", database, "-Atc", sql), Duration.ofMinutes(1)).strip();
    }

    private static String exec(Shell sh, String service, String script) throws IOException, InterruptedException {
        return sh.run(List.of("docker-compose", "exec", "-T", service, "sh", "-c", script), Duration.ofMinutes(1)).strip();
    }
}
