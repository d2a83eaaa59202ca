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
 *   <li>plan {@code pitr}, repo {@code pitr}: the point-in-time scenario's wal-mode Postgres, streaming
 *       into a repo of its own, copied after each good run to copy {@code offsite} (SFTP).</li>
 * </ul>
 * The plans the shipped config has keep its schedules (a page test reads them; hourly fires on purpose);
 * the scenarios' own plans run on January 1st only, so a scheduled run never lands amid a scenario.
 */
public class SidecarStack implements QuarkusTestResourceLifecycleManager {
    public static final List<String> REPOS = List.of("critical", "models", "system", "spare", "drills", "pitr");
    /** The scenarios' Postgres targets in wal mode: their spools are host folders the proxy must allow. */
    public static final List<String> WAL_TARGETS = List.of("pg-pitr", "pg-yield-wal", "pg-paced");
    /** The operators' scripts send it; RestAssured sends it on every request of the scenarios. */
    public static final String API_TOKEN = "test-api-token-0123456789abcdef";
    private static Path root;
    private static PostgresContainer main;
    private static FakeBackrest backrest;
    private static PostgresContainer dying;
    /** Not named with TestDocker's prefix: a test's removeLeftovers must not take it from under the stack. */
    private static DockerApiProxy proxy;

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
            "hooks", "budget", "restoring", "handmade", "alerting", "yielding", "following", "asked", "repeated");
    /** The SMTP login and the address mail goes to. */
    public static final String SMTP_USER = "sidecar";
    public static final String SMTP_PASSWORD = "smtp-secret-0123456789";
    public static final String MAIL_TO = "ops@example.test";
    /** The secret part of the webhook's URL, as Slack's incoming webhooks have one. */
    public static final String WEBHOOK_PATH = "/services/T0001/B0001/webhookSecret0123456789";
    public static final String PING_ID = "5f1c1e0a-ping-secret-0001";
    /** A second token, for a CI job: may back up, may not restore. */
    public static final String OPERATOR_TOKEN = "operator-token-for-ci-0123456789";
    private static com.icegreen.greenmail.util.GreenMail smtp;
    private static FakeTelegram telegram;
    private static RecordingServer webhook;
    private static RecordingServer pings;
    private static SftpServer sftp;
    private static RestServer rest;
    private static RestServer vault;
    private static S3Server s3;

    /** The SFTP server copy {@code sftp} of repo {@code away} goes to. */
    public static SftpServer sftp() {
        return sftp;
    }

    /** The append-only REST server (rclone {@code --append-only}) copy {@code vault} of repo {@code away} goes to. */
    public static RestServer vault() {
        return vault;
    }

    /** The REST server (rclone) copy {@code rest} of repo {@code away} goes to. */
    public static RestServer rest() {
        return rest;
    }

    /**
     * Repo {@code away} (plan {@code away}) with two copies: {@code sftp} (a real sshd) and
     * {@code rest} (a real rclone REST server, limited to 4 MiB/s and 4 MiB packs so a test can catch it
     * mid-copy with whole packs sent).
     */
    private static String awayRepo(Path root) throws IOException, InterruptedException {
        sftp = SftpServer.start(root);
        Files.createDirectories(root.resolve("rest"));
        rest = new RestServer(root.resolve("rest")).start();
        Files.createDirectories(root.resolve("vault"));
        vault = new RestServer(root.resolve("vault"), true).start();
        s3 = S3Server.start(root.resolve("s3"));
        Files.writeString(root.resolve("s3-access-key"), S3Server.ACCESS_KEY + "\n");
        Files.writeString(root.resolve("s3-secret-key"), S3Server.SECRET_KEY + "\n");
        SecureRandom random = new SecureRandom();
        for (String id : List.of("away", "away-sftp", "away-rest", "away-s3", "away-vault")) {
            byte[] key = new byte[32];
            random.nextBytes(key);
            Files.writeString(key(id), Base64.getEncoder().encodeToString(key) + "\n");
        }
        return """
                  - id: away
                    uri: %s
                    keyFile: %s
                    copies:
                      - id: sftp
                        uri: sftp:offsite@127.0.0.1:/srv/copies/away
                        keyFile: %s
                        options:
                          sftp.command: "%s"
                      - id: rest
                        uri: %s/away
                        keyFile: %s
                        limitUpload: 4096
                        # packs of 4 MiB (restic's least), so a copy killed midway has sent whole ones
                        env: {RESTIC_PACK_SIZE: "4"}
                      # every read of a cloud store is paid for: its structure is checked, its data not read back
                      - id: s3
                        uri: %s
                        keyFile: %s
                        readBack: false
                        envFiles:
                          AWS_ACCESS_KEY_ID: %s
                          AWS_SECRET_ACCESS_KEY: %s
                      # only added to: its server refuses deletes, and its retention (one day's
                      # newest for three days) runs there
                      - id: vault
                        uri: %s/away
                        keyFile: %s
                        appendOnly: true
                        retention: {daily: 3}
                """.formatted(repo("away"), key("away"), key("away-sftp"), sftp.command(), rest.url(), key("away-rest"),
                s3.uri("offsite", "away"), key("away-s3"), root.resolve("s3-access-key"), root.resolve("s3-secret-key"),
                vault.url(), key("away-vault"));
    }

    /** The copy {@code id} of repo away as restic's own command line reaches it. */
    public static String awayCopyUri(String id) {
        return switch (id) {
            case "sftp" -> "sftp:offsite@127.0.0.1:/srv/copies/away";
            case "s3" -> s3.uri("offsite", "away");
            case "vault" -> vault.url() + "/away";
            default -> rest.url() + "/away";
        };
    }

    public static Map<String, String> awayCopyOptions(String id) {
        return id.equals("sftp") ? Map.of("sftp.command", sftp.command()) : Map.of();
    }

    /** A real SMTP server (GreenMail) that takes the sidecar's mail. */
    public static com.icegreen.greenmail.util.GreenMail smtp() {
        return smtp;
    }

    public static FakeTelegram telegram() {
        return telegram;
    }

    /** Stands in for a Slack incoming webhook. */
    public static RecordingServer webhook() {
        return webhook;
    }

    /** Stands in for healthchecks.io: records the pings. */
    public static RecordingServer pings() {
        return pings;
    }

    private static String notifications(Path root) throws IOException {
        smtp = new com.icegreen.greenmail.util.GreenMail(
                new com.icegreen.greenmail.util.ServerSetup(0, "127.0.0.1", "smtp").dynamicPort());
        smtp.setUser(MAIL_TO, SMTP_USER, SMTP_PASSWORD);
        smtp.start();
        telegram = new FakeTelegram();
        webhook = new RecordingServer(r -> RecordingServer.Answer.ok("text/html", "ok"));
        pings = new RecordingServer(r -> RecordingServer.Answer.ok("text/plain", "OK"));
        Files.writeString(root.resolve("telegram-token"), FakeTelegram.TOKEN + "\n");
        Files.writeString(root.resolve("smtp-password"), SMTP_PASSWORD + "\n");
        Files.writeString(root.resolve("operator-token"), OPERATOR_TOKEN + "\n");
        String ping = pings.url() + "/" + PING_ID;
        return """
                notifications:
                  remindEvery: 1h
                  retryAfter: 1s
                  checkEvery: 2s
                  diskThresholds: [1, 99]
                  backrestOutOfStep: 3s
                  channels:
                    - name: telegram
                      type: telegram
                      events: [failures]
                      botTokenFile: %s
                      chatId: "%s"
                      apiUrl: %s
                    - name: mail
                      type: email
                      events: [all]
                      host: 127.0.0.1
                      port: %d
                      security: none
                      username: %s
                      passwordFile: %s
                      from: sidecar@test-host.example
                      to: [%s]
                    - name: chat
                      type: webhook
                      events: [backup-failed, restore]
                      url: %s
                      template: slack
                    - name: pings
                      type: heartbeat
                      plans:
                        alerting:
                          start: %s/start
                          success: %s
                          fail: %s/fail
                access:
                  users:
                    admin: admin
                    otto: operator
                    vera: viewer
                  tokens:
                    - name: ci
                      file: %s
                      role: operator
                """.formatted(root.resolve("telegram-token"), FakeTelegram.CHAT, telegram.url(),
                smtp.getSmtp().getPort(), SMTP_USER, root.resolve("smtp-password"), MAIL_TO,
                webhook.url() + WEBHOOK_PATH, ping, ping, ping, root.resolve("operator-token"));
    }

    private static String scenarioPlans() {
        StringBuilder plans = new StringBuilder();
        for (String plan : SCENARIO_PLANS) {
            plans.append("  - id: ").append(plan).append("\n    repo: models\n    schedule: \"0 4 1 1 *\"\n");
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
            String away = awayRepo(root);
            StringBuilder repos = new StringBuilder();
            for (String id : List.of(REPOS, List.of("pitr-offsite")).stream().flatMap(List::stream).toList()) {
                byte[] key = new byte[32];
                random.nextBytes(key);
                Files.writeString(key(id), Base64.getEncoder().encodeToString(key) + "\n");
                if (REPOS.contains(id)) {
                    repos.append("  - id: ").append(id).append("\n    uri: ").append(repo(id))
                            .append("\n    keyFile: ").append(key(id)).append("\n");
                }
                if (id.equals("pitr")) {
                    // the wal-mode plan's repo has an offsite copy on the SFTP server, to drill a base and its WAL from
                    repos.append("""
                                copies:
                                  - id: offsite
                                    uri: sftp:offsite@127.0.0.1:/srv/copies/pitr
                                    keyFile: %s
                                    options:
                                      sftp.command: "%s"
                            """.formatted(key("pitr-offsite"), sftp.command()));
                }
            }
            backrest = new FakeBackrest();
            Files.writeString(root.resolve("backrest-password"), FakeBackrest.PASSWORD + "\n");
            Path config = root.resolve("sidecar.yml");
            Files.writeString(config, """
                    instance: %s
                    composeProject: %s
                    timeZone: UTC
                    stateDir: %s
                    helperImage: %s
                    drills:
                      readBackIn: 4
                    backrest:
                      url: %s
                      username: %s
                      passwordFile: %s
                    repos:
                    %s
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
                        schedule: "0 4 1 1 *"
                      - id: away
                        schedule: "0 4 1 1 *"
                      - id: pitr
                        repo: pitr
                        schedule: "0 4 1 1 *"
                    %s
                    %s""".formatted(TestDocker.INSTANCE, TestDocker.PROJECT, root.resolve("state"), TestDocker.IMAGE, backrest.url(), FakeBackrest.USER,
                    root.resolve("backrest-password"), repos.toString().stripTrailing().indent(0),
                    away.stripTrailing(), scenarioPlans(), notifications(root)));

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
            // a copy to a server the test kills gives up after 20 s of failing, not 2 minutes
            // every scenario's Docker calls go through the proxy with the bundle's config; helpers of
            // this sidecar on the host bind its repos and its WAL spools, each allowed by its exact
            // folder (DOCKER_API_BIND_FROM allows no folder under one it names)
            List<String> folders = new java.util.ArrayList<>();
            for (String id : REPOS) {
                folders.add(repo(id).toString());
            }
            folders.add(repo("away").toString());
            // a drill from a copy reads it through a local repo of its own (drill/FromCopy)
            for (String copy : List.of("sftp", "rest", "s3", "vault")) {
                folders.add(root.resolve("state").resolve("drill-from-copy").resolve("away-" + copy).toString());
            }
            for (String walTarget : WAL_TARGETS) {
                folders.add(root.resolve("state").resolve("wal").resolve(walTarget).toString());
            }
            proxy = DockerApiProxy.start("bsc-stack-docker-proxy-" + TestDocker.INSTANCE, String.join("|", folders));
            return Map.of("sidecar.restic.unreachable-after", "20s",
                    "sidecar.config", config.toString(), "sidecar.health.repo-recheck", "0s",
                    // a failed hole-closing base backup tried again at the archiver's next round, not a minute on
                    "sidecar.wal.hole-retry", "15s",
                    "sidecar.api.token-file", root.resolve("api-token").toString(),
                    // the tests' small dumps streamed into pg_restore in several parts, as a large one is
                    "sidecar.restore.part-bytes", "4096",
                    "sidecar.docker.host", proxy.host());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void stop() {
        if (smtp != null) {
            smtp.stop();
            sftp.stop();
            s3.stop();
            try {
                rest.kill();
                vault.kill();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            telegram.stop();
            webhook.stop();
            pings.stop();
        }
        if (backrest != null) {
            backrest.stop();
        }
        if (proxy != null) {
            proxy.remove();
        }
        if (main != null) {
            main.remove();
        }
        if (dying != null) {
            dying.remove();
        }
    }
}
