package org.backrestsidecar.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loader's messages are what an operator sees when start-up is refused: they must point at the line. */
class ConfigLoaderTest {
    @TempDir
    Path dir;

    private Path key(String name, String content) throws IOException {
        Path k = dir.resolve(name + ".key");
        Files.writeString(k, content);
        return k;
    }

    private Path yaml(String text) throws IOException {
        Path f = dir.resolve("sidecar.yml");
        Files.writeString(f, text);
        return f;
    }

    private String validRepos() throws IOException {
        return """
                repos:
                  - id: critical
                    uri: /repos/critical
                    keyFile: %s
                  - id: models
                    keyFile: %s
                """.formatted(key("critical", "critical-key-0123456789"), key("models", "models-key-0123456789"));
    }

    private List<String> problems(String text) throws IOException {
        Path f = yaml(text);
        return assertThrows(ConfigException.class, () -> ConfigLoader.load(f)).problems();
    }

    @Test
    void aGoodFileIsReadIntoTypedPlans() throws IOException {
        SidecarConfig c = ConfigLoader.load(yaml("""
                instance: host1
                timeZone: Europe/Berlin
                composeProject: ai
                %s
                plans:
                  - id: critical
                    schedule: "0 2 * * *"
                    retention: {daily: 7, weekly: 4, last: 2}
                    paths: [/etc/stack]
                    rpo: 30h
                    rto: 45m
                    priority: full
                  - id: models
                    schedule: "0 3 * * 0"
                """.formatted(validRepos())));
        assertEquals("host1", c.instance());
        assertEquals(ZoneId.of("Europe/Berlin"), c.timeZone());
        assertEquals(Optional.of("ai"), c.composeProject());
        PlanConfig critical = c.plan("critical").orElseThrow();
        assertEquals(java.time.Duration.ofMinutes(45), critical.recoveryTimeObjective());
        assertEquals(java.time.Duration.ofHours(2), c.plan("models").orElseThrow().recoveryTimeObjective(),
                "two hours unless set");
        assertEquals(new Retention(7, 4, 0, 0, 2), critical.retention());
        assertEquals(List.of(Path.of("/etc/stack")), critical.paths());
        assertEquals(Optional.of(Duration.ofHours(30)), critical.recoveryPointObjective());
        assertEquals("models", c.plan("models").orElseThrow().repo(), "repo defaults to the plan's id");
        assertEquals(Retention.DEFAULT, c.plan("models").orElseThrow().retention());
        assertEquals(Priority.FULL, critical.priority());
        assertEquals(Priority.LOW, c.plan("models").orElseThrow().priority(), "a backup yields to the services unless told");
    }

    @Test
    void noFileMeansTheThreeDefaultPlansButTheirKeysMustExist() throws IOException {
        Path keys = Files.createDirectories(dir.resolve("keys"));
        Path absent = dir.resolve("absent.yml");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(absent, dir, keys));
        assertTrue(e.getMessage().contains(keys.resolve("critical.key") + "): key file does not exist"), e.getMessage());
        for (String id : List.of("critical", "models", "system")) {
            Files.writeString(keys.resolve(id + ".key"), id + "-key-with-enough-characters");
        }
        SidecarConfig defaults = ConfigLoader.load(absent, dir.resolve("repos"), keys);
        assertEquals(dir.resolve("repos").resolve("models").toString(), defaults.repo("models").orElseThrow().uri());
        List<PlanConfig> plans = defaults.plans();
        assertEquals(List.of("critical", "models", "system"), plans.stream().map(PlanConfig::id).toList());
        assertEquals(List.of("0 2 * * *", "0 3 * * 0", "0 1 * * 0"), plans.stream().map(PlanConfig::schedule).toList());
        assertEquals(new Retention(30, 12, 12, 5, 0), plans.get(0).retention());
    }

    @Test
    void aBadCronNamesFileLineAndField() throws IOException {
        List<String> p = problems("""
                %s
                plans:
                  - id: critical
                    schedule: "0 2 * *"
                """.formatted(validRepos()));
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.get(0).matches(".*sidecar.yml line 10, plans\\[0\\]\\.schedule: '0 2 \\* \\*' is not a 5-field cron.*"),
                p.get(0));
    }

    @Test
    void drillsDefaultToWeeklyAndTakeAPlanOffOrItsOwnCron() throws IOException {
        SidecarConfig c = ConfigLoader.load(yaml("""
                %s
                plans:
                  - id: critical
                    schedule: "0 2 * * *"
                  - id: models
                    schedule: "0 3 * * 0"
                drills:
                  plans: {models: "off", critical: "30 4 * * *"}
                  dataSubset: 5%%
                """.formatted(validRepos())));
        assertEquals(java.util.Optional.of("30 4 * * *"), c.drills().scheduleOf("critical"));
        assertEquals(java.util.Optional.empty(), c.drills().scheduleOf("models"));
        assertEquals("5%", c.drills().dataSubset());
        assertEquals(8, c.drills().readBackIn(), "every byte read back within 8 data checks unless set");
        assertEquals(DrillConfig.DEFAULT.repoCheck(), c.drills().repoCheck());
        assertEquals(java.util.Optional.of("0 5 * * 1"), DrillConfig.DEFAULT.scheduleOf("critical"));
    }

    @Test
    void badDrillSettingsAreNamed() throws IOException {
        List<String> p = problems("""
                %s
                plans:
                  - id: critical
                    schedule: "0 2 * * *"
                drills:
                  schedule: "0 5 * *"
                  plans: {nightly: "0 4 * * *"}
                  dataSubset: lots
                  readBackIn: 0
                """.formatted(validRepos()));
        assertEquals(4, p.size(), p.toString());
        assertTrue(p.get(0).contains("drills.schedule: '0 5 * *' is not a 5-field cron"), p.toString());
        assertTrue(p.get(1).contains("drills.plans: names plan 'nightly' that is not in plans (known: critical)"), p.toString());
        assertTrue(p.get(2).contains("drills.dataSubset: 'lots' must be a share like 10%"), p.toString());
        assertTrue(p.get(3).contains("drills.readBackIn: '0' must be a whole number >= 1"), p.toString());
    }

    @Test
    void anUnquotedCronIsAYamlErrorWithItsLineAndAHint() throws IOException {
        List<String> p = problems("""
                plans:
                  - id: critical
                    schedule: * * * * *
                """);
        assertTrue(p.get(0).contains("line 3") && p.get(0).contains("quote crons"), p.get(0));
    }

    @Test
    void everyProblemIsReportedAtOnce() throws IOException {
        List<String> p = problems("""
                instance: "my host"
                labelPrefx: backup
                timeZone: Mars/Olympus
                %s
                plans:
                  - id: critical
                    repo: nowhere
                    schedule: "0 2 * * *"
                    retention: {daily: 0}
                    rpo: soon
                    rto: quickly
                    priority: fast
                  - id: critical
                    schedule: "0 2 * * *"
                    paths: [relative/path]
                """.formatted(validRepos()));
        String all = String.join("\n", p);
        assertTrue(all.contains("line 1, instance: 'my host' must be 1-50 of"), all);
        assertTrue(all.contains("line 2, labelPrefx: is not a known field"), all);
        assertTrue(all.contains("line 3, timeZone: 'Mars/Olympus' is not a time zone"), all);
        assertTrue(all.contains("plans[0].repo: names repo 'nowhere' that is not in repos (known: critical, models)"), all);
        assertTrue(all.contains("plans[0].retention.daily: every tier is 0"), all);
        assertTrue(all.contains("plans[0].rpo: 'soon' is not a duration"), all);
        assertTrue(all.contains("plans[0].rto: 'quickly' is not a duration"), all);
        assertTrue(all.contains("plans[0].priority: 'fast': write low"), all);
        assertTrue(all.contains("plans: id 'critical' is used twice"), all);
        assertTrue(all.contains("plans[1].paths: 'relative/path' must be an absolute path"), all);
    }

    @Test
    void keysMustExistBeLongEnoughAndNeverBeShared() throws IOException {
        Path shortKey = key("short", "tooshort");
        Path shared = key("shared", "the-same-key-for-both-repos");
        List<String> p = problems("""
                repos:
                  - id: a
                    keyFile: %s
                  - id: b
                    keyFile: %s
                  - id: c
                    keyFile: %s
                  - id: d
                    keyFile: %s
                plans:
                  - id: a
                    schedule: "0 2 * * *"
                """.formatted(dir.resolve("missing.key"), shortKey, shared, shared));
        String all = String.join("\n", p);
        assertTrue(all.contains("repos.a.keyFile (" + dir.resolve("missing.key") + "): key file does not exist"), all);
        assertTrue(all.contains("repos.b.keyFile (" + shortKey + "): key is 8 characters; at least 16 are required"), all);
        assertTrue(all.contains("repos.d.keyFile (" + shared + "): same key as repo c; every repo needs its own key"), all);
    }

    @Test
    void duplicateKeysAndWrongShapesAreRefused() throws IOException {
        List<String> p = problems("""
                instance: a
                instance: b
                plans: critical
                """);
        String all = String.join("\n", p);
        assertTrue(all.contains("line 2, instance: appears twice"), all);
        assertTrue(all.contains("line 3, plans: must be a list"), all);
    }

    @Test
    void durationsAreWrittenTheWayOperatorsWriteThem() {
        assertEquals(Duration.ofMinutes(90), DurationText.parse("1h30m"));
        assertEquals(Duration.ofDays(2), DurationText.parse("2d"));
        assertEquals(Duration.ofSeconds(45), DurationText.parse("45s"));
        assertThrows(IllegalArgumentException.class, () -> DurationText.parse("0s"));
        assertThrows(IllegalArgumentException.class, () -> DurationText.parse("1 hour"));
    }

    @Test
    void retentionTiersBecomeForgetFlagsAndZeroTiersAreLeftOut() {
        assertEquals(List.of("--keep-daily", "30", "--keep-weekly", "12", "--keep-monthly", "12", "--keep-yearly", "5"),
                Retention.DEFAULT.forgetFlags());
        assertEquals(List.of("--keep-last", "3", "--keep-daily", "7"), new Retention(7, 0, 0, 0, 3).forgetFlags());
    }

    @Test
    void notificationChannelsAndRolesAreReadAndEveryMistakeIsNamed() throws IOException {
        Path token = dir.resolve("telegram-token");
        Files.writeString(token, "123:abc\n");
        SidecarConfig good = ConfigLoader.load(yaml(validRepos() + """
                plans:
                  - id: critical
                    schedule: "0 2 * * *"
                notifications:
                  remindEvery: 12h
                  diskThresholds: [85%%, 95]
                  channels:
                    - name: tg
                      type: telegram
                      events: [failures]
                      botTokenFile: %s
                      chatId: "-100"
                    - name: hc
                      type: heartbeat
                      plans:
                        critical: {success: "https://hc-ping.com/uuid"}
                access:
                  users: {alice: operator}
                """.formatted(token)));
        assertEquals(Duration.ofHours(12), good.notifications().remindEvery());
        assertEquals(List.of(85, 95), good.notifications().diskThresholds());
        assertEquals(2, good.notifications().channels().size());
        assertEquals(org.backrestsidecar.config.Role.OPERATOR, good.access().roleOf("alice"));
        assertEquals(org.backrestsidecar.config.Role.VIEWER, good.access().roleOf("mallory"), "unlisted users read only");

        List<String> problems = problems(validRepos() + """
                plans:
                  - id: critical
                    schedule: "0 2 * * *"
                notifications:
                  channels:
                    - name: tg
                      type: telegram
                      events: [backups-failed]
                      botTokenFile: /nonexistent/token
                      chatId: "1"
                    - name: hook
                      type: webhook
                      url: "ftp://hooks.example/secret-path-123"
                    - name: pager
                      type: pager
                access:
                  users: {bob: root}
                """);
        String all = String.join("\n", problems);
        assertTrue(all.contains("notifications.channels[0].events: 'backups-failed' is not an event"), all);
        assertTrue(all.contains("notifications.channels[0].botTokenFile: /nonexistent/token cannot be read"), all);
        assertTrue(all.contains("notifications.channels[1].url: is not an http(s) URL"), all);
        assertTrue(!all.contains("secret-path-123"), "a URL may hold a secret and is never echoed: " + all);
        assertTrue(all.contains("notifications.channels[2].type: 'pager' must be one of"), all);
        assertTrue(all.contains("access.users: 'root' is not a role (viewer, operator, admin)"), all);
        assertTrue(problems.stream().allMatch(p -> p.contains(" line ")), "each names its line: " + all);
    }

    @Test
    void copiesAreReadWithTheirOwnKeysAndAKeySharedWithThePrimaryIsRefused() throws IOException {
        Path secret = dir.resolve("s3-secret");
        Files.writeString(secret, "abc\n");
        SidecarConfig good = ConfigLoader.load(yaml("""
                repos:
                  - id: critical
                    keyFile: %s
                    copies:
                      - id: s3
                        uri: s3:http://127.0.0.1:9000/bucket/critical
                        keyFile: %s
                        envFiles: {AWS_SECRET_ACCESS_KEY: %s}
                        schedule: "0 12 * * *"
                        retention: {daily: 60}
                        limitUpload: 2048
                plans:
                  - id: critical
                    schedule: "0 2 * * *"
                """.formatted(key("critical", "critical-key-0123456789"), key("critical-s3", "s3-copy-key-0123456789"),
                secret)));
        var copy = good.repos().get(0).copies().get(0);
        assertEquals("s3", copy.id());
        assertEquals("critical/s3", copy.repo().id());
        assertEquals(Optional.of("0 12 * * *"), copy.schedule());
        assertEquals(2048, copy.limitUpload().getAsInt());
        assertEquals(secret, copy.repo().envFiles().get("AWS_SECRET_ACCESS_KEY"));

        String nas = """
                repos:
                  - id: critical
                    keyFile: %s
                    copies:
                      - id: nas
                        uri: sftp:backup@nas:/srv/critical
                        keyFile: %s
                %s
                plans:
                  - id: critical
                    schedule: "0 2 * * *"
                """;
        Path critical = key("critical", "critical-key-0123456789");
        String all = String.join("\n", problems(nas.formatted(critical, key("nas", "nas-key-0123456789abc"),
                "        limitUpload: fast")));
        assertTrue(all.contains("repos[0].copies[0].limitUpload: 'fast' must be a whole number"), all);
        assertEquals(false, copy.appendOnly(), "a copy is the sidecar's to thin unless it says otherwise");
        String yes = String.join("\n", problems(nas.formatted(critical, key("nas", "nas-key-0123456789abc"),
                "        appendOnly: yes")));
        assertTrue(yes.contains("repos[0].copies[0].appendOnly: 'yes' must be true or false"), yes);
        SidecarConfig appendOnly = ConfigLoader.load(yaml(nas.formatted(critical, key("nas", "nas-key-0123456789abc"),
                "        appendOnly: true")));
        assertEquals(true, appendOnly.repos().get(0).copies().get(0).appendOnly());
        assertEquals(true, copy.readBack(), "a copy's data is read back with its repo's unless it says otherwise");
        String maybe = String.join("\n", problems(nas.formatted(critical, key("nas", "nas-key-0123456789abc"),
                "        readBack: sometimes")));
        assertTrue(maybe.contains("repos[0].copies[0].readBack: 'sometimes' must be true or false"), maybe);
        assertEquals(false, ConfigLoader.load(yaml(nas.formatted(critical, key("nas", "nas-key-0123456789abc"),
                "        readBack: false"))).repos().get(0).copies().get(0).readBack());

        String shared = String.join("\n", problems(nas.formatted(critical, critical, "")));
        assertTrue(shared.contains("repos.critical.copies.nas.keyFile") && shared.contains("same key as repo critical"),
                shared);
    }
}
