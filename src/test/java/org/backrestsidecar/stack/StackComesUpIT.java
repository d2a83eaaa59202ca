package org.backrestsidecar.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.backrestsidecar.testing.FreePorts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.backrestsidecar.testing.DockerAloneHost;
import org.backrestsidecar.testing.ImageFromSource;
import org.backrestsidecar.testing.MavenMirror;
import org.backrestsidecar.testing.TestDocker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The whole bundle as a user runs it: compose.yml from compose.yml.example, scripts/backrest-setup.sh,
 * the offline images of scripts/offline-images.sh (real Postgres, Redis, nginx; stand-ins for Backrest,
 * Ollama and Open WebUI, which cannot be had here; haproxy for the socket proxy, with the real one's
 * rules and timeouts), and docker-compose 1.29. Every command a user types runs on a host with Docker
 * alone (testing/DockerAloneHost: no JDK, no Maven), the sidecar's image built there from the sources by
 * `docker-compose build sidecar` as README's Quick start says. Over TLS on 127.0.0.1: the login, /healthz up and down,
 * discovery of every labelled service, a backup of every plan through scripts/backrest-management.sh,
 * restore, drill, and `down && up` keeping keys and snapshots.
 *
 * <p>The hard first day: Backrest (the stand-in runs as root, as the real image does) starts first with
 * a config from an earlier setup whose repos say autoInitialize, and creates them as root before the
 * sidecar (uid 10001) is up; the proxy cuts streams silent for 15 s instead of 10 minutes, and a pre
 * hook of Postgres is silent for 25 s.
 */
class StackComesUpIT {
    private static final String PROJECT = "bsce2e";
    private Path bundle;
    private OffsiteServer offsite;
    /**
     * Where the bundle's `docker compose build sidecar` downloads Maven's artifacts from: the test run's one
     * mirror, so the build takes its layers from SidecarInContainerIT's build of the same sources.
     */
    private MavenMirror mirror;
    /** Whether commands get COMPOSE_PROJECT_NAME from their environment (the new host's do not). */
    private boolean projectInEnv = true;

    @AfterEach
    void down() throws Exception {
        projectInEnv = true;
        if (bundle != null) {
            run(List.of("docker-compose", "--profile", "monitoring", "down", "-v", "--remove-orphans"),
                    Duration.ofMinutes(3));
        }
        if (offsite != null) {
            offsite.stop();
        }
    }

    @Test
    void stackUpBacksUpAndSurvivesDownAndUp() throws Exception {
        bundle = Files.createTempDirectory("bsc-e2e");
        Files.setPosixFilePermissions(bundle, PosixFilePermissions.fromString("rwxr-xr-x"));
        offsite = OffsiteServer.start(bundle.resolveSibling(bundle.getFileName() + "-offsite"));
        mirror = MavenMirror.shared();
        int https = freePort();
        String setup = freshBundle(https);
        assertTrue(setup.contains("keys/critical.key"), setup);
        offsite.configure(bundle);
        run(List.of("bash", "scripts/backrest-setup.sh"), Duration.ofMinutes(2));
        legacyBackrestConfigAndNoRepos();

        up();
        assertTrue(run(List.of("docker-compose", "logs", "backrest"), Duration.ofMinutes(1))
                .contains("initialised /repos/"), "Backrest, as root, created repos before the sidecar could");
        String base = base(https);
        String login = "admin:" + Files.readString(bundle.resolve("secrets/admin-password")).strip();
        assertEquals("401", curl("-o", "/dev/null", "-w", "%{http_code}", base + "/"));
        assertTrue(curl("-u", login, base + "/").contains("Backrest stand-in"), "the UI upstream, behind the login");
        assertEquals("up\n", curl(base + "/healthz"));
        assertEquals("redis", run(List.of("docker-compose", "exec", "-T", "redis", "ps", "-o", "user=", "-C",
                "redis-server"), Duration.ofMinutes(1)).strip(), "Redis stepped down from root");

        String targets = run(List.of("bash", "scripts/backrest-management.sh", "targets", "--json"), Duration.ofMinutes(1));
        Map<String, String> found = new java.util.TreeMap<>();
        for (var t : new com.fasterxml.jackson.databind.ObjectMapper().readTree(targets)) {
            found.put(t.path("name").asText(), t.path("plan").asText() + "/" + t.path("strategy").asText() + "/"
                    + t.path("status").asText());
        }
        assertEquals(Map.of("postgres", "critical/postgres/running", "open-webui", "critical/sqlite/running",
                "ollama", "models/volume/running", "redis", "system/redis/running"), found, targets);
        StackData.seed(this::run);
        Map<String, String> backedUp = StackData.fingerprint(this::run);
        for (String plan : List.of("critical", "system", "models")) {
            String backup = run(List.of("bash", "scripts/backrest-management.sh", "backup", plan), Duration.ofMinutes(5));
            assertTrue(backup.contains("SUCCEEDED"), plan + " (critical's pre hook is silent longer than the proxy "
                    + "allows): " + backup);
        }
        assertEquals("10001", run(List.of("docker-compose", "exec", "-T", "sidecar", "stat", "-c", "%u",
                "/repos/critical/config", "/repos/critical/keys"), Duration.ofMinutes(1)).lines().distinct()
                .reduce("", String::concat), "the sidecar took back the repos Backrest created as root");
        // setup's keys are 44 random characters: each repo the bundle backed up to has the sidecar's
        // quick key beside restic's own (docs/security.md "The quick key in each repo")
        for (String repo : List.of("critical", "system", "models")) {
            String keys = run(List.of("docker-compose", "exec", "-T", "sidecar", "sh", "-c", "cat /repos/" + repo + "/keys/*"),
                    Duration.ofMinutes(1));
            if (!keys.matches("(?s).*\"username\"\\s*:\\s*\"backrest-sidecar\".*")) {
                throw new AssertionError(repo + "'s keys: " + keys + "; what the sidecar said of them: " + run(List.of("sh", "-c",
                        "docker-compose logs --no-color sidecar 2>&1 | grep -i 'quick key\\|permission\\|giving its files' | tail -20"),
                        Duration.ofMinutes(1)));
            }
        }
        String snapshots = run(List.of("bash", "scripts/backrest-management.sh", "snapshots", "critical"), Duration.ofMinutes(1));
        assertTrue(snapshots.contains("/postgres/app.dump") && snapshots.contains("/app/backend/data"), snapshots);

        // restore and drill inside the bundle: through the socket proxy, with the sidecar's own image
        String restored = run(List.of("bash", "scripts/backrest-management.sh", "restore", "postgres", "--database",
                "app", "--new-database", "app_restored", "--yes"), Duration.ofMinutes(5));
        assertTrue(restored.contains("restore of postgres SUCCEEDED"), restored);
        String drill = run(List.of("bash", "scripts/backrest-management.sh", "drill", "critical"), Duration.ofMinutes(8));
        assertTrue(drill.contains("PASSED") && drill.contains("database app rows per table")
                && drill.contains("/app/backend/data/webui.db: integrity_check ok")
                && drill.contains("/app/backend/data/vector_db/chroma.sqlite3: integrity_check ok"), drill);
        // Open WebUI (the offline stand-in, whose start refuses a webui.db it cannot use) started on the restored
        // data, on the drill's own network beside the plan's Postgres as the drill restored it (made through the
        // bundle's Docker API proxy)
        assertTrue(drill.contains("the app of open-webui started on the restored data (beside postgres, restored by this "
                + "drill): its healthcheck passed"), drill);

        monitoringProfileAlertsOnAFailedRun();

        // /healthz asks the sidecar: stopped, it says down (and so does nginx's own healthcheck)
        run(List.of("docker-compose", "stop", "sidecar"), Duration.ofMinutes(2));
        assertEquals("down\n503", curl("-w", "%{http_code}", base + "/healthz"));
        run(List.of("docker-compose", "start", "sidecar"), Duration.ofMinutes(2));
        TestDocker.await("/healthz up again", Duration.ofMinutes(2), Duration.ofSeconds(1), () -> {
            try {
                return curl(base + "/healthz").equals("up\n");
            } catch (IOException | InterruptedException e) {
                return false;
            }
        });
        // this bundle's own helpers (labelled with its instance): a test beside it may hold its own
        assertEquals(0, TestDocker.client().listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of("backrest-sidecar.helper", "e2e-host")).exec().size(), "no throwaway left");

        String keys = Files.readString(bundle.resolve("keys/critical.key"));
        run(List.of("docker-compose", "down"), Duration.ofMinutes(3));
        up();
        assertEquals(keys, Files.readString(bundle.resolve("keys/critical.key")));
        String after = run(List.of("bash", "scripts/backrest-management.sh", "snapshots", "critical"), Duration.ofMinutes(1));
        assertTrue(after.contains("/postgres/app.dump"), "the snapshots outlive down && up: " + after);

        recoversOntoANewHostFromTheOffsiteCopy(backedUp, https);
    }

    /**
     * The host is lost: every container, volume (the repos, the sidecar's state, the data) and file of
     * the bundle goes, but keys/ (with the offsite copy's keys and SSH key) and config/sidecar.yml. A
     * fresh bundle, setup (new passwords, new env files), and one command: recover --from offsite,
     * over SFTP from a real sshd. Every row, key and file comes back as it was backed up, the stack
     * answers behind nginx, and every plan's drill passes.
     */
    private void recoversOntoANewHostFromTheOffsiteCopy(Map<String, String> backedUp, int https) throws Exception {
        StackData.awaitCopies(this::run, bundle, "offsite", List.of("critical", "models", "system"));
        // the proof a user needs on the worst day: each plan's drill of what the offsite copy holds, the
        // files of the models volume among them (the helper opens the copy's scratch repo with the copy's key)
        for (String plan : List.of("critical", "models", "system")) {
            String fromCopy = run(List.of("bash", "scripts/backrest-management.sh", "drill", plan, "--from", "offsite"),
                    Duration.ofMinutes(8));
            assertTrue(fromCopy.contains("PASSED") && !fromCopy.contains("\"passed\":false"), fromCopy);
            assertTrue(!plan.equals("critical") || fromCopy.contains("the app of open-webui started on the restored data"),
                    fromCopy);
        }
        Path kept = bundle.resolveSibling(bundle.getFileName() + "-kept");
        Files.createDirectories(kept);
        TestDocker.run(List.of("cp", "-a", bundle.resolve("keys").toString(), bundle.resolve("config/sidecar.yml").toString(),
                kept.toString()), Map.of());
        run(List.of("docker-compose", "--profile", "monitoring", "down", "-v", "--remove-orphans"), Duration.ofMinutes(3));
        TestDocker.run(List.of("rm", "-rf", bundle.toString()), Map.of());

        // docs/offsite.md to the letter: the repository cloned into a folder named "stack", no
        // COMPOSE_PROJECT_NAME in the shell; the backups were made in project bsce2e
        bundle = Files.createTempDirectory("bsc-newhost").resolve("stack");
        Files.createDirectories(bundle);
        Files.setPosixFilePermissions(bundle.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(bundle, PosixFilePermissions.fromString("rwxr-xr-x"));
        projectInEnv = false;
        TestDocker.run(List.of("cp", "-a", kept.resolve("keys").toString(), bundle.toString()), Map.of());
        Files.createDirectories(bundle.resolve("config"));
        Files.copy(kept.resolve("sidecar.yml"), bundle.resolve("config/sidecar.yml"));
        freshBundle(https);
        assertTrue(Files.readString(bundle.resolve(".env")).contains("COMPOSE_PROJECT_NAME=" + PROJECT + "\n"),
                "setup takes the project from the kept sidecar.yml");
        // as an .env made by hand, or by an older setup, would have it: the folder's name
        Path env = bundle.resolve(".env");
        Files.writeString(env, Files.readString(env).replace("COMPOSE_PROJECT_NAME=" + PROJECT, "COMPOSE_PROJECT_NAME=stack"));

        String refused = run(List.of("bash", "scripts/backrest-management.sh", "recover", "--from", "offsite", "--yes"),
                Duration.ofMinutes(5), false, Map.of("COMPOSE_PROJECT_NAME", "other"));
        assertTrue(refused.contains("COMPOSE_PROJECT_NAME is 'other' in your shell") && refused.contains("nothing was changed")
                && !refused.contains("RECOVERED"), refused);
        assertEquals(0, TestDocker.client().listContainersCmd().withShowAll(true).withLabelFilter(
                Map.of("com.docker.compose.project", "other")).exec().size(), "refused before anything started");

        String recovered = run(List.of("bash", "scripts/backrest-management.sh", "recover", "--from", "offsite", "--yes"),
                Duration.ofMinutes(20), false);
        // the measured recovery of this stack, for bench/results.md
        System.out.println("recover --from offsite:\n" + recovered);
        assertTrue(recovered.contains("the Compose project here would be 'stack', but the backups were made in '"
                + PROJECT + "'"), recovered);
        assertTrue(recovered.lines().anyMatch(l -> l.startsWith("RECOVERED: 4 targets restored")), recovered);
        for (String target : List.of("postgres", "open-webui", "ollama", "redis")) {
            assertTrue(recovered.lines().anyMatch(l -> l.startsWith("SUCCEEDED") && l.contains("restore " + target + " from run:")),
                    target + ": " + recovered);
        }
        assertTrue(recovered.contains("drill of plan critical PASSED") && recovered.contains("total: "), recovered);
        assertTrue(recovered.contains("put back env/postgres"), recovered);
        assertEquals(backedUp, StackData.fingerprint(this::run), "every row, key and file as it was backed up");
        assertEquals("up\n", curl(base(https) + "/healthz"));
        String login = "admin:" + Files.readString(bundle.resolve("secrets/admin-password")).strip();
        assertTrue(curl("-u", login, base(https) + "/").contains("Backrest stand-in"), "the new host's login");

        String again = run(List.of("bash", "scripts/backrest-management.sh", "recover", "--from", "offsite", "--yes"),
                Duration.ofMinutes(10), false);
        assertTrue(again.contains("SKIPPED") && again.lines().anyMatch(l -> l.startsWith("RECOVERED: 4 targets restored")),
                "run again, it goes on: " + again);
    }

    private static String base(int https) {
        return "https://127.0.0.1:" + https;
    }

    /**
     * What "this repository" gives on any host: the bundle's files, compose.yml from the example (with
     * the test's edits), the offline images, setup, and .env with the ports. Setup keeps keys/ and
     * config/sidecar.yml when they are there.
     */
    private String freshBundle(int https) throws Exception {
        for (String part : List.of("scripts", "env", "nginx", "backrest-config", "monitoring", "docker-proxy", "src/main",
                "pom.xml", ".dockerignore")) {
            Files.createDirectories(bundle.resolve(part).getParent());
            TestDocker.run(List.of("cp", "-r", part, bundle.resolve(part).toString()), Map.of());
        }
        Files.copy(Path.of("compose.yml.example"), bundle.resolve("compose.yml"));
        String images = TestDocker.run(List.of("bash", "scripts/offline-images.sh", TestDocker.IMAGE), Map.of());
        String setup = run(List.of("bash", "scripts/backrest-setup.sh"), Duration.ofMinutes(2));
        // the $EDITOR .env step: the stand-ins' images, ports on 127.0.0.1, and what the sidecar's image is
        // built from on a host that reaches no registry (env/stack.example)
        Files.writeString(bundle.resolve(".env"), images.lines().filter(l -> l.contains("_IMAGE="))
                .reduce("", (a, l) -> a + l + "\n") + "BIND_ADDRESS=127.0.0.1\nHTTP_PORT=" + freePort()
                + "\nHTTPS_PORT=" + https + "\nSIDECAR_BUILD_IMAGE=" + ImageFromSource.BUILD_IMAGE
                + "\nSIDECAR_BASE_IMAGE=" + TestDocker.IMAGE + "\nMAVEN_MIRROR=" + mirror.url() + "\n",
                java.nio.file.StandardOpenOption.APPEND);
        shortProxyTimeoutsAndASilentHook();
        offsite.reachableFrom(bundle.resolve("compose.yml"));
        // README's Quick start (and docs/offsite.md's new host): the image from this repository, Docker alone
        String built = run(List.of("sh", "-c", "if command -v java || command -v mvn; then echo 'not Docker alone'; exit 9; "
                + "fi; docker-compose build sidecar"), Duration.ofMinutes(20));
        assertEquals("source", TestDocker.run(List.of("docker", "image", "inspect", "-f",
                "{{index .Config.Labels \"backrest-sidecar.jar-from\"}}", "backrest-sidecar:0.1.0"), Map.of()).strip(),
                "the sidecar's image built by Compose from the sources: " + built);
        return setup;
    }

    /**
     * The optional profile is off until asked for; up (Prometheus and Alertmanager from Debian's
     * packages: Grafana cannot be had here), a failed run of critical (Postgres paused) fires
     * BackupRunFailed in Alertmanager from the sidecar's own metrics.
     */
    private void monitoringProfileAlertsOnAFailedRun() throws Exception {
        assertEquals(0, TestDocker.client().listContainersCmd().withShowAll(true).withLabelFilter(Map.of(
                "com.docker.compose.project", PROJECT, "com.docker.compose.service", "prometheus")).exec().size(),
                "the monitoring profile is off by default");
        run(List.of("docker-compose", "--profile", "monitoring", "up", "-d", "prometheus", "alertmanager"),
                Duration.ofMinutes(3));
        run(List.of("docker-compose", "pause", "postgres"), Duration.ofMinutes(1));
        String failed;
        try {
            failed = run(List.of("bash", "scripts/backrest-management.sh", "backup", "critical"), Duration.ofMinutes(5),
                    false);
        } finally {
            run(List.of("docker-compose", "unpause", "postgres"), Duration.ofMinutes(1));
        }
        assertTrue(failed.contains("FAILED") && failed.contains("paused, not running"), failed);
        String[] alerts = {""};
        TestDocker.await("BackupRunFailed in Alertmanager", Duration.ofMinutes(3), Duration.ofSeconds(1), () -> {
            try {
                alerts[0] = run(List.of("docker-compose", "exec", "-T", "prometheus", "curl", "-s",
                        "http://alertmanager:9093/api/v2/alerts"), Duration.ofMinutes(1));
            } catch (IOException | InterruptedException e) {
                return false;
            }
            return alerts[0].contains("\"alertname\":\"BackupRunFailed\"") && alerts[0].contains("\"plan\":\"critical\"");
        });
        String targets = run(List.of("docker-compose", "exec", "-T", "prometheus", "curl", "-s",
                "http://127.0.0.1:9090/api/v1/targets"), Duration.ofMinutes(1));
        assertTrue(targets.contains("\"health\":\"up\"") && targets.contains("sidecar:8080"), targets);
        run(List.of("docker-compose", "--profile", "monitoring", "rm", "-fsv", "prometheus", "alertmanager"),
                Duration.ofMinutes(2));
    }

    /**
     * README's order: setup ran before the sidecar's image existed, so it created no repo; the
     * Backrest config is one an earlier setup wrote, with every repo to be created by Backrest.
     */
    private void legacyBackrestConfigAndNoRepos() throws Exception {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var config = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(
                bundle.resolve("backrest-config/config.json").toFile());
        var repos = config.putArray("repos");
        var plans = config.putArray("plans");
        for (String repo : List.of("critical", "models", "system")) {
            repos.addObject().put("id", repo).put("uri", "/repos/" + repo).put("autoInitialize", true)
                    .put("password", Files.readString(bundle.resolve("keys/" + repo + ".key")).strip());
            plans.addObject().put("id", repo).put("repo", repo).set("paths", json.createArrayNode().add("/userdata"));
            ((com.fasterxml.jackson.databind.node.ObjectNode) plans.get(plans.size() - 1)).putObject("schedule")
                    .put("disabled", true);
        }
        Files.writeString(bundle.resolve("backrest-config/config.json"), config.toString());
        TestDocker.run(List.of("sh", "-c", "docker volume rm " + PROJECT + "_repos >/dev/null 2>&1 || true"), Map.of());
    }

    private void shortProxyTimeoutsAndASilentHook() throws IOException {
        Path compose = bundle.resolve("compose.yml");
        String text = Files.readString(compose);
        String proxy = "      DOCKER_API_TIMEOUT: 10m\n";
        String hook = "      backup.strategy: postgres\n";
        assertTrue(text.contains(proxy) && text.contains(hook), text);
        Files.writeString(compose, text
                .replace(proxy, "      DOCKER_API_TIMEOUT: 15s\n")
                .replace(hook, hook + "      backup.exec.pre: '[\"sh\", \"-c\", \"sleep 25\"]'\n"));
        Path env = bundle.resolve("env/sidecar");
        Files.writeString(env, Files.readString(env).replaceAll("(?m)^SIDECAR_DOCKER_KEEPALIVE=.*\n", "")
                + "SIDECAR_DOCKER_KEEPALIVE=5s\n");
    }

    private void up() throws Exception {
        run(List.of("docker-compose", "up", "-d"), Duration.ofMinutes(5));
        try {
            awaitHealthy();
        } catch (AssertionError e) {
            // say which service did not come up, and what it printed
            throw new AssertionError(e.getMessage() + "\n" + run(List.of("docker-compose", "ps"), Duration.ofMinutes(1))
                    + run(List.of("docker-compose", "logs", "--tail", "40"), Duration.ofMinutes(1)), e);
        }
    }

    private void awaitHealthy() {
        TestDocker.await("every service of the stack healthy", Duration.ofMinutes(4), Duration.ofSeconds(1), () -> {
            var containers = TestDocker.client().listContainersCmd().withShowAll(true)
                    .withLabelFilter(Map.of("com.docker.compose.project", PROJECT)).exec();
            return containers.size() == 8 && containers.stream().allMatch(c -> {
                var state = TestDocker.client().inspectContainerCmd(c.getId()).exec().getState();
                return Boolean.TRUE.equals(state.getRunning())
                        && (state.getHealth() == null || "healthy".equals(state.getHealth().getStatus()));
            });
        });
    }

    private String run(List<String> command, Duration limit) throws IOException, InterruptedException {
        return run(command, limit, true);
    }

    /** Runs a command in the bundle; {@code mustSucceed} false gives its output whatever its exit code. */
    private String run(List<String> command, Duration limit, boolean mustSucceed) throws IOException, InterruptedException {
        return run(command, limit, mustSucceed, projectInEnv ? Map.of("COMPOSE_PROJECT_NAME", PROJECT) : Map.of());
    }

    /** A user's command, on a host with Docker alone (testing/DockerAloneHost): no JDK, no Maven. */
    private String run(List<String> command, Duration limit, boolean mustSucceed, Map<String, String> env)
            throws IOException, InterruptedException {
        Map<String, String> all = new java.util.HashMap<>(env);
        all.put("BACKUP_INSTANCE", "e2e-host");
        DockerAloneHost.Result result = DockerAloneHost.run(bundle, command, all, limit);
        if (result.exit() == 124 || (mustSucceed && result.exit() != 0)) {
            throw new IOException(String.join(" ", command) + " failed (exit " + result.exit() + "): " + result.out());
        }
        return result.out();
    }

    private static String curl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("curl", "-sk", "--max-time", "20"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        return out;
    }

    private static int freePort() throws IOException {
        return FreePorts.next();
    }
}
