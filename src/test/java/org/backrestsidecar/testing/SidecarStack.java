package org.backrestsidecar.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * What the @QuarkusTest scenarios run against: a key per repo, restic repos in a temporary folder,
 * a sidecar.yml naming them, and real labelled Postgres containers on the local Docker engine.
 *
 * <ul>
 *   <li>plan {@code critical}: container {@code pg-main}, databases app and auth with known rows;</li>
 *   <li>plan {@code system}: container {@code pg-dying}, whose dump a scenario kills halfway;</li>
 *   <li>plan {@code models}: nothing at start; the discovery scenario starts a container into it;</li>
 *   <li>plan {@code hourly}, repo {@code spare}: no targets, a 15 s recovery-point objective, for the
 *       health transitions;</li>
 *   <li>{@link #SCENARIO_PLANS}, repo {@code models}: empty; each file-copy scenario starts its own
 *       containers into its own plan;</li>
 *   <li>plan {@code drilling}, repo {@code drills}: the drill scenario's own repo, which it damages.</li>
 * </ul>
 */
public class SidecarStack implements QuarkusTestResourceLifecycleManager {
    public static final List<String> REPOS = List.of("critical", "models", "system", "spare", "drills");
    /** The operators' scripts send it; RestAssured sends it on every request of the scenarios. */
    public static final String API_TOKEN = "test-api-token-0123456789abcdef";
    private static Path root;
    private static PostgresContainer main;
    private static FakeBackrest backrest;
    private static PostgresContainer dying;

    public static Path root() {
        return root;
    }

    public static Path repo(String id) {
        return root.resolve("repos").resolve(id);
    }

    public static Path key(String id) {
        return root.resolve("keys").resolve(id + ".key");
    }

    /** The stand-in for Backrest the sidecar keeps in sync (see {@link FakeBackrest}). */
    public static FakeBackrest backrest() {
        return backrest;
    }

    public static PostgresContainer main() {
        return main;
    }

    public static PostgresContainer dying() {
        return dying;
    }

    /** The labels Compose and the operator would put on a Postgres service. */
    public static Map<String, String> labels(String service, String plan, String... more) {
        return serviceLabels(service, plan, "postgres", more);
    }

    /** The labels of a service of any strategy; {@code more} are extra key, value pairs. */
    public static Map<String, String> serviceLabels(String service, String plan, String strategy, String... more) {
        var labels = new java.util.HashMap<>(Map.of("backup.enable", "true", "backup.plan", plan,
                "backup.strategy", strategy, "com.docker.compose.service", service));
        for (int i = 0; i + 1 < more.length; i += 2) {
            labels.put(more[i], more[i + 1]);
        }
        return labels;
    }

    /** One plan per file-copy scenario, all in the models repo, so a scenario's containers are its own. */
    public static final List<String> SCENARIO_PLANS = List.of("redis", "sqlite", "files", "pausing", "stopping",
            "hooks", "budget", "restoring", "handmade");

    private static String scenarioPlans() {
        StringBuilder plans = new StringBuilder();
        for (String plan : SCENARIO_PLANS) {
            plans.append("  - id: ").append(plan).append("\n    repo: models\n    schedule: \"0 4 * * *\"\n");
        }
        return plans.toString().stripTrailing();
    }

    @Override
    public Map<String, String> start() {
        try {
            TestDocker.removeLeftovers();
            root = Files.createTempDirectory("bsc-stack");
            Files.createDirectories(root.resolve("keys"));
            Files.createDirectories(root.resolve("repos"));
            SecureRandom random = new SecureRandom();
            StringBuilder repos = new StringBuilder();
            for (String id : REPOS) {
                byte[] key = new byte[32];
                random.nextBytes(key);
                Files.writeString(key(id), Base64.getEncoder().encodeToString(key) + "\n");
                repos.append("  - id: ").append(id).append("\n    uri: ").append(repo(id))
                        .append("\n    keyFile: ").append(key(id)).append("\n");
            }
            backrest = new FakeBackrest();
            Files.writeString(root.resolve("backrest-password"), FakeBackrest.PASSWORD + "\n");
            Path config = root.resolve("sidecar.yml");
            Files.writeString(config, """
                    instance: test-host
                    timeZone: UTC
                    stateDir: %s
                    helperImage: %s
                    backrest:
                      url: %s
                      username: %s
                      passwordFile: %s
                    repos:
                    %s
                    plans:
                      - id: critical
                        schedule: "0 2 * * *"
                      - id: models
                        schedule: "0 3 * * 0"
                      - id: system
                        schedule: "0 1 * * 0"
                      - id: hourly
                        repo: spare
                        schedule: "0 * * * *"
                        rpo: 15s
                      - id: drilling
                        repo: drills
                        schedule: "0 4 * * *"
                    %s
                    """.formatted(root.resolve("state"), TestDocker.IMAGE, backrest.url(), FakeBackrest.USER,
                    root.resolve("backrest-password"), repos.toString().stripTrailing().indent(0),
                    scenarioPlans()));

            main = PostgresContainer.start("pg-main", labels("pg-main", "critical"));
            main.sql("postgres", "CREATE DATABASE app");
            main.sql("postgres", "CREATE DATABASE auth");
            main.sql("postgres", "CREATE ROLE reader LOGIN PASSWORD 'reader-secret'");
            main.sql("app", "CREATE TABLE items (id int PRIMARY KEY, name text, payload bytea);"
                    + "INSERT INTO items SELECT g, 'item ' || g, decode(md5(g::text), 'hex') FROM generate_series(1, 5000) g");
            main.sql("auth", "CREATE TABLE users (id int PRIMARY KEY, email text);"
                    + "INSERT INTO users SELECT g, 'user' || g || '@example.test' FROM generate_series(1, 300) g");

            dying = PostgresContainer.start("pg-dying", labels("pg-dying", "system", "backup.postgres.databases", "shop"));
            dying.sql("postgres", "CREATE DATABASE shop");
            dying.sql("shop", "CREATE TABLE a_first (id int PRIMARY KEY);"
                    + "INSERT INTO a_first SELECT generate_series(1, 1000);"
                    + "CREATE TABLE big (id int PRIMARY KEY, filler text);"
                    + "INSERT INTO big SELECT g, repeat(md5(g::text), 8) FROM generate_series(1, 400000) g");
            Files.writeString(root.resolve("api-token"), API_TOKEN + "\n");
            // every scenario request carries the token, unless the test sets its own Authorization
            io.restassured.RestAssured.filters((request, response, next) -> {
                if (!request.getHeaders().hasHeaderWithName("Authorization")) {
                    request.header("Authorization", "Bearer " + API_TOKEN);
                }
                return next.next(request, response);
            });
            return Map.of("sidecar.config", config.toString(), "sidecar.health.repo-recheck", "0s",
                    "sidecar.api.token-file", root.resolve("api-token").toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        if (backrest != null) {
            backrest.stop();
        }
        if (main != null) {
            main.remove();
        }
        if (dying != null) {
            dying.remove();
        }
    }
}
