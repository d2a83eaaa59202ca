package org.backrestsidecar.volumes;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.restic.RepoRepair;
import org.jboss.logging.Logger;

/**
 * The sidecar runs as its own user (10001 in its image), Backrest as root, and both write the same
 * local repos. Rather than let whoever created a file decide who may read it, the sidecar takes
 * its repos back: a helper container (root) gives every file that is not the sidecar's to the
 * sidecar's uid. Backrest, as root, reads them whatever their owner, so nobody is locked out.
 */
@ApplicationScoped
public class RepoOwnership implements RepoRepair {
    private static final Logger LOG = Logger.getLogger(RepoOwnership.class);
    private final Helpers helpers;
    private final SelfMounts self;
    private final Set<String> repairing = ConcurrentHashMap.newKeySet();

    public RepoOwnership(Helpers helpers, SelfMounts self) {
        this.helpers = helpers;
        this.self = self;
    }

    @Override
    public boolean repairIfNeeded(RepoConfig repo) {
        if (!applies(repo) || allOurs(Path.of(repo.uri()), uid())) {
            return false;
        }
        return repair(repo, "files in it belong to another user");
    }

    @Override
    public boolean repair(RepoConfig repo, String why) {
        // the helper's own clean-up runs restic on this repo: never repair from inside a repair
        if (!applies(repo) || !repairing.add(repo.id())) {
            return false;
        }
        try {
            LOG.warnf("repo %s: %s; giving its files back to uid %s", repo.id(), firstLine(why), self.owner());
            // a scratch helper runs as root, and closing it hands the repo back to the sidecar's uid
            helpers.startScratch(repo, "repo-ownership").close();
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.errorf("repo %s cannot be given back to uid %s: %s", repo.id(), self.owner(), e.getMessage());
            return false;
        } finally {
            repairing.remove(repo.id());
        }
    }

    private boolean applies(RepoConfig repo) {
        return repo.local() && !"0".equals(uid());
    }

    private String uid() {
        return self.owner().split(":")[0];
    }

    /** Every file and folder below {@code root} ours (a folder we cannot enter is not). */
    static boolean allOurs(Path root, String uid) {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return true;
        }
        try (Stream<Path> files = Files.walk(root)) {
            return files.allMatch(f -> uid.equals(owner(f)));
        } catch (IOException | UncheckedIOException e) {
            return false;
        }
    }

    private static String owner(Path file) {
        try {
            return String.valueOf(Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS));
        } catch (IOException e) {
            return "";
        }
    }

    private static String firstLine(String text) {
        return text.strip().lines().findFirst().orElse("");
    }
}
