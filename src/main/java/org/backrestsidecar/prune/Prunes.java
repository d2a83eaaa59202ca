package org.backrestsidecar.prune;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.offsite.CopyState;
import org.backrestsidecar.restic.ResticCommand;
import org.backrestsidecar.config.SidecarConfig;
import org.backrestsidecar.metrics.BackupMetrics;
import org.backrestsidecar.restic.Forget;
import org.backrestsidecar.restic.ResticException;
import org.backrestsidecar.run.RepoLocks;
import org.backrestsidecar.history.Histories;
import org.backrestsidecar.history.History;
import org.jboss.logging.Logger;

/**
 * {@code restic prune} of every repo on its own schedule ({@code prune.schedule}, weekly by default),
 * never after each run: a run only forgets. Under the repo's lock, since restic 0.14's backup does not
 * wait for prune's exclusive lock.
 */
@ApplicationScoped
public class Prunes {
    private static final Logger LOG = Logger.getLogger(Prunes.class);

    /** One prune's outcome: {@code output} is the end of restic's report (what it freed). */
    public record Result(String repo, Instant at, double seconds, boolean succeeded, String output) {
    }

    private final SidecarConfig config;
    private final Forget forget;
    private final RepoLocks repoLocks;
    private final BackupMetrics metrics;
    private final Map<String, Result> latest = new ConcurrentHashMap<>();

    private final History<Result> history;

    public Prunes(SidecarConfig config, Forget forget, RepoLocks repoLocks, BackupMetrics metrics, Histories histories) {
        this.config = config;
        this.forget = forget;
        this.repoLocks = repoLocks;
        this.metrics = metrics;
        this.history = histories.open("prunes", Result.class, r -> r.repo() + "@" + r.at(), Result::at);
        for (Result saved : history.entries()) {
            latest.put(saved.repo(), saved);
            metrics.repoPrune(saved.repo(), saved.at(), saved.seconds(), saved.succeeded());
        }
    }

    /**
     * Prunes one repo now, then each of its offsite copies (whose own retention forgot their
     * snapshots), after the run, restore or copy that holds the repo has ended.
     *
     * @return the repo's result, then each copy's ({@code repo/copy})
     */
    public List<Result> prune(String repoId) throws InterruptedException {
        RepoConfig repo = config.repo(repoId).orElseThrow(() -> new NoSuchElementException("no repo " + repoId));
        ReentrantLock lock = repoLocks.of(repo.id());
        lock.lockInterruptibly();
        try {
            List<Result> results = new java.util.ArrayList<>();
            results.add(pruneOne(repo));
            // an append-only copy's server refuses deletes: its prune runs there (offsite/AppendOnlyRetention)
            repo.copies().forEach(copy -> results.add(copy.appendOnly()
                    ? new Result(copy.repo().id(), Instant.now(), 0, true, CopyState.APPEND_ONLY)
                    : pruneOne(copy.repo())));
            return results;
        } finally {
            lock.unlock();
        }
    }

    private Result pruneOne(RepoConfig repo) {
        Instant start = Instant.now();
        Result result;
        try {
            int expired = forget.expireSafetySnapshots(repo);
            String out = (expired > 0 ? expired + " safety snapshots older than " + Forget.SAFETY_KEEP.toDays()
                    + " days forgotten\n" : "") + forget.prune(repo, config.prune().maxUnused());
            result = new Result(repo.id(), start, seconds(start), true, ResticCommand.tail(out));
            LOG.infof("repo %s pruned in %.1f s", repo.id(), result.seconds());
        } catch (ResticException e) {
            if (e.noRepository()) {
                // a copy not made yet (its first copy is still to come): nothing to prune
                return new Result(repo.id(), start, seconds(start), true, "no repository there yet: nothing to prune");
            }
            result = new Result(repo.id(), start, seconds(start), false, ResticCommand.tail(e.getMessage()));
            LOG.errorf("prune of repo %s FAILED: %s", repo.id(), e.getMessage());
        }
        latest.put(repo.id(), result);
        history.put(result);
        metrics.repoPrune(repo.id(), result.at(), result.seconds(), result.succeeded());
        return result;
    }

    /** The scheduler's way in: every repo, one after the other. */
    public void pruneAll() {
        for (RepoConfig repo : config.repos()) {
            try {
                prune(repo.id());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    public List<Result> latest() {
        return latest.values().stream().sorted(Comparator.comparing(Result::repo)).toList();
    }

    private static double seconds(Instant start) {
        return Duration.between(start, Instant.now()).toMillis() / 1000.0;
    }
}
