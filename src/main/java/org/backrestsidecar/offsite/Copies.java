package org.backrestsidecar.offsite;

import org.backrestsidecar.jobs.Daemons;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.Scheduler;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.ReentrantLock;
import org.backrestsidecar.config.CopyConfig;
import org.backrestsidecar.config.PlanConfig;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.config.SidecarConfig;
import org.backrestsidecar.config.SwarmRole;
import org.backrestsidecar.metrics.BackupMetrics;
import org.backrestsidecar.progress.Progress;
import org.backrestsidecar.restic.ResticException;
import org.backrestsidecar.restic.Repository;
import org.backrestsidecar.restic.Snapshots;
import org.backrestsidecar.restic.Forget;
import org.backrestsidecar.restic.Copy;
import org.backrestsidecar.restic.Snapshot;
import org.backrestsidecar.run.PlanRun;
import org.backrestsidecar.run.RepoLocks;
import org.backrestsidecar.run.RunReport;
import org.backrestsidecar.state.StateFile;
import org.jboss.logging.Logger;

/**
 * Keeps each repo's copies: after every good run of a plan on the repo, and on a copy's own cron,
 * {@code restic copy} of what the copy does not hold yet, then the copy's retention. A copy runs on
 * its own thread, under its primary's lock (so no prune of the primary runs beneath it), and its
 * failure never touches the run that triggered it: it is reported, told and tried again next time.
 * Its state is kept in {@code stateDir/copies.json}.
 */
@ApplicationScoped
public class Copies {
    private static final Logger LOG = Logger.getLogger(Copies.class);
    private final SidecarConfig config;
    private final Repository repository;
    private final Snapshots snapshots;
    private final Forget forget;
    private final org.backrestsidecar.restic.WalRetention walRetention;
    private final Copy resticCopy;
    private final RepoLocks repoLocks;
    private final BackupMetrics metrics;
    private final Scheduler scheduler;
    private final Event<CopyFinished> finished;
    private final ObjectMapper json;
    private final Path file;
    private final Map<String, CopyState> states = new ConcurrentHashMap<>();
    private final Map<String, Progress> underWay = new ConcurrentHashMap<>();
    private final Map<String, Boolean> queued = new ConcurrentHashMap<>();
    private final ExecutorService workers = Executors.newSingleThreadExecutor(Daemons.named("offsite-copy"));

    private final SwarmRole role;

    public Copies(SidecarConfig config, Repository repository, Snapshots snapshots, Forget forget, Copy resticCopy,
                  RepoLocks repoLocks, BackupMetrics metrics, Scheduler scheduler,
                  Event<CopyFinished> finished, ObjectMapper json, org.backrestsidecar.restic.WalRetention walRetention,
                  SwarmRole role) {
        this.role = role;
        this.walRetention = walRetention;
        this.config = config;
        this.repository = repository;
        this.snapshots = snapshots;
        this.forget = forget;
        this.resticCopy = resticCopy;
        this.repoLocks = repoLocks;
        this.metrics = metrics;
        this.scheduler = scheduler;
        this.finished = finished;
        this.json = json;
        this.file = config.stateDir().resolve("copies.json");
        load();
        states.keySet().removeIf(k -> config.repos().stream().flatMap(r -> r.copies().stream().map(c -> key(r, c)))
                .noneMatch(k::equals));
        for (RepoConfig repo : config.repos()) {
            for (CopyConfig copy : repo.copies()) {
                states.putIfAbsent(key(repo, copy), CopyState.never(repo.id(), copy.id(), copy.repo().shownUri(),
                        copy.appendOnly()));
                // declared append-only (or no longer) since the state was saved
                states.computeIfPresent(key(repo, copy), (k, s) -> s.appendOnly(copy.appendOnly()));
                CopyState s = states.get(key(repo, copy));
                if (s.lastSuccess() != null) {
                    metrics.copy(repo.id(), copy.id(), s.measured());
                }
            }
        }
    }

    void schedule(@Observes StartupEvent ignored) {
        if (!role.keepsRepos()) {
            return; // the repos task copies each repo once for the whole swarm
        }
        for (RepoConfig repo : config.repos()) {
            for (CopyConfig copy : repo.copies()) {
                copy.schedule().ifPresent(cron -> scheduler.newJob("copy-" + repo.id() + "-" + copy.id()).setCron(cron)
                        .setTimeZone(config.timeZone().getId())
                        .setConcurrentExecution(Scheduled.ConcurrentExecution.SKIP)
                        .setTask(e -> start(repo.id(), copy.id())).schedule());
            }
        }
    }

    @PreDestroy
    void stop() {
        workers.shutdownNow();
    }

    /** After a good run, every copy of the run's repo is brought up to date. */
    void afterRun(@Observes RunReport run) {
        if (run.state() != PlanRun.State.SUCCEEDED || !role.keepsRepos()) {
            return;
        }
        config.repo(run.repo()).ifPresent(repo -> repo.copies().forEach(c -> start(repo.id(), c.id())));
    }

    /**
     * Queues a copy; a copy already queued or running is not queued twice.
     *
     * @throws NoSuchElementException for an unknown repo or copy
     */
    public CopyState start(String repoId, String copyId) {
        RepoConfig repo = repo(repoId);
        CopyConfig copy = copy(repo, copyId);
        String key = key(repo, copy);
        if (queued.putIfAbsent(key, Boolean.TRUE) == null) {
            workers.submit(() -> {
                try {
                    run(repo, copy);
                } finally {
                    queued.remove(key);
                }
            });
        }
        return states.get(key);
    }

    /**
     * The retention script of an append-only copy, for its server (offsite/AppendOnlyRetention).
     *
     * @throws NoSuchElementException for an unknown repo or copy, or a copy that is not append-only
     */
    public String retentionScript(String repoId, String copyId) {
        RepoConfig repo = repo(repoId);
        CopyConfig copy = copy(repo, copyId);
        if (!copy.appendOnly()) {
            throw new NoSuchElementException("copy " + copyId + " of repo " + repoId + " is not append-only: the "
                    + "sidecar runs its retention itself (appendOnly: true on the copy hands it to its server)");
        }
        return AppendOnlyRetention.script(config.plans(), repo, copy);
    }

    private RepoConfig repo(String repoId) {
        return config.repo(repoId).orElseThrow(() -> new NoSuchElementException("no repo " + repoId));
    }

    private static CopyConfig copy(RepoConfig repo, String copyId) {
        return repo.copies().stream().filter(c -> c.id().equals(copyId)).findFirst()
                .orElseThrow(() -> new NoSuchElementException("repo " + repo.id() + " has no copy " + copyId
                        + " (copies: " + String.join(", ", repo.copies().stream().map(CopyConfig::id).toList()) + ")"));
    }

    public List<CopyState> states() {
        return states.values().stream().sorted(Comparator.comparing(CopyState::key)).map(this::withProgress).toList();
    }

    public List<CopyState> statesOf(String repoId) {
        return states().stream().filter(s -> s.repo().equals(repoId)).toList();
    }

    public Optional<CopyState> state(String repoId, String copyId) {
        return Optional.ofNullable(states.get(repoId + "/" + copyId)).map(this::withProgress);
    }

    private CopyState withProgress(CopyState state) {
        Progress progress = underWay.get(state.key());
        return progress == null ? state : state.with(progress.view());
    }

    private void run(RepoConfig repo, CopyConfig copy) {
        String key = key(repo, copy);
        Instant start = Instant.now();
        Optional<Duration> expected = states.get(key).lastGoodDuration();
        boolean lastEndedBadly = states.get(key).lastAttempt() != null && states.get(key).error() != null;
        update(key, states.get(key).started(start));
        Progress progress = new Progress();
        underWay.put(key, progress);
        progress.timedItem("waiting for repo " + repo.id(), Optional.empty(), null);
        ReentrantLock lock = repoLocks.of(repo.id());
        try {
            lock.lockInterruptibly();
            // restic 0.14's copy prints no progress: the clock against the last good copy
            progress.timedItem("copying to " + copy.id(), expected, "previous copy");
            try {
                repository.ensureCopyInitialized(repo, copy.repo());
                if (lastEndedBadly && !copy.appendOnly()) {
                    // restic writes a copy's index at its end: without this the packs sent are sent again
                    // (an append-only copy's server refuses the old index's removal: there they are)
                    LOG.infof("copy %s: the last attempt did not end well; indexing what it left there first", key);
                    progress.timedItem("indexing what the last copy to " + copy.id() + " left", Optional.empty(), null);
                    repository.repairIndex(copy.repo());
                    progress.timedItem("copying to " + copy.id(), expected, "previous copy");
                }
                long before = repository.repoSize(copy.repo());
                int had = snapshots.snapshots(copy.repo(), List.of()).size();
                Integer pastRetention = null;
                if (copy.appendOnly()) {
                    appendOnlyCopy(repo, copy);
                    // its server refuses deletes (restic would retry each for a minute, then fail): its
                    // retention runs there; what has been past its tiers for a week is counted, so a
                    // copy that nobody prunes is seen
                    pastRetention = 0;
                    for (List<String> args : AppendOnlyRetention.forgets(config.plans(), repo, copy,
                            AppendOnlyRetention.GRACE_DAYS)) {
                        pastRetention += forget.wouldRemove(copy.repo(), args).size();
                    }
                } else {
                    resticCopy.copy(repo, copy.repo(), limits(copy), List.of());
                    for (PlanConfig plan : config.plans()) {
                        if (plan.repo().equals(repo.id())) {
                            forget.forget(copy.repo(), plan.id(), copy.retention().orElse(plan.retention()));
                            // each chain's newest WAL, while its base backup is kept
                            walRetention.apply(copy.repo(), plan.id(), true);
                        }
                    }
                }
                List<Snapshot> now = snapshots.snapshots(copy.repo(), List.of());
                Snapshot newest = now.stream().max(Comparator.comparing(Snapshot::time)).orElse(null);
                long after = repository.repoSize(copy.repo());
                CopyState done = states.get(key).succeeded(Instant.now(), newest == null ? null : newest.id(),
                        newest == null ? null : newest.time(), Math.max(0, now.size() - had), seconds(start),
                        after - before, pastRetention);
                update(key, done);
                metrics.copy(repo.id(), copy.id(), done.measured());
                metrics.copyRun(repo.id(), copy.id(), true);
                LOG.infof("copy %s: up to date, newest snapshot %s", key, done.newestSnapshotTime());
            } finally {
                lock.unlock();
            }
        } catch (ResticException | RuntimeException e) {
            String why = e instanceof ResticException ? e.getMessage() : e.toString();
            LOG.errorf("copy %s FAILED (the backups themselves are not affected; tried again next time): %s", key, why);
            update(key, states.get(key).failed(seconds(start), why));
            metrics.copyRun(repo.id(), copy.id(), false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            update(key, states.get(key).failed(seconds(start), "interrupted: the sidecar is stopping"));
        } finally {
            underWay.remove(key);
        }
        finished.fire(new CopyFinished(states.get(key)));
    }

    /**
     * What an append-only copy is sent: every snapshot of the primary but those its retention there
     * removes (the same forgets, on the primary, as a dry run). A copy thinned by the sidecar gets all
     * and forgets the rest at once; this one would be sent again, after each retention on its server,
     * what that retention had removed, and hold it a week.
     */
    private void appendOnlyCopy(RepoConfig repo, CopyConfig copy) throws ResticException {
        java.util.Set<String> dropped = new java.util.HashSet<>();
        for (List<String> args : AppendOnlyRetention.forgets(config.plans(), repo, copy, 0)) {
            dropped.addAll(forget.wouldRemove(repo, args));
        }
        if (dropped.isEmpty()) {
            resticCopy.copy(repo, copy.repo(), limits(copy), List.of());
            return;
        }
        List<String> sent = snapshots.snapshots(repo, List.of()).stream().map(Snapshot::id)
                .filter(id -> !dropped.contains(id)).toList();
        if (!sent.isEmpty()) {
            // an empty list would be every snapshot
            resticCopy.copy(repo, copy.repo(), limits(copy), sent);
        }
    }

    private static List<String> limits(CopyConfig copy) {
        List<String> flags = new ArrayList<>();
        copy.limitUpload().ifPresent(k -> flags.addAll(List.of("--limit-upload", String.valueOf(k))));
        copy.limitDownload().ifPresent(k -> flags.addAll(List.of("--limit-download", String.valueOf(k))));
        return flags;
    }

    private static double seconds(Instant start) {
        return Duration.between(start, Instant.now()).toMillis() / 1000.0;
    }

    private static String key(RepoConfig repo, CopyConfig copy) {
        return repo.id() + "/" + copy.id();
    }

    private synchronized void update(String key, CopyState state) {
        states.put(key, state);
        try {
            StateFile.write(file, json.writeValueAsBytes(new TreeMap<>(states)));
        } catch (IOException e) {
            LOG.warnf("copy states cannot be saved to %s: %s", file, e.getMessage());
        }
    }

    private void load() {
        if (!Files.exists(file)) {
            return;
        }
        try {
            Map<String, CopyState> saved = json.readValue(file.toFile(), new TypeReference<Map<String, CopyState>>() { });
            // a copy that was running when the sidecar stopped is not running now
            saved.forEach((k, v) -> states.put(k, v.running() ? v.failed(0, "the sidecar stopped during the copy") : v));
        } catch (IOException e) {
            LOG.warnf("copy states in %s cannot be read (%s); each copy's state starts empty", file, e.getMessage());
        }
    }
}
