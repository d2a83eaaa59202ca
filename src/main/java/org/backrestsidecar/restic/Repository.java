package org.backrestsidecar.restic;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import com.fasterxml.jackson.databind.JsonNode;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.config.SwarmRole;
import org.jboss.logging.Logger;

/**
 * A repository as a whole: made when missing (like its copy, on a new host), opened, its id, its
 * size, its locks, its index rebuilt after an interrupted upload.
 */
@ApplicationScoped
public class Repository {
    private static final Logger LOG = Logger.getLogger(Repository.class);
    private static final Duration INIT_WAIT = Duration.ofSeconds(60);
    private final ResticCommand restic;
    private final SwarmRole role;
    private final Map<String, Object> initLocks = new ConcurrentHashMap<>();

    /** Not in a swarm: a repo that does not exist yet is created by whoever needs it first. */
    public Repository(ResticCommand restic) {
        this(restic, SwarmRole.ALL);
    }

    @jakarta.inject.Inject
    public Repository(ResticCommand restic, SwarmRole role) {
        this.restic = restic;
        this.role = role;
    }

    /**
     * Makes sure the sidecar can read and write every file of a local repo, which Backrest (root)
     * may have written meanwhile; called before a run, restore or drill opens the repo.
     */
    public void reclaim(RepoConfig repo) {
        restic.repairer().ifPresent(r -> r.repairIfNeeded(repo));
    }

    /** The key restic run elsewhere (a helper container) should try first: the repo's quick key. */
    public Optional<String> keyHint(RepoConfig repo) {
        return restic.keyHint(repo);
    }

    /** Why the repo cannot be opened with its key, or empty when it opens. */
    public Optional<String> openProblem(RepoConfig repo) {
        try {
            readConfig(repo);
            return Optional.empty();
        } catch (ResticException e) {
            return Optional.of(e.getMessage());
        }
    }

    /** The repo's restic id (Backrest's {@code guid}), or empty when it does not exist yet. */
    public Optional<String> repoGuid(RepoConfig repo) {
        try {
            String id = restic.parse(readConfig(repo)).path("id").asText("");
            return id.isEmpty() ? Optional.empty() : Optional.of(id);
        } catch (ResticException e) {
            return Optional.empty();
        }
    }

    /**
     * The repo's config, read with the key but without a lock: every status a peer asks for reads it,
     * and restic 0.14's {@code cat} would take a lock each time, short but enough to make a forget or
     * prune (which needs the repo to itself) fail, and to wait itself behind another node's prune.
     */
    private String readConfig(RepoConfig repo) throws ResticException {
        return restic.run(repo, ResticCommand.QUICK, "cat", "config", "--no-lock");
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
            if (repo.local() && Files.isRegularFile(Path.of(repo.uri(), "config"))) {
                return;
            }
            Optional<String> problem = openProblem(repo);
            if (problem.isEmpty()) {
                return;
            }
            if (!role.keepsRepos()) {
                // every node would run restic init on the shared repo at once (a remote backend may keep
                // one node's config and another's key); the repos task alone creates it
                throw new ResticException(ResticException.saysNoRepository(problem.get()) ? "repo " + repo.id() + " is not created yet: in "
                        + "a swarm the repos task (SIDECAR_SWARM_ROLE=repos) creates it" : problem.get());
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

    private void initialize(RepoConfig repo, RepoConfig from, String... init) throws ResticException {
        Optional<String> problem = openProblem(repo);
        if (problem.isEmpty()) {
            return;
        }
        String why = problem.get();
        if (ResticException.saysNoRepository(why) && repo.local() && isEmptyOrAbsent(Path.of(repo.uri()))
                && initBesideAndMoveIn(repo, from, init)) {
            return;
        }
        problem = openProblem(repo);
        if (problem.isEmpty()) {
            return;
        }
        why = problem.get();
        if (ResticException.saysNoRepository(why) && repo.local() && !isEmptyOrAbsent(Path.of(repo.uri()))) {
            // files but no config: another restic (Backrest, at its start) is creating this repo right now;
            // a second init beside it would leave a config and a key that do not belong together
            Instant giveUp = Instant.now().plus(INIT_WAIT);
            while (problem.isPresent() && ResticException.saysNoRepository(problem.get()) && Instant.now().isBefore(giveUp)) {
                sleep(Duration.ofSeconds(1));
                problem = openProblem(repo);
            }
            if (problem.isEmpty()) {
                return;
            }
            why = problem.get();
            if (ResticException.saysNoRepository(why)) {
                throw new ResticException("repo " + repo.id() + " (" + repo.shownUri() + ") holds files but no restic config "
                        + "after " + INIT_WAIT.toSeconds() + " s: a half-created repo; move it aside to let the sidecar create it");
            }
        }
        if (!ResticException.saysNoRepository(why)) {
            throw new ResticException("repo " + repo.id() + " (" + repo.shownUri() + ") cannot be opened: " + why);
        }
        LOG.infof("initialising restic repo %s at %s", repo.id(), repo.shownUri());
        restic.run(repo, from, ResticCommand.QUICK, init);
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
        restic.run(there, from, ResticCommand.QUICK, init);
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
     * Indexes the packs that an attempt which did not end (killed, its server gone) left in {@code repo}
     * without an index, so that the next copy reuses them instead of sending them again. It reads every
     * pack's header: run it only after an attempt that failed. restic 0.14 calls it {@code rebuild-index},
     * 0.16 and later {@code repair index}.
     */
    public String repairIndex(RepoConfig repo) throws ResticException {
        try {
            return restic.run(repo, ResticCommand.LONG, "rebuild-index");
        } catch (ResticException e) {
            if (e.kind() != ResticException.Kind.UNKNOWN_COMMAND) {
                throw e;
            }
            return restic.run(repo, ResticCommand.LONG, "repair", "index");
        }
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
        return restic.parse(restic.run(repo, ResticCommand.LONG, "stats", "--json", "--mode", "raw-data")).path("total_size").asLong();
    }

    /** A lock restic holds in a repo: who took it (host name as restic saw it, process id). */
    public record Lock(String id, String hostname, long pid) {
    }

    /** {@code restic unlock}: removes only the locks restic itself takes for stale. */
    public void unlockStale(RepoConfig repo) throws ResticException {
        restic.unlockStale(repo);
    }

    /** Every lock in the repo, local or remote, as restic reads them (one that goes meanwhile is left out). */
    public List<Lock> locks(RepoConfig repo) throws ResticException {
        List<Lock> found = new ArrayList<>();
        for (String id : restic.run(repo, ResticCommand.QUICK, "list", "locks", "--no-lock").lines().map(String::strip)
                .filter(l -> !l.isEmpty()).toList()) {
            try {
                JsonNode lock = restic.parse(restic.run(repo, ResticCommand.QUICK, "cat", "lock", id, "--no-lock"));
                found.add(new Lock(id, lock.path("hostname").asText(), lock.path("pid").asLong()));
            } catch (ResticException e) {
                // removed meanwhile by its owner
            }
        }
        return found;
    }

    /**
     * Removes the locks of a local repo that {@code stale} says no live restic holds, e.g. one a
     * helper container left when it was killed: restic itself would wait 30 minutes before it calls
     * another host's lock stale, and every run, check and drill would wait with it. A remote repo's
     * lock files are not ours to delete (volumes/Helpers clears them through restic).
     */
    public void removeLocks(RepoConfig repo, Predicate<Lock> stale) throws ResticException {
        if (!repo.local()) {
            return;
        }
        if (!Files.isDirectory(Path.of(repo.uri(), "locks")) || !Files.exists(Path.of(repo.uri(), "config"))) {
            return;
        }
        for (Lock found : locks(repo)) {
            String id = found.id();
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
}
