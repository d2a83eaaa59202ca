package org.backrestsidecar.restic;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.backrestsidecar.config.RepoConfig;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * A second key in a local repo for the sidecar's own restics: the same password, derived at a
 * cost of milliseconds instead of restic's calibrated half second of scrypt (N 2^15, r 8, p 7 on
 * the test machine). Every restic start derives the repo's key anew, and the sidecar starts one per
 * WAL ship (every 12 s), several per run and per restore. The cost protects a password that can be
 * guessed; a key of {@link #MIN_KEY_CHARS} or more characters (setup writes 44 random ones) is not
 * guessed at any cost, so a quick key is made only for such a key, and only where the sidecar can
 * write the repo's files itself (a repo in a folder). restic finds it by {@code --key-hint}; Backrest
 * and a restic by hand open whichever key they try first (both open the same master key). The
 * key is written, then proven by restic itself (restic reads the repo's config with that key alone)
 * or removed. A quick key names the restic key it was made from ({@code for-key-<id>} as its host),
 * and goes when that key goes ({@code restic key remove} of a key rotated away): it never opens the
 * repo longer than the key it stands for. {@code sidecar.restic.quick-key=false} makes none.
 */
@ApplicationScoped
public class QuickKeys {
    private static final Logger LOG = Logger.getLogger(QuickKeys.class);
    /** The cost of a quick key: 8 MiB and about 20 ms of scrypt, against restic's 0.5 s. */
    static final RepoKeyFile.Cost QUICK = new RepoKeyFile.Cost(1 << 13, 8, 1);
    /** A key this long or longer is made a quick key: setup's are 44 random characters. */
    static final int MIN_KEY_CHARS = 32;
    /** What a quick key says is its user in {@code restic key list}, and how the sidecar knows its own. */
    static final String USERNAME = "backrest-sidecar";
    /** A repo where no quick key could be made is tried again after this long. */
    static final Duration RETRY_AFTER = Duration.ofHours(1);
    /**
     * ... or after this long when another restic held it exclusively (a prune, another node's forget):
     * restic 0.14's {@code key list} takes a lock even with {@code --no-lock}, and the lock is soon gone.
     */
    static final Duration RETRY_AFTER_LOCK = Duration.ofMinutes(1);

    private final boolean enabled;
    /** By repo id and password: the quick key's id, or when making one last failed. */
    private final Map<String, Known> known = new ConcurrentHashMap<>();
    private final Map<String, Object> making = new ConcurrentHashMap<>();

    private record Known(Optional<String> id, Instant retryAt, String password, String uri) {
    }

    /** The master key and the restic key it was read with, which a quick key made from it lives as long as. */
    public record Opened(byte[] master, String keyId) {
    }

    /** What a quick key's host says: the restic key it was made from ({@code restic key list} shows it). */
    static final String PARENT = "for-key-";
    /** How often a repo's quick keys are looked over for one whose key is gone. */
    static final Duration SWEEP_EVERY = Duration.ofMinutes(5);
    private final Map<String, Instant> swept = new ConcurrentHashMap<>();

    /**
     * What is asked of restic itself, run without a hint. The repo's own key is opened by restic only:
     * its scrypt may take up to 60 MiB (restic's calibration), more than the sidecar's heap should
     * hold; the sidecar runs scrypt only at {@link #QUICK}'s cost.
     */
    public interface ByRestic {
        /**
         * The repo's master key as {@code restic cat masterkey} prints it, the repo opened with its key
         * file, and the id restic lists the key it opened by ({@code key list}: 8 hex digits).
         */
        Opened masterKey(RepoConfig repo) throws IOException;

        /** Whether restic opens the repo with key {@code id} and no other. */
        boolean opensWith(RepoConfig repo, String id);

        /** Gives the repo's files back to the sidecar's user (RepoRepair); true when it could try. */
        boolean takeBack(RepoConfig repo, String why);
    }

    public QuickKeys(@ConfigProperty(name = "sidecar.restic.quick-key", defaultValue = "true") boolean enabled) {
        this.enabled = enabled;
    }

    /** How long a repo goes without a quick key after {@code failure}: a minute when only a lock was in the way. */
    static Duration retryAfter(Throwable failure) {
        return anyCause(failure, c -> c instanceof ResticException r && r.kind() == ResticException.Kind.LOCKED)
                ? RETRY_AFTER_LOCK : RETRY_AFTER;
    }

    /** Whether {@code failure} was the file system's or restic's "permission denied". */
    static boolean deniedPermission(Throwable failure) {
        return anyCause(failure, c -> c instanceof java.nio.file.AccessDeniedException
                || c instanceof ResticException r && r.kind() == ResticException.Kind.PERMISSION_DENIED);
    }

    /** Whether {@code failure} or any of its causes is {@code what}: restic's failures arrive wrapped. */
    private static boolean anyCause(Throwable failure, java.util.function.Predicate<Throwable> what) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (what.test(cause)) {
                return true;
            }
        }
        return false;
    }

    /** When a repo with no quick key is tried again (empty when it has one, or was never tried). */
    Optional<Instant> retryAt(String repoId) {
        Known was = known.get(repoId);
        return was == null || was.id().isPresent() ? Optional.empty() : Optional.of(was.retryAt());
    }

    /**
     * The id restic's {@code --key-hint} should name for {@code repo}, making the quick key first if
     * there is none. Never throws: without a hint restic opens the repo as before, only slower.
     *
     * @param restic restic itself, for the master key and the proof of a key made here
     */
    public Optional<String> hint(RepoConfig repo, ByRestic restic) {
        if (!enabled || !repo.local()) {
            return Optional.empty();
        }
        String password;
        try {
            password = RepoKeyFile.password(Files.readString(repo.keyFile()));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // restic itself will say what is wrong with the key file
        }
        if (password.length() < MIN_KEY_CHARS) {
            return Optional.empty();
        }
        Path keys = Path.of(repo.uri()).resolve("keys");
        if (!Files.isDirectory(keys) || !Files.isRegularFile(keys.resolveSibling("config"))) {
            // not initialised yet, or being initialised right now (Backrest's init at its start: restic
            // writes the key, then the config); asked again at the next restic start
            return Optional.empty();
        }
        Instant lastSwept = swept.get(repo.uri());
        if (lastSwept == null || lastSwept.plus(SWEEP_EVERY).isBefore(Instant.now())) {
            swept.put(repo.uri(), Instant.now());
            sweep(repo, keys);
        }
        Known was = known.get(repo.id());
        if (was != null && was.password().equals(password) && was.uri().equals(repo.uri())) {
            if (was.id().isPresent() && Files.exists(keys.resolve(was.id().get()))) {
                return was.id();
            }
            if (was.id().isEmpty() && was.retryAt().isAfter(Instant.now())) {
                return Optional.empty();
            }
        }
        synchronized (making.computeIfAbsent(repo.id(), id -> new Object())) {
            Known now = known.get(repo.id());
            if (now != null && now != was && now.password().equals(password) && now.uri().equals(repo.uri())) {
                return now.id();
            }
            Optional<String> id = Optional.empty();
            Duration retryAfter = RETRY_AFTER;
            try {
                try {
                    id = findOrMake(repo, keys, password, restic);
                } catch (IOException | RuntimeException e) {
                    // Backrest (root) made the repo: its keys/ and locks/ are root's until the sidecar takes it back
                    if (!deniedPermission(e) || !restic.takeBack(repo, "permission denied making its quick key: " + e.getMessage())) {
                        throw e;
                    }
                    id = findOrMake(repo, keys, password, restic);
                }
            } catch (IOException | RuntimeException e) {
                retryAfter = retryAfter(e);
                LOG.infof("repo %s: no quick key (%s): each restic derives the repo's key at restic's own cost;"
                        + " tried again in %s", repo.id(), e.getMessage(), retryAfter);
            }
            known.put(repo.id(), new Known(id, Instant.now().plus(retryAfter), password, repo.uri()));
            return id;
        }
    }

    private Optional<String> findOrMake(RepoConfig repo, Path keys, String password, ByRestic restic)
            throws IOException {
        List<Path> ours = new ArrayList<>();
        Optional<Path> beside = Optional.empty();
        for (Map.Entry<Path, RepoKeyFile> key : keyFiles(keys).entrySet()) {
            if (ours(key.getValue())) {
                ours.add(key.getKey());
            } else {
                beside = beside.or(() -> Optional.of(key.getKey()));
            }
        }
        // one of ours another key's password seals (a node of a swarm whose key is rotated first) is left alone
        Optional<String> found = Optional.empty();
        for (Path file : ours) {
            if (found.isEmpty() && opens(file, password)) {
                found = Optional.of(file.getFileName().toString());
            }
        }
        // one found is proven too (once a start): a key of another repo's master key opens with the
        // password as well, and every restic hinted at it would then fail to read the repo
        if (found.isPresent() && !restic.opensWith(repo, found.get())) {
            Files.deleteIfExists(keys.resolve(found.get()));
            LOG.infof("repo %s: removed the quick key %s: restic did not open the repo with it", repo.id(),
                    found.get().substring(0, 8));
            found = Optional.empty();
        }
        if (found.isPresent()) {
            return found;
        }
        if (beside.isEmpty()) {
            throw new IOException("no key of restic's own in " + keys);
        }
        Opened opened = restic.masterKey(repo); // fails when the key file does not open the repo
        byte[] master = opened.master();
        byte[] file = RepoKeyFile.seal(master, password, QUICK, USERNAME, PARENT + opened.keyId(), Instant.now());
        String id = RepoKeyFile.id(file);
        Path target = keys.resolve(id);
        // restic's own way: a temporary name restic does not read as a key, then renamed
        Path temporary = keys.resolve(id + "-tmp-" + Long.toHexString(System.nanoTime()));
        try {
            Files.write(temporary, file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            copyPermissions(beside.get(), temporary);
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temporary);
        }
        if (!restic.opensWith(repo, id)) {
            Files.deleteIfExists(target);
            throw new IOException("restic did not open the repo with the quick key written (removed again)");
        }
        LOG.infof("repo %s: quick key %s made (scrypt N %d, r %d, p %d): the sidecar's restics open the repo"
                + " without restic's half second of key derivation", repo.id(), id.substring(0, 8), QUICK.n(),
                QUICK.r(), QUICK.p());
        return Optional.of(id);
    }

    private static boolean opens(Path file, String password) {
        try {
            RepoKeyFile.parse(Files.readAllBytes(file)).open(password);
            return true;
        } catch (RepoKeyFile.NotOpened | IOException e) {
            return false;
        }
    }

    /** As restic leaves its own files: the modes of the key beside it (read-only). */
    private static void copyPermissions(Path from, Path to) throws IOException {
        try {
            Set<PosixFilePermission> modes = Files.getPosixFilePermissions(from);
            Files.setPosixFilePermissions(to, modes);
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: restic reads it as it is
        }
    }

    /**
     * Removes each quick key of ours whose restic key is gone from the repo (`restic key remove` of a
     * key rotated away): a quick key opens the repo exactly as long as the key it was made from.
     */
    private static void sweep(RepoConfig repo, Path keys) {
        try {
            Map<Path, RepoKeyFile> all = keyFiles(keys);
            for (Map.Entry<Path, RepoKeyFile> key : all.entrySet()) {
                if (!ours(key.getValue())) {
                    continue;
                }
                String name = key.getKey().getFileName().toString();
                String parent = key.getValue().hostname().substring(PARENT.length());
                boolean parentThere = parent.matches("[0-9a-f]{8,64}") && all.keySet().stream()
                        .map(f -> f.getFileName().toString()).anyMatch(n -> !n.equals(name) && n.startsWith(parent));
                if (!parentThere) {
                    Files.deleteIfExists(key.getKey());
                    LOG.infof("repo %s: removed the quick key %s: the key it was made from (%s) is gone", repo.id(),
                            name.substring(0, 8), parent);
                }
            }
        } catch (IOException e) {
            LOG.debugf("repo %s: its quick keys were not looked over: %s", repo.id(), e.getMessage());
        }
    }

    /**
     * A quick key of the sidecar's: its user, its cost (only keys at that cost are ever opened here,
     * their scrypt takes 8 MiB) and the restic key it was made from in its host.
     */
    private static boolean ours(RepoKeyFile key) {
        return USERNAME.equals(key.username()) && key.cost().equals(QUICK) && key.hostname() != null
                && key.hostname().startsWith(PARENT);
    }

    /** The repo's key files by path, in name order (what is no key file, e.g. restic's temporary ones, left out). */
    private static Map<Path, RepoKeyFile> keyFiles(Path keys) throws IOException {
        Map<Path, RepoKeyFile> found = new java.util.LinkedHashMap<>();
        try (Stream<Path> files = Files.list(keys)) {
            for (Path file : files.filter(f -> f.getFileName().toString().matches("[0-9a-f]{64}")).sorted().toList()) {
                try {
                    found.put(file, RepoKeyFile.parse(Files.readAllBytes(file)));
                } catch (RepoKeyFile.NotOpened | java.nio.file.NoSuchFileException e) {
                    // not a key file, or removed since it was listed (another sidecar's sweep)
                }
            }
        }
        return found;
    }
}
