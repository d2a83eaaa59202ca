package org.backrestsidecar.run;

import org.backrestsidecar.jobs.Daemons;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;
import org.backrestsidecar.config.PlanConfig;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.config.SidecarConfig;
import org.backrestsidecar.config.SwarmRole;
import org.backrestsidecar.discovery.Discovery;
import org.backrestsidecar.discovery.Target;
import org.backrestsidecar.metrics.BackupMetrics;
import org.backrestsidecar.restic.ForgetResult;
import org.backrestsidecar.restic.Repository;
import org.backrestsidecar.restic.Backup;
import org.backrestsidecar.restic.Snapshots;
import org.backrestsidecar.restic.Forget;
import org.backrestsidecar.restic.ResticCommand;
import org.backrestsidecar.restic.ResticException;
import org.backrestsidecar.restic.Snapshot;
import org.backrestsidecar.restic.SnapshotTags;
import org.backrestsidecar.restic.StoredSnapshot;
import org.backrestsidecar.quiesce.UndoStack;
import org.backrestsidecar.restic.WalRetention;
import org.backrestsidecar.strategy.BackupFacts;
import org.backrestsidecar.strategy.BackupStrategy;
import org.backrestsidecar.strategy.ExecHooks;
import org.backrestsidecar.strategy.Strategies;
import org.backrestsidecar.strategy.TargetBackup;
import org.jboss.logging.Logger;

/**
 * Runs a plan as a script of named phases: wait for the repo, open it, find the targets, back each
 * one up, store the plan's host paths, apply retention, measure the repo. One target's failure is
 * recorded and the next target still runs.
 */
@ApplicationScoped
public class PlanRunner implements PlanRuns {
    private static final Logger LOG = Logger.getLogger(PlanRunner.class);
    /** The pseudo-target under which a plan's extra host paths are stored. */
    public static final String HOST_PATHS_TARGET = "host-paths";

    private final SidecarConfig config;
    private final Discovery discovery;
    private final Strategies strategies;
    private final Repository repository;
    private final Backup resticBackup;
    private final Snapshots snapshots;
    private final Forget forget;
    private final WalRetention walRetention;
    private final RunRegistry registry;
    private final BackupMetrics metrics;
    private final ExecHooks hooks;
    private final Event<RunReport> finished;
    private final Event<RunStarted> started;
    private final ObjectMapper json;
    private final ExecutorService workers = Executors.newFixedThreadPool(4, Daemons.named("plan-run"));
    private final RepoLocks repoLocks;
    private static final Duration LOCKED_RETRY = Duration.ofSeconds(5);
    private final SwarmRole role;
    /** How long a node's retention waits for another node's lock on the shared repo before it is deferred. */
    private final Duration sharedRepoLockWait;

    public PlanRunner(SidecarConfig config, Discovery discovery, Strategies strategies, Repository repository,
                      Backup resticBackup, Snapshots snapshots, Forget forget,
                      RunRegistry registry, BackupMetrics metrics, ExecHooks hooks, Event<RunReport> finished,
                      Event<RunStarted> started, ObjectMapper json, RepoLocks repoLocks, WalRetention walRetention,
                      SwarmRole role,
                      @org.eclipse.microprofile.config.inject.ConfigProperty(name = "sidecar.swarm.retention-lock-wait",
                              defaultValue = "2m") Duration sharedRepoLockWait) {
        this.role = role;
        this.sharedRepoLockWait = sharedRepoLockWait;
        this.walRetention = walRetention;
        this.started = started;
        this.repoLocks = repoLocks;
        this.json = json;
        this.hooks = hooks;
        this.finished = finished;
        this.config = config;
        this.discovery = discovery;
        this.strategies = strategies;
        this.repository = repository;
        this.resticBackup = resticBackup;
        this.snapshots = snapshots;
        this.forget = forget;
        this.registry = registry;
        this.metrics = metrics;
    }

    /** A run the WAL archiver owes a base backup to (PlanRuns): false when one runs already. */
    @Override
    public boolean startScheduled(String plan) {
        try {
            start(plan, PlanRun.Trigger.SCHEDULE);
            return true;
        } catch (PlanBusyException e) {
            return false;
        }
    }

    /**
     * Starts a run in the background.
     *
     * @throws java.util.NoSuchElementException when there is no such plan
     * @throws PlanBusyException      when the plan is running already
     */
    public PlanRun start(String planId, PlanRun.Trigger trigger) throws PlanBusyException {
        PlanConfig plan = config.requirePlan(planId);
        PlanRun run = registry.open(UUID.randomUUID().toString(), plan.id(), plan.repo(), trigger);
        workers.submit(() -> execute(plan, run));
        return run;
    }

    /** Runs a plan and returns when it has ended: the scheduler's way in. */
    public PlanRun runAndWait(String planId, PlanRun.Trigger trigger) throws PlanBusyException {
        PlanConfig plan = config.requirePlan(planId);
        PlanRun run = registry.open(UUID.randomUUID().toString(), plan.id(), plan.repo(), trigger);
        execute(plan, run);
        return run;
    }

    private void execute(PlanConfig plan, PlanRun run) {
        RepoConfig repo = config.repoOf(plan);
        ReentrantLock repoLock = repoLocks.of(repo.id());
        try {
            started.fire(new RunStarted(run.id(), plan.id()));
            run.phase("waiting for repo " + repo.id());
            repoLock.lockInterruptibly();
            try {
                run.phase("opening repo");
                repository.reclaim(repo);
                repository.ensureInitialized(repo);
                run.phase("discovering targets");
                List<Target> targets = discovery.refresh().stream().filter(t -> t.plan().equals(plan.id())).toList();
                for (Target target : targets) {
                    run.phase("backing up " + target.name());
                    run.progress().item("backing up " + target.name(), registry.previousBytes(plan.id(), target.name()),
                            "previous run");
                    run.add(backUp(plan, repo, target, run));
                }
                if (!plan.paths().isEmpty()) {
                    run.phase("backing up host paths");
                    // restic reads them itself here, without status lines: the time so far, no bytes
                    run.progress().item("backing up " + HOST_PATHS_TARGET, java.util.OptionalLong.empty(), null);
                    run.add(backUpHostPaths(plan, repo, run));
                }
                run.phase("applying retention");
                applyRetention(plan, repo, run);
                run.phase("measuring repo");
                metrics.repoSize(repo.id(), repository.repoSize(repo));
            } finally {
                repoLock.unlock();
            }
        } catch (ResticException e) {
            run.error(e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            run.error("interrupted: the sidecar is shutting down");
        } catch (RuntimeException e) {
            LOG.errorf(e, "plan %s run %s broke", plan.id(), run.id());
            run.error("unexpected: " + e);
        } finally {
            run.finish();
            registry.close(run);
            report(run);
            // e.g. Backrest indexes the repo, so the new snapshots show under the plan at once
            finished.fire(run.report());
        }
    }

    private TargetResult backUp(PlanConfig plan, RepoConfig repo, Target target, PlanRun run)
            throws InterruptedException {
        Instant start = Instant.now();
        Instant giveUp = start.plus(ResticCommand.LOCK_WAIT);
        while (true) {
            Attempt attempt = attempt(plan, repo, target, run);
            // another node's forget or prune holds the shared repo exclusively for a moment; restic
            // stopped before it wrote anything, and the container is running again: try once more
            boolean locked = ResticException.Kind.of(attempt.error()) == ResticException.Kind.LOCKED
                    && attempt.backup().snapshots().isEmpty();
            if (!locked || Instant.now().isAfter(giveUp)) {
                return result(target.name(), target.containerName(), target.strategy(), attempt.backup(),
                        attempt.error(), start);
            }
            run.phase("backing up " + target.name() + ": the repo is locked by another restic, waiting");
            LOG.infof("repo %s is locked exclusively; %s is backed up again in %d s", repo.id(), target.name(),
                    LOCKED_RETRY.toSeconds());
            Thread.sleep(LOCKED_RETRY.toMillis());
            run.phase("backing up " + target.name());
        }
    }

    private record Attempt(TargetBackup backup, String error) {
    }

    private Attempt attempt(PlanConfig plan, RepoConfig repo, Target target, PlanRun run) {
        SnapshotTags tags = SnapshotTags.ofRun(plan.id(), config.instance(), target.name(), run.id());
        TargetBackup backup = new TargetBackup(resticBackup, repo,
                target.walMode() ? tags.with(SnapshotTags.WAL_BASE) : tags, config.instance(),
                run.id(), plan.priority(), run.progress());
        String error = null;
        BackupStrategy strategy = target.usable() ? strategies.named(target.strategy()).orElseThrow() : null;
        if (strategy == null) {
            error = String.join("; ", target.problems());
        } else if (strategy.needsRunningContainer() && !target.running()) {
            error = "container " + target.containerName() + " is " + target.state() + ", not running";
        } else {
            // the post hook sits on this stack once the pre hook ran, so it runs on every path after
            try (UndoStack afterCopy = new UndoStack()) {
                Optional<String> skipped = hooks.before(target, backup, afterCopy);
                if (skipped.isPresent()) {
                    error = skipped.get();
                } else {
                    strategy.backUp(target, backup);
                }
            } catch (Exception e) {
                error = e.getMessage() == null ? e.toString() : e.getMessage();
            }
            if (error == null && !backup.failures().isEmpty()) {
                error = String.join("; ", backup.failures());
            }
            if (error == null) {
                error = storeFacts(target, backup).orElse(null);
            }
        }
        return new Attempt(backup, error);
    }

    /** Stores what the drill will compare beside the backup, as one more snapshot of the same run. */
    private Optional<String> storeFacts(Target target, TargetBackup backup) {
        try {
            byte[] facts = json.writerWithDefaultPrettyPrinter().writeValueAsBytes(
                    backup.facts(target.name(), target.strategy()));
            backup.stream(BackupFacts.pathOf(target.name()), out -> {
                out.write(facts);
                return Optional.empty();
            });
            return Optional.empty();
        } catch (IOException | ResticException e) {
            return Optional.of("the backup facts could not be stored: " + e.getMessage());
        }
    }

    private TargetResult backUpHostPaths(PlanConfig plan, RepoConfig repo, PlanRun run) {
        Instant start = Instant.now();
        SnapshotTags tags = SnapshotTags.ofRun(plan.id(), config.instance(), HOST_PATHS_TARGET, run.id());
        TargetBackup backup = new TargetBackup(resticBackup, repo, tags, config.instance(), run.id(), plan.priority(),
                run.progress());
        List<Path> paths = plan.paths();
        if (role != SwarmRole.ALL) {
            // one config/sidecar.yml serves Compose and a swarm: the bundle mounts the stack's files at
            // these paths, a Swarm task has them as Swarm configs instead. What a node lacks is said
            // and skipped, not a failed run on every node; in Compose a missing path stays restic's error
            List<Path> absent = paths.stream().filter(p -> !Files.exists(p)).toList();
            if (!absent.isEmpty()) {
                backup.note("not in this Swarm task, skipped: " + absent.stream().map(Path::toString)
                        .collect(Collectors.joining(", ")) + " (the Compose bundle "
                        + "mounts the stack's files there; a swarm keeps them as Swarm configs: docs/swarm.md)");
                paths = paths.stream().filter(p -> !absent.contains(p)).toList();
            }
            if (paths.isEmpty()) {
                return result(HOST_PATHS_TARGET, "", "paths", backup, null, start).skipped();
            }
        }
        try {
            backup.stored(resticBackup.backupPaths(repo, paths, tags, config.instance(), plan.priority()));
            return result(HOST_PATHS_TARGET, "", "paths", backup, null, start);
        } catch (ResticException e) {
            return result(HOST_PATHS_TARGET, "", "paths", backup, e.getMessage(), start);
        }
    }

    private static TargetResult result(String name, String container, String strategy, TargetBackup backup,
                                       String error, Instant start) {
        List<StoredSnapshot> made = backup.snapshots();
        return new TargetResult(name, container, strategy,
                error == null ? TargetResult.Outcome.SUCCEEDED : TargetResult.Outcome.FAILED,
                made.stream().map(StoredSnapshot::id).toList(),
                made.stream().mapToLong(StoredSnapshot::bytesAdded).sum(),
                made.stream().mapToLong(StoredSnapshot::bytesProcessed).sum(),
                Duration.between(start, Instant.now()), backup.downtime(), backup.hookFailures(), backup.notes(), error);
    }

    private void applyRetention(PlanConfig plan, RepoConfig repo, PlanRun run) throws ResticException {
        ForgetResult forgotten;
        try {
            forgotten = role.forgetsOwnHostOnly()
                    ? forget.forget(repo, plan.id(), plan.retention(), Optional.of(config.instance()), sharedRepoLockWait)
                    : forget.forget(repo, plan.id(), plan.retention());
        } catch (ResticException e) {
            if (!role.forgetsOwnHostOnly() || e.kind() != ResticException.Kind.LOCKED) {
                throw e;
            }
            // a node that died mid-backup leaves its lock until restic takes it for stale (30 minutes
            // after its last refresh): the backups are stored, the next run thins them
            run.retentionDeferred("retention waits for the next run: the shared repo stayed locked by another "
                    + "node's restic for " + sharedRepoLockWait.toSeconds() + " s (" + e.getMessage().lines()
                    .filter(l -> l.contains("locked")).findFirst().orElse("locked") + ")");
            return;
        }
        // forget keeps every WAL snapshot (--keep-tag wal), so a plan whose kept snapshots hold none has
        // no WAL to thin: a dump-only plan is spared a listing of the repo (a restic start, ~0.5 s).
        // A node of a swarm saw only its own host's snapshots, and lists them all.
        boolean holdsWal = role.forgetsOwnHostOnly()
                || forgotten.kept().stream().anyMatch(s -> s.tags().contains(SnapshotTags.WAL));
        int orphans = holdsWal ? walRetention.apply(repo, plan.id(), false) : 0;
        run.retention(forgotten.kept().size() - orphans, forgotten.removed().size() + orphans);
        Map<String, Long> perTarget = forgotten.kept().stream()
                .collect(Collectors.groupingBy(s -> s.tag("target").orElse("?"), Collectors.counting()));
        perTarget.forEach((target, count) -> metrics.snapshotsKept(plan.id(), target, count.intValue()));
    }

    private void report(PlanRun run) {
        RunReport r = run.report();
        Instant ended = r.endedAt();
        for (TargetResult t : r.targets()) {
            metrics.targetRun(r.plan(), t.measured(), ended);
        }
        metrics.planRun(r.plan(), run.succeeded(), Duration.between(r.startedAt(), ended), ended);
        if (run.succeeded()) {
            LOG.infof("plan %s run %s succeeded: %d targets, %d bytes added", r.plan(), r.id(), r.targets().size(),
                    r.bytesAdded());
        } else {
            LOG.errorf("plan %s run %s FAILED: %s %s", r.plan(), r.id(), r.error() == null ? "" : r.error(),
                    r.targets().stream().filter(t -> !t.succeeded()).map(t -> t.target() + ": " + t.error())
                            .collect(Collectors.joining("; ")));
        }
    }

    /**
     * Creates missing repos, then reads the newest snapshot of each plan, so that freshness and
     * metrics survive a restart of the sidecar. In a swarm a node counts its own snapshots only.
     *
     * @return the plans whose repo could not be read (yet): the caller tries them again later
     */
    public List<String> seedFromRepos(List<String> plans) {
        List<String> failed = new ArrayList<>();
        for (String id : plans) {
            PlanConfig plan = config.requirePlan(id);
            try {
                repository.reclaim(config.repoOf(plan));
                repository.ensureInitialized(config.repoOf(plan));
                List<Snapshot> snaps = snapshots.snapshots(config.repoOf(plan), List.of(SnapshotTags.planTag(plan.id())))
                        .stream().filter(s -> !role.forgetsOwnHostOnly() || s.hostname().equals(config.instance()))
                        .toList();
                if (!snaps.isEmpty()) {
                    registry.seedLastSuccess(plan.id(), snaps.get(0).time());
                    metrics.planLastSuccess(plan.id(), snaps.get(0).time());
                }
                snaps.stream().collect(Collectors.groupingBy(s -> s.tag("target").orElse("?")))
                        .forEach((target, list) -> {
                            metrics.snapshotsKept(plan.id(), target, list.size());
                            metrics.targetLastSuccess(plan.id(), target, list.get(0).time());
                        });
            } catch (ResticException e) {
                LOG.warnf("cannot read plan %s's snapshots yet: %s", plan.id(), e.getMessage());
                failed.add(id);
            }
        }
        return failed;
    }

    @PreDestroy
    void shutdown() throws InterruptedException {
        workers.shutdownNow();
        workers.awaitTermination(10, TimeUnit.SECONDS);
    }
}
