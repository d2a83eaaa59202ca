package org.backrestsidecar.restic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.backrestsidecar.config.Priority;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.config.SidecarConfig;
import org.jboss.logging.Logger;

/**
 * Runs one restic command on one repo: the command line with the repo's options, its environment
 * (envFiles read anew each time), a lock met waited for, a "permission denied" repaired once. The repo
 * key reaches restic only as {@code --password-file}: never as an argument, an environment variable or
 * a log line. The verbs are the classes beside it, one concern each: {@link Repository} (init, open,
 * size, locks, index), {@link Backup}, {@link Snapshots} (list, dump, restore), {@link Forget}
 * (retention, prune), {@link Check}, {@link Copy}.
 */
@ApplicationScoped
public class ResticCommand {
    private static final Logger LOG = Logger.getLogger(ResticCommand.class);
    static final Duration QUICK = Duration.ofMinutes(5);
    static final Duration LONG = Duration.ofHours(12);
    public static final Duration LOCK_WAIT = Duration.ofMinutes(10);
    /**
     * With --json restic prints a status line 60 times a second; one a second is all progress needs
     * (restic reads it from the environment).
     */
    public static final String STATUS_EVERY_SECOND = "RESTIC_PROGRESS_FPS=1";

    private final SidecarConfig config;
    private final ObjectMapper json;
    private final Instance<RepoRepair> repair;
    /** The repos' quick keys, named to restic by {@code --key-hint}; none outside CDI. */
    private final QuickKeys quickKeys;

    private final Duration unreachableAfter;
    /** What a low-priority restic runs under, of nice, ionice and chrt, those on the PATH. */
    private final List<String> yielding = yielding();

    /** @param unreachableAfter how long restic may retry a failing backend before it is stopped */
    @Inject
    public ResticCommand(SidecarConfig config, ObjectMapper json, Instance<RepoRepair> repair, QuickKeys quickKeys,
                         @org.eclipse.microprofile.config.inject.ConfigProperty(name = "sidecar.restic.unreachable-after",
                                 defaultValue = "2m") String unreachableAfter) {
        this.unreachableAfter = org.backrestsidecar.config.DurationText.parse(unreachableAfter);
        this.config = config;
        this.json = json;
        this.repair = repair;
        this.quickKeys = quickKeys;
    }

    /** Outside CDI (tools, unit tests): no repair, so a repo must already be readable; no quick keys. */
    public ResticCommand(SidecarConfig config, ObjectMapper json) {
        this(config, json, null, null, "2m");
    }

    /**
     * The key restic should try first for {@code repo}: its quick key ({@link QuickKeys}), made now if
     * it has none yet.
     */
    public Optional<String> keyHint(RepoConfig repo) {
        return quickKeys == null ? Optional.empty() : quickKeys.hint(repo, byRestic);
    }

    /** restic run once without any hint (the hint is what is being made): its output. */
    private String unhinted(RepoConfig repo, String... args) throws ResticException, IOException {
        try (ResticProcess restic = start(repo, null, List.of(args), null, Priority.FULL, Optional.empty(), Optional.empty())) {
            restic.stdin().close();
            return restic.await(QUICK);
        }
    }

    /** restic run for {@link QuickKeys} without any hint (the hint is what is being made). */
    private final QuickKeys.ByRestic byRestic = new QuickKeys.ByRestic() {
        @Override
        public QuickKeys.Opened masterKey(RepoConfig repo) throws IOException {
            try {
                JsonNode master = parse(unhinted(repo, "cat", "masterkey", "--no-lock"));
                if (!master.path("encrypt").isTextual() || !master.path("mac").path("k").isTextual()) {
                    throw new IOException("restic printed no master key");
                }
                // the key restic opened the repo with; a quick key made from it lives as long as it does
                for (JsonNode key : parse(unhinted(repo, "key", "list", "--json"))) {
                    if (key.path("current").asBoolean() && key.path("id").asText().matches("[0-9a-f]{8,64}")) {
                        return new QuickKeys.Opened(json.writeValueAsBytes(master), key.path("id").asText());
                    }
                }
                throw new IOException("restic listed no key as the one it opened the repo with");
            } catch (ResticException e) {
                throw new IOException(e.getMessage(), e);
            }
        }

        @Override
        public boolean opensWith(RepoConfig repo, String id) {
            return ResticCommand.this.opensWith(repo, id);
        }

        @Override
        public boolean takeBack(RepoConfig repo, String why) {
            return repairer().map(r -> r.repair(repo, why)).orElse(false);
        }
    };

    /**
     * Whether restic opens {@code repo} with key {@code id} alone: a folder holding only the repo's
     * config and that key, read with the repo's key file. The config is encrypted with the master
     * key, so it reads only if the key opens with the password and holds the repo's master key. No
     * lock is taken in the repo (a prune holding it must not make the key look bad).
     */
    private boolean opensWith(RepoConfig repo, String id) {
        Path proof = null;
        try {
            proof = Files.createTempDirectory(Files.createDirectories(config.stateDir()), "quick-key-proof");
            Path repoDir = Path.of(repo.uri());
            Files.copy(repoDir.resolve("config"), proof.resolve("config"));
            Files.createDirectories(proof.resolve("keys"));
            Files.copy(repoDir.resolve("keys").resolve(id), proof.resolve("keys").resolve(id));
            RepoConfig alone = new RepoConfig(repo.id(), proof.toString(), repo.keyFile(), Map.of());
            try (ResticProcess restic = start(alone, null, List.of("cat", "config", "--no-lock", "--no-cache"), null,
                    Priority.FULL, Optional.empty(), Optional.empty())) {
                restic.stdin().close();
                return parse(restic.await(QUICK)).path("chunker_polynomial").isTextual();
            }
        } catch (IOException | ResticException e) {
            LOG.warnf("repo %s: restic did not open the repo with its quick key alone: %s", repo.id(), e.getMessage());
            return false;
        } finally {
            if (proof != null) {
                deleteTree(proof);
            }
        }
    }

    private static void deleteTree(Path dir) {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            LOG.debugf("%s stays: %s", dir, e.getMessage());
        }
    }

    /**
     * nice 19, the idle I/O class and the SCHED_IDLE policy. Inside the sidecar's container these order restic only against
     * the sidecar itself (containers share the CPU by their cgroup weights: see compose.yml.example's
     * cpu_shares); run on a host, they make restic yield to everything else.
     */
    private static List<String> yielding() {
        List<String> prefix = new ArrayList<>();
        if (onPath("nice")) {
            prefix.addAll(List.of("nice", "-n", "19"));
        }
        if (onPath("ionice")) {
            prefix.addAll(List.of("ionice", "-c", "3"));
        }
        if (onPath("chrt")) {
            prefix.addAll(List.of("chrt", "--idle", "0"));
        }
        return List.copyOf(prefix);
    }

    private static boolean onPath(String program) {
        return java.util.Arrays.stream(System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":"))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, program)));
    }

    Optional<RepoRepair> repairer() {
        return repair != null && repair.isResolvable() ? Optional.of(repair.get()) : Optional.empty();
    }

    /** The end of restic's output (its summary), for a result kept in memory and shown by the API. */
    public static String tail(String output) {
        String t = output == null ? "" : output.strip();
        return t.length() > 2000 ? "..." + t.substring(t.length() - 2000) : t;
    }

    /**
     * Removes locks whose restic is gone (same host, dead PID) or that are older than 30 minutes,
     * so that a crashed run cannot block retention forever; live locks are left alone.
     */
    public void unlockStale(RepoConfig repo) throws ResticException {
        run(repo, QUICK, "unlock");
    }

    Optional<JsonNode> summary(String jsonLines) {
        JsonNode found = null;
        for (String line : jsonLines.split("\n")) {
            if (line.contains("\"message_type\":\"summary\"")) {
                try {
                    found = json.readTree(line);
                } catch (IOException e) {
                    // a torn line cannot be the summary
                }
            }
        }
        return Optional.ofNullable(found);
    }

    JsonNode parse(String text) throws ResticException {
        try {
            return json.readTree(text.isBlank() ? "[]" : text);
        } catch (IOException e) {
            throw new ResticException("restic printed output that is not JSON: " + e.getMessage());
        }
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** A snapshot as restic's JSON gives it (snapshots --json, forget --json). */
    static Snapshot snapshot(JsonNode s) {
        return new Snapshot(s.path("id").asText(), s.path("short_id").asText(), Instant.parse(s.path("time").asText()),
                s.path("hostname").asText(), strings(s.path("paths")), strings(s.path("tags")),
                s.path("original").isTextual() ? s.path("original").asText() : null);
    }

    /**
     * Runs one restic command to its end. A repo locked by another restic (Backrest indexing, our
     * own start-up read) is waited for, up to {@link #LOCK_WAIT}: restic 0.14 has no --retry-lock.
     */
    String run(RepoConfig repo, Duration timeout, String... args) throws ResticException {
        return run(repo, null, timeout, args);
    }

    /** @param from the repo a copy or a copy's init reads from (its environment is given to restic too) */
    String run(RepoConfig repo, RepoConfig from, Duration timeout, String... args) throws ResticException {
        return run(repo, from, timeout, Priority.FULL, args);
    }

    String run(RepoConfig repo, RepoConfig from, Duration timeout, Priority priority, String... args)
            throws ResticException {
        return run(repo, from, timeout, priority, LOCK_WAIT, args);
    }

    /** As {@link #run(RepoConfig, Duration, String...)}, waiting for another restic's lock at most {@code lockWait}. */
    String runWaiting(RepoConfig repo, Duration timeout, Duration lockWait, String... args) throws ResticException {
        return run(repo, null, timeout, Priority.FULL, lockWait, args);
    }

    private String run(RepoConfig repo, RepoConfig from, Duration timeout, Priority priority, Duration lockWait,
                       String... args) throws ResticException {
        boolean[] repaired = {false};
        boolean[] unlocked = {args[0].equals("unlock")};
        return LockWait.retrying(repo.id(), args[0], lockWait, () -> {
            while (true) {
                try (ResticProcess restic = start(repo, from, List.of(args), null, priority)) {
                    restic.stdin().close();
                    return restic.await(timeout);
                } catch (IOException e) {
                    throw new ResticException("restic " + args[0] + " on repo " + repo.id() + ": " + e.getMessage(), e);
                } catch (ResticException e) {
                    // a file Backrest (root) wrote since we last looked: take the repo back once, then again
                    if (!repaired[0] && e.kind() == ResticException.Kind.PERMISSION_DENIED
                            && repairer().map(r -> r.repair(repo, e.getMessage())).orElse(false)) {
                        repaired[0] = true;
                        continue;
                    }
                    if (e.kind() != ResticException.Kind.LOCKED) {
                        throw e;
                    }
                    if (!unlocked[0]) {
                        // a lock a crashed restic left goes now (unlock removes only stale ones); a live
                        // lock is waited for. Only here, not before every forget: each restic costs a key derivation
                        unlocked[0] = true;
                        unlockStale(repo);
                        continue;
                    }
                    // restic takes its lock before it reads or writes anything
                    throw new LockWait.LockedOut(e.getMessage());
                }
            }
        });
    }

    ResticProcess start(RepoConfig repo, List<String> args) throws ResticException {
        return start(repo, null, args, null, Priority.FULL);
    }

    ResticProcess start(RepoConfig repo, List<String> args, OutputStream stdoutSink) throws ResticException {
        return start(repo, null, args, stdoutSink, Priority.FULL);
    }

    ResticProcess start(RepoConfig repo, RepoConfig from, List<String> args, OutputStream stdoutSink,
                                Priority priority) throws ResticException {
        return start(repo, from, args, stdoutSink, priority, keyHint(repo),
                from == null ? Optional.empty() : keyHint(from));
    }

    private ResticProcess start(RepoConfig repo, RepoConfig from, List<String> args, OutputStream stdoutSink,
                                Priority priority, Optional<String> hint, Optional<String> fromHint)
            throws ResticException {
        List<String> command = new ArrayList<>(priority == Priority.LOW ? yielding : List.of());
        command.addAll(List.of("restic", "--repo", repo.uri(),
                "--password-file", repo.keyFile().toString(),
                "--cache-dir", config.stateDir().resolve("restic-cache").toString()));
        hint.ifPresent(id -> command.addAll(List.of("--key-hint", id)));
        // a copy's --from-key-hint comes with its other --from options, after the command's name
        // extended options of both repos: a copy reads its primary over the primary's backend too
        if (from != null) {
            command.addAll(extendedOptions(from));
        }
        command.addAll(extendedOptions(repo));
        command.addAll(args);
        fromHint.ifPresent(id -> command.addAll(List.of("--from-key-hint", id)));
        ProcessBuilder builder = new ProcessBuilder(command);
        Map<String, String> env = builder.environment();
        // a password from our own environment must never reach a repo it was not meant for
        env.keySet().removeIf(k -> k.startsWith("RESTIC_"));
        if (from != null) {
            env.putAll(environment(from));
        }
        env.putAll(environment(repo));
        String[] status = STATUS_EVERY_SECOND.split("=");
        env.put(status[0], status[1]);
        return new ResticProcess(builder, args.get(0) + " on repo " + repo.id(), stdoutSink, unreachableAfter);
    }

    /** The repo's {@code options} as restic's {@code -o key=value} arguments. */
    public static List<String> extendedOptions(RepoConfig repo) {
        List<String> args = new ArrayList<>();
        repo.options().forEach((k, v) -> args.addAll(List.of("-o", k + "=" + v)));
        return args;
    }

    /** The repo's environment, with the values of {@code envFiles} read now (a rotated secret needs no restart). */
    public static Map<String, String> environment(RepoConfig repo) throws ResticException {
        Map<String, String> env = new java.util.HashMap<>(repo.env());
        for (var e : repo.envFiles().entrySet()) {
            try {
                env.put(e.getKey(), Files.readString(e.getValue()).strip());
            } catch (IOException ex) {
                throw new ResticException("repo " + repo.id() + ": the file of " + e.getKey() + " (" + e.getValue()
                        + ") cannot be read");
            }
        }
        return env;
    }
}
