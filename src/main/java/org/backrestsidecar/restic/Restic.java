package org.backrestsidecar.restic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import org.backrestsidecar.config.Priority;
import org.backrestsidecar.config.Retention;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.config.SidecarConfig;
import org.jboss.logging.Logger;

/**
 * The restic command line, one method per restic verb we use. The repo key reaches restic only as
 * {@code --password-file}: never as an argument, an environment variable or a log line.
 */
@ApplicationScoped
public class Restic {
    private static final Logger LOG = Logger.getLogger(Restic.class);
    private static final Duration QUICK = Duration.ofMinutes(5);
    private static final Duration LONG = Duration.ofHours(12);
    private static final int PIPE_BUFFER = 1 << 20;
    private static final Duration LOCK_WAIT = Duration.ofMinutes(10);
    private static final Duration INIT_WAIT = Duration.ofSeconds(60);
    /** How long a safety snapshot (taken before a restore overwrote live data) is kept. */
    public static final Duration SAFETY_KEEP = Duration.ofDays(30);
    /**
     * With --json restic prints a status line 60 times a second; one a second is all progress needs
     * (restic reads it from the environment).
     */
    public static final String STATUS_EVERY_SECOND = "RESTIC_PROGRESS_FPS=1";

    private final SidecarConfig config;
    private final ObjectMapper json;
    private final Map<String, Object> initLocks = new ConcurrentHashMap<>();
    private final Instance<RepoRepair> repair;

    private final Duration unreachableAfter;
    /** What a low-priority restic runs under, of nice, ionice and chrt, those on the PATH. */
    private final List<String> yielding = yielding();

    /** @param unreachableAfter how long restic may retry a failing backend before it is stopped */
    @Inject
    public Restic(SidecarConfig config, ObjectMapper json, Instance<RepoRepair> repair,
                  @org.eclipse.microprofile.config.inject.ConfigProperty(name = "sidecar.restic.unreachable-after",
                          defaultValue = "2m") String unreachableAfter) {
        this.unreachableAfter = org.backrestsidecar.config.DurationText.parse(unreachableAfter);
        this.config = config;
        this.json = json;
        this.repair = repair;
    }

    /** Outside CDI (tools, unit tests): no repair, so a repo must already be readable. */
    public Restic(SidecarConfig config, ObjectMapper json) {
        this(config, json, null, "2m");
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

    private Optional<RepoRepair> repairer() {
        return repair != null && repair.isResolvable() ? Optional.of(repair.get()) : Optional.empty();
    }

    /** restic's words for "there is no repo at that URI (yet)", as opposed to one it cannot open. */
    public static boolean noRepository(String resticMessage) {
        return resticMessage.contains("Is there a repository at the following location?")
                || resticMessage.contains("does not exist");
    }

    /**
     * Makes sure the sidecar can read and write every file of a local repo, which Backrest (root)
     * may have written meanwhile; called before a run, restore or drill opens the repo.
     */
    public void reclaim(RepoConfig repo) {
        repairer().ifPresent(r -> r.repairIfNeeded(repo));
    }

    /** Why the repo cannot be opened with its key, or empty when it opens. */
    public Optional<String> openProblem(RepoConfig repo) {
        try {
            run(repo, QUICK, "cat", "config");
            return Optional.empty();
        } catch (ResticException e) {
            return Optional.of(e.getMessage());
        }
    }

    /** The repo's restic id (Backrest's {@code guid}), or empty when it does not exist yet. */
    public Optional<String> repoGuid(RepoConfig repo) {
        try {
            String id = parse(run(repo, QUICK, "cat", "config")).path("id").asText("");
            return id.isEmpty() ? Optional.empty() : Optional.of(id);
        } catch (ResticException e) {
            return Optional.empty();
        }
    }

    /**
     * Creates the repo when there is none at its URI; an existing one that refuses the key is an error.
     * One repo at a time, so that start-up and a first run cannot both try to create it.
     *
     * <p>A repo with copies is created like the first copy that already holds a repo (its chunker
     * parameters and version): on a new host, before a recovery brings the copy back, so that what is
     * brought back and every backup after it deduplicate against each other.
     */
    public void ensureInitialized(RepoConfig repo) throws ResticException {
        synchronized (initLocks.computeIfAbsent(repo.id(), id -> new Object())) {
            // a local repo's config file says it exists without a restic (and its key derivation) per run
            if (repo.local() && Files.isRegularFile(Path.of(repo.uri(), "config")) || openProblem(repo).isEmpty()) {
                return;
            }
            for (var copy : repo.copies()) {
                if (openProblem(copy.repo()).isEmpty()) {
                    LOG.infof("repo %s is missing and its copy %s holds one: made with the copy's chunker parameters",
                            repo.id(), copy.id());
                    initialize(repo, copy.repo(), likeArgs(copy.repo()));
                    return;
                }
            }
            initialize(repo, null, "init");
        }
    }

    /**
     * Creates a copy repo when there is none, with the primary's chunker parameters (so that what is
     * deduplicated in the primary stays deduplicated in the copy) and the same repository version
     * (and so the same compression).
     */
    public void ensureCopyInitialized(RepoConfig primary, RepoConfig copy) throws ResticException {
        synchronized (initLocks.computeIfAbsent(copy.id(), id -> new Object())) {
            initialize(copy, primary, likeArgs(primary));
        }
    }

    private static String[] likeArgs(RepoConfig model) {
        return new String[] {"init", "--copy-chunker-params", "--from-repo", model.uri(), "--from-password-file",
                model.keyFile().toString()};
    }

    /**
     * Copies every snapshot of {@code from} that {@code to} does not hold yet: restic skips what is
     * there, and an interrupted copy's uploaded data is reused by the next one. A primary to its copy,
     * or, in a recovery, a copy back to its primary.
     *
     * @param limits    restic's {@code --limit-upload}/{@code --limit-download} flags, if any
     * @param snapshots only these snapshot ids; empty: every snapshot
     */
    public String copy(RepoConfig from, RepoConfig to, List<String> limits, List<String> snapshots)
            throws ResticException {
        List<String> args = new ArrayList<>(List.of("copy", "--from-repo", from.uri(), "--from-password-file",
                from.keyFile().toString()));
        args.addAll(limits);
        args.addAll(snapshots);
        return run(to, from, LONG, args.toArray(String[]::new));
    }

    /**
     * Indexes the packs that an attempt which did not end (killed, its server gone) left in {@code repo}
     * without an index, so that the next copy reuses them instead of sending them again. It reads every
     * pack's header: run it only after an attempt that failed. restic 0.14 calls it {@code rebuild-index},
     * 0.16 and later {@code repair index}.
     */
    public String repairIndex(RepoConfig repo) throws ResticException {
        try {
            return run(repo, LONG, "rebuild-index");
        } catch (ResticException e) {
            if (e.getMessage() == null || !e.getMessage().contains("unknown command")) {
                throw e;
            }
            return run(repo, LONG, "repair", "index");
        }
    }

    /** Writes a snapshot's files under {@code folder} (each at its own path below it). */
    public void restore(RepoConfig repo, String snapshotId, Path folder) throws ResticException {
        run(repo, LONG, "restore", snapshotId, "--target", folder.toString());
    }

    private void initialize(RepoConfig repo, RepoConfig from, String... init) throws ResticException {
        Optional<String> problem = openProblem(repo);
        if (problem.isEmpty()) {
            return;
        }
        String why = problem.get();
        if (noRepository(why) && repo.local() && isEmptyOrAbsent(Path.of(repo.uri()))
                && initBesideAndMoveIn(repo, from, init)) {
            return;
        }
        problem = openProblem(repo);
        if (problem.isEmpty()) {
            return;
        }
        why = problem.get();
        if (noRepository(why) && repo.local() && !isEmptyOrAbsent(Path.of(repo.uri()))) {
            // files but no config: another restic (Backrest, at its start) is creating this repo right now;
            // a second init beside it would leave a config and a key that do not belong together
            Instant giveUp = Instant.now().plus(INIT_WAIT);
            while (problem.isPresent() && noRepository(problem.get()) && Instant.now().isBefore(giveUp)) {
                sleep(Duration.ofSeconds(1));
                problem = openProblem(repo);
            }
            if (problem.isEmpty()) {
                return;
            }
            why = problem.get();
            if (noRepository(why)) {
                throw new ResticException("repo " + repo.id() + " (" + repo.shownUri() + ") holds files but no restic config "
                        + "after " + INIT_WAIT.toSeconds() + " s: a half-created repo; move it aside to let the sidecar create it");
            }
        }
        if (!noRepository(why)) {
            throw new ResticException("repo " + repo.id() + " (" + repo.shownUri() + ") cannot be opened: " + why);
        }
        LOG.infof("initialising restic repo %s at %s", repo.id(), repo.shownUri());
        run(repo, from, QUICK, init);
    }

    /**
     * A local repo is made in a folder beside it and renamed into place in one step, so that a
     * Backrest creating the same repo at the same moment (an old config's autoInitialize) never mixes
     * its config and keys with ours: whoever renames or writes first wins, the other's init fails
     * cleanly. False when the other was first (then its repo is waited for, as a half-made one).
     */
    private boolean initBesideAndMoveIn(RepoConfig repo, RepoConfig from, String... init) throws ResticException {
        Path target = Path.of(repo.uri());
        Path beside = target.resolveSibling("." + target.getFileName() + ".init-" + java.util.UUID.randomUUID());
        try {
            Files.createDirectories(target.getParent());
        } catch (IOException e) {
            throw new ResticException("repo " + repo.id() + ": " + target.getParent() + " cannot be made: " + e.getMessage());
        }
        LOG.infof("initialising restic repo %s at %s", repo.id(), repo.shownUri());
        RepoConfig there = new RepoConfig(repo.id(), beside.toString(), repo.keyFile(), repo.env(), repo.envFiles(),
                repo.options(), List.of());
        run(there, from, QUICK, init);
        try {
            // rename(2) replaces a missing or empty folder, and fails if anything has appeared in it
            Files.move(beside, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return true;
        } catch (IOException e) {
            LOG.infof("repo %s was being created by someone else meanwhile; theirs is used", repo.id());
            removeTree(beside);
            return false;
        }
    }

    private static void removeTree(Path dir) {
        try {
            org.backrestsidecar.state.Folders.removeTree(dir);
        } catch (IOException e) {
            LOG.warnf("%s could not be removed: %s", dir, e.getMessage());
        }
    }

    /** The repo's environment, with the values of {@code envFiles} read now (a rotated secret needs no restart). */
    private static Map<String, String> environment(RepoConfig repo) throws ResticException {
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

    /** True for a folder that is missing or empty; a folder we may not read is not empty. */
    private static boolean isEmptyOrAbsent(Path folder) {
        if (!Files.exists(folder)) {
            return true;
        }
        try (var entries = Files.list(folder)) {
            return entries.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    private static void sleep(Duration pause) throws ResticException {
        try {
            Thread.sleep(pause.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ResticException("interrupted while waiting for a repo to be created");
        }
    }

    /**
     * Streams one file into a new snapshot. If the source reports the data bad, or fails, restic is
     * aborted before it can write a snapshot, and any snapshot that still appeared is forgotten.
     */
    public StoredSnapshot backupStream(RepoConfig repo, String filename, SnapshotTags tags, String host,
                                       Priority priority, StreamSource source) throws ResticException {
        List<String> args = backupArgs(tags, host);
        args.addAll(List.of("--stdin", "--stdin-filename", filename));
        ResticProcess restic = start(repo, null, args, null, priority);
        OutputStream stdin = new BufferedOutputStream(restic.stdin(), PIPE_BUFFER);
        Optional<String> rejected;
        try {
            rejected = source.writeTo(stdin);
        } catch (IOException | RuntimeException e) {
            rejected = Optional.of(String.valueOf(e.getMessage()));
        }
        if (rejected.isPresent()) {
            // abort before closing stdin: a closed stdin is how restic learns the data is complete
            restic.abort();
            forgetIfWritten(repo, restic.stdoutText());
            throw new ResticException(rejected.get());
        }
        try {
            stdin.close();
        } catch (IOException e) {
            restic.abort();
            throw new ResticException("restic stopped reading " + filename + ": " + restic.stderrText().strip(), e);
        }
        return storedSnapshot(restic.await(LONG), filename);
    }

    /** {@code backup} with our tags and host, to which the caller adds what to read. */
    public List<String> backupArgs(SnapshotTags tags, String host) {
        List<String> args = new ArrayList<>(List.of("backup", "--json", "--host", host));
        for (String tag : tags.all()) {
            args.add("--tag");
            args.add(tag);
        }
        return args;
    }

    /** The snapshot a {@code backup --json} reported in its summary line. */
    public StoredSnapshot storedSnapshot(String jsonLines, String what) throws ResticException {
        JsonNode summary = summary(jsonLines)
                .orElseThrow(() -> new ResticException("restic backup of " + what + " printed no summary"));
        return new StoredSnapshot(summary.path("snapshot_id").asText(), what, summary.path("data_added").asLong(),
                summary.path("total_bytes_processed").asLong(), summary.path("total_files_processed").asLong());
    }

    /** Host paths as files, e.g. a plan's extra {@code paths}. */
    public StoredSnapshot backupPaths(RepoConfig repo, List<Path> paths, SnapshotTags tags, String host,
                                      Priority priority) throws ResticException {
        List<String> args = backupArgs(tags, host);
        paths.forEach(p -> args.add(p.toString()));
        return storedSnapshot(run(repo, null, LONG, priority, args.toArray(String[]::new)),
                String.join(" ", paths.stream().map(Path::toString).toList()));
    }

    /** Snapshots carrying every one of {@code tags}, newest first. */
    public List<Snapshot> snapshots(RepoConfig repo, List<String> tags) throws ResticException {
        List<String> args = new ArrayList<>(List.of("snapshots", "--json"));
        if (!tags.isEmpty()) {
            args.add("--tag");
            args.add(String.join(",", tags));
        }
        JsonNode list = parse(run(repo, QUICK, args.toArray(String[]::new)));
        List<Snapshot> out = new ArrayList<>();
        for (JsonNode s : list) {
            out.add(snapshot(s));
        }
        out.sort(Comparator.comparing(Snapshot::time).reversed());
        return out;
    }

    /** A snapshot as restic's JSON gives it (snapshots --json, forget --json). */
    private static Snapshot snapshot(JsonNode s) {
        return new Snapshot(s.path("id").asText(), s.path("short_id").asText(), Instant.parse(s.path("time").asText()),
                s.path("hostname").asText(), strings(s.path("paths")), strings(s.path("tags")));
    }

    /** Every snapshot of one target (its plan's and safety snapshots), newest first. */
    public List<Snapshot> snapshotsOf(RepoConfig repo, String target) throws ResticException {
        return snapshots(repo, List.of(SnapshotTags.targetTag(target)));
    }

    /** Writes one file of a snapshot to {@code out}, e.g. a database dump on its way into a container. */
    public void dump(RepoConfig repo, String snapshotId, String path, OutputStream out) throws ResticException {
        try (ResticProcess restic = start(repo, List.of("dump", snapshotId, path), out)) {
            restic.stdin().close();
            restic.await(LONG);
        } catch (IOException e) {
            throw new ResticException("restic dump of " + path + " from " + snapshotId + ": " + e.getMessage(), e);
        }
    }

    /** The size of one file in a snapshot. */
    public long fileSize(RepoConfig repo, String snapshotId, String path) throws ResticException {
        for (String line : run(repo, QUICK, "ls", "--json", snapshotId).split("\n")) {
            if (line.contains("\"struct_type\":\"node\"")) {
                JsonNode node = parse(line);
                if (node.path("path").asText().equals(path) && node.path("type").asText().equals("file")) {
                    return node.path("size").asLong();
                }
            }
        }
        throw new ResticException("snapshot " + snapshotId + " has no file " + path);
    }

    /**
     * {@code restic check}: the repo's structure, and with {@code readDataSubset} (e.g. {@code 10%})
     * that share of its data read back and verified against its hashes.
     */
    public String check(RepoConfig repo, Optional<String> readDataSubset) throws ResticException {
        List<String> args = new ArrayList<>(List.of("check"));
        readDataSubset.ifPresent(s -> args.add("--read-data-subset=" + s));
        return run(repo, LONG, args.toArray(String[]::new));
    }

    /**
     * Applies a plan's tiers to that plan's snapshots only, per host and path (one series per dumped
     * database or file set). The data goes at the next prune (prune/Prunes, on its own schedule):
     * pruning after every run read every index and repacked, which on a month-old repo cost more than
     * the backup. What is kept is returned whole, so a run needs no second listing to count it.
     */
    public ForgetResult forget(RepoConfig repo, String plan, Retention retention) throws ResticException {
        List<String> args = new ArrayList<>(List.of("forget", "--json", "--tag", SnapshotTags.planTag(plan),
                "--group-by", "host,paths"));
        args.addAll(retention.forgetFlags());
        JsonNode groups = parse(run(repo, LONG, args.toArray(String[]::new)));
        List<Snapshot> kept = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        for (JsonNode group : groups) {
            group.path("keep").forEach(s -> kept.add(snapshot(s)));
            group.path("remove").forEach(s -> removed.add(s.path("id").asText()));
        }
        return new ForgetResult(kept, removed);
    }

    /**
     * Forgets the safety snapshots (taken before a restore overwrote live data) that are
     * {@link #SAFETY_KEEP} old; they belong to no plan's tiers. Done before each prune.
     *
     * @return how many went
     */
    public int expireSafetySnapshots(RepoConfig repo) throws ResticException {
        Instant expiry = Instant.now().minus(SAFETY_KEEP);
        List<String> expired = snapshots(repo, List.of(SnapshotTags.SAFETY)).stream()
                .filter(s -> s.time().isBefore(expiry)).map(Snapshot::id).toList();
        forgetSnapshots(repo, expired);
        return expired.size();
    }

    /** The end of restic's output (its summary), for a result kept in memory and shown by the API. */
    public static String tail(String output) {
        String t = output == null ? "" : output.strip();
        return t.length() > 2000 ? "..." + t.substring(t.length() - 2000) : t;
    }

    /** Removes data no snapshot needs; {@code maxUnused} is restic's {@code --max-unused}. */
    public String prune(RepoConfig repo, java.util.Optional<String> maxUnused) throws ResticException {
        unlockStale(repo);
        List<String> args = new ArrayList<>(List.of("prune"));
        maxUnused.ifPresent(m -> args.addAll(List.of("--max-unused", m)));
        return run(repo, LONG, args.toArray(String[]::new));
    }

    /** Removes snapshots that must not stand, e.g. one made from a dump that later failed. */
    public void forgetSnapshots(RepoConfig repo, List<String> ids) throws ResticException {
        if (ids.isEmpty()) {
            return;
        }
        List<String> args = new ArrayList<>(List.of("forget"));
        args.addAll(ids);
        run(repo, QUICK, args.toArray(String[]::new));
    }

    /**
     * Bytes the repo holds on its backend (after dedup and compression): a local repo's files summed
     * (no restic, no key derivation, after every run), else restic's {@code stats --mode raw-data}.
     */
    public long repoSize(RepoConfig repo) throws ResticException {
        if (repo.local() && Files.isDirectory(Path.of(repo.uri()))) {
            try (var files = Files.walk(Path.of(repo.uri()))) {
                return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
            } catch (IOException | java.io.UncheckedIOException e) {
                LOG.debugf("repo %s: summing its files failed (%s); asking restic", repo.id(), e.getMessage());
            }
        }
        return parse(run(repo, LONG, "stats", "--json", "--mode", "raw-data")).path("total_size").asLong();
    }

    /**
     * Removes locks whose restic is gone (same host, dead PID) or that are older than 30 minutes,
     * so that a crashed run cannot block retention forever; live locks are left alone.
     */
    public void unlockStale(RepoConfig repo) throws ResticException {
        run(repo, QUICK, "unlock");
    }

    /** A lock restic holds in a repo: who took it (host name as restic saw it, process id). */
    public record Lock(String id, String hostname, long pid) {
    }

    /**
     * Removes the locks of a local repo that {@code stale} says no live restic holds, e.g. one a
     * helper container left when it was killed: restic itself would wait 30 minutes before it calls
     * another host's lock stale, and every run, check and drill would wait with it. A remote repo's
     * locks are left to {@code restic unlock} (same host and dead process, or 30 minutes old).
     */
    public void removeLocks(RepoConfig repo, Predicate<Lock> stale) throws ResticException {
        if (!repo.local() || !Files.isDirectory(Path.of(repo.uri(), "locks"))
                || !Files.exists(Path.of(repo.uri(), "config"))) {
            return;
        }
        for (String id : run(repo, QUICK, "list", "locks", "--no-lock").lines().map(String::strip)
                .filter(l -> !l.isEmpty()).toList()) {
            JsonNode lock;
            try {
                lock = parse(run(repo, QUICK, "cat", "lock", id, "--no-lock"));
            } catch (ResticException e) {
                continue; // removed meanwhile by its owner
            }
            Lock found = new Lock(id, lock.path("hostname").asText(), lock.path("pid").asLong());
            if (stale.test(found)) {
                try {
                    Files.deleteIfExists(Path.of(repo.uri(), "locks", id));
                    LOG.infof("removed lock %s of repo %s left by a restic that is gone (%s, pid %d)", id.substring(0, 8),
                            repo.id(), found.hostname(), found.pid());
                } catch (IOException e) {
                    throw new ResticException("cannot remove lock " + id + " of repo " + repo.id() + ": " + e.getMessage());
                }
            }
        }
    }

    private void forgetIfWritten(RepoConfig repo, String stdout) {
        summary(stdout).map(s -> s.path("snapshot_id").asText()).filter(id -> !id.isEmpty()).ifPresent(id -> {
            try {
                forgetSnapshots(repo, List.of(id));
                LOG.warnf("forgot snapshot %s of repo %s: its data was rejected", id, repo.id());
            } catch (ResticException e) {
                LOG.errorf("snapshot %s of repo %s holds rejected data and could not be forgotten: %s", id,
                        repo.id(), e.getMessage());
            }
        });
    }

    private Optional<JsonNode> summary(String jsonLines) {
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

    private JsonNode parse(String text) throws ResticException {
        try {
            return json.readTree(text.isBlank() ? "[]" : text);
        } catch (IOException e) {
            throw new ResticException("restic printed output that is not JSON: " + e.getMessage());
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    /**
     * Runs one restic command to its end. A repo locked by another restic (Backrest indexing, our
     * own start-up read) is waited for, up to {@link #LOCK_WAIT}: restic 0.14 has no --retry-lock.
     */
    private String run(RepoConfig repo, Duration timeout, String... args) throws ResticException {
        return run(repo, null, timeout, args);
    }

    /** @param from the repo a copy or a copy's init reads from (its environment is given to restic too) */
    private String run(RepoConfig repo, RepoConfig from, Duration timeout, String... args) throws ResticException {
        return run(repo, from, timeout, Priority.FULL, args);
    }

    private String run(RepoConfig repo, RepoConfig from, Duration timeout, Priority priority, String... args)
            throws ResticException {
        Instant giveUp = Instant.now().plus(LOCK_WAIT);
        boolean repaired = false;
        boolean unlocked = args[0].equals("unlock");
        while (true) {
            try (ResticProcess restic = start(repo, from, List.of(args), null, priority)) {
                restic.stdin().close();
                return restic.await(timeout);
            } catch (IOException e) {
                throw new ResticException("restic " + args[0] + " on repo " + repo.id() + ": " + e.getMessage(), e);
            } catch (ResticException e) {
                // a file Backrest (root) wrote since we last looked: take the repo back once, then again
                if (!repaired && e.getMessage().toLowerCase().contains("permission denied") 
                        && repairer().map(r -> r.repair(repo, e.getMessage())).orElse(false)) {
                    repaired = true;
                    continue;
                }
                if (!e.getMessage().contains("repository is already locked") || Instant.now().isAfter(giveUp)) {
                    throw e;
                }
                if (!unlocked) {
                    // a lock a crashed restic left goes now (unlock removes only stale ones); a live
                    // lock is waited for. Only here, not before every forget: each restic costs a key derivation
                    unlocked = true;
                    unlockStale(repo);
                    continue;
                }
                LOG.debugf("repo %s is locked; %s waits", repo.id(), args[0]);
                try {
                    Thread.sleep(2000);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private ResticProcess start(RepoConfig repo, List<String> args) throws ResticException {
        return start(repo, null, args, null, Priority.FULL);
    }

    private ResticProcess start(RepoConfig repo, List<String> args, OutputStream stdoutSink) throws ResticException {
        return start(repo, null, args, stdoutSink, Priority.FULL);
    }

    private ResticProcess start(RepoConfig repo, RepoConfig from, List<String> args, OutputStream stdoutSink,
                                Priority priority) throws ResticException {
        List<String> command = new ArrayList<>(priority == Priority.LOW ? yielding : List.of());
        command.addAll(List.of("restic", "--repo", repo.uri(),
                "--password-file", repo.keyFile().toString(),
                "--cache-dir", config.stateDir().resolve("restic-cache").toString()));
        // extended options of both repos: a copy reads its primary over the primary's backend too
        if (from != null) {
            from.options().forEach((k, v) -> command.addAll(List.of("-o", k + "=" + v)));
        }
        repo.options().forEach((k, v) -> command.addAll(List.of("-o", k + "=" + v)));
        command.addAll(args);
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
}
