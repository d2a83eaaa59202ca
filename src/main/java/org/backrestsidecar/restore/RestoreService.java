package org.backrestsidecar.restore;

import org.backrestsidecar.jobs.Daemons;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.ReentrantLock;
import org.backrestsidecar.config.PlanConfig;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.config.SidecarConfig;
import org.backrestsidecar.discovery.Discovery;
import org.backrestsidecar.discovery.Target;
import org.backrestsidecar.restic.ResticException;
import org.backrestsidecar.restic.SnapshotTags;
import org.backrestsidecar.run.RepoLocks;
import org.backrestsidecar.history.Histories;
import org.backrestsidecar.history.History;
import org.jboss.logging.Logger;

/**
 * Restores as the API starts them: everything that can be refused is refused before anything is
 * touched (no confirm, unknown target or snapshot, a field that does not fit the kind), then the
 * restore runs in the background under its repo's lock, and is followed by id.
 */
@ApplicationScoped
public class RestoreService {
    private static final Logger LOG = Logger.getLogger(RestoreService.class);
    private static final int KEEP = 50;
    private final SidecarConfig config;
    private final Discovery discovery;
    private final BackupSets backups;
    private final Instance<TargetRestore> kinds;
    private final RepoLocks repoLocks;
    private final Map<String, RestoreJob> jobs = new ConcurrentHashMap<>();
    private final Map<String, RestoreJob> runningByTarget = new ConcurrentHashMap<>();
    /** Targets a restore cut off by a stop still writes (a pg_restore that outlived the sidecar): restore id. */
    private final Map<String, String> settlingByTarget = new ConcurrentHashMap<>();
    private final ExecutorService workers = Executors.newFixedThreadPool(2, Daemons.named("restore"));

    private final jakarta.enterprise.event.Event<RestoreJob.Report> told;
    private final History<RestoreJob.Report> history;
    /** Restores of earlier lives of the sidecar, read back from the history. */
    private final Map<String, RestoreJob.Report> past = new ConcurrentHashMap<>();

    /** @param told fired when a restore starts and when it ends (not for dry runs: nothing is written) */
    public RestoreService(SidecarConfig config, Discovery discovery, BackupSets backups, Instance<TargetRestore> kinds,
                          RepoLocks repoLocks, jakarta.enterprise.event.Event<RestoreJob.Report> told,
                          Histories histories) {
        this.told = told;
        this.history = histories.open("restores", RestoreJob.Report.class, RestoreJob.Report::id,
                RestoreJob.Report::startedAt);
        history.readBack(r -> r.endedAt() != null, RestoreJob::interrupted).forEach(r -> past.put(r.id(), r));
        this.config = config;
        this.discovery = discovery;
        this.backups = backups;
        this.kinds = kinds;
        this.repoLocks = repoLocks;
    }

    /**
     * @throws RestoreRefused          the request cannot be carried out as asked (400)
     * @throws NoSuchElementException  no such target or snapshot (404)
     * @throws TargetBusy             the target is being restored already (409)
     */
    public RestoreJob start(RestoreRequest request, String requestedBy) throws ResticException {
        if (request == null || request.target() == null || request.target().isBlank()) {
            throw new RestoreRefused("target is required: the name of a target (GET /api/targets lists them)");
        }
        Target target = discovery.refresh().stream().filter(t -> t.name().equals(request.target())).findFirst()
                .orElseThrow(() -> new NoSuchElementException("no target " + request.target() + " (known: "
                        + String.join(", ", discovery.targets().stream().map(Target::name).sorted().toList()) + ")"));
        if (!target.usable()) {
            throw new RestoreRefused("target " + target.name() + " has label problems: "
                    + String.join("; ", target.problems()));
        }
        TargetRestore kind = kindOf(target);
        kind.check(request);
        if (target.swarmTask() && kind.stopsTheContainer(request) && !kind.scalesASwarmService()) {
            throw new RestoreRefused("restoring " + target.name() + " this way stops its container, and Swarm would "
                    + "start a new task of " + target.swarmService().orElseThrow() + " in its place while the data is "
                    + "written; not done in Swarm (docs/swarm.md \"Restoring in a swarm\" says what is)");
        }
        if (kind.overwrites(request) && !request.isDryRun() && !target.name().equals(request.confirm())) {
            throw new RestoreRefused("this restore overwrites the live data of " + target.name()
                    + "; send \"confirm\": \"" + target.name() + "\" to go ahead (or \"dryRun\": true to see what it "
                    + "would write)");
        }
        PlanConfig plan = config.requirePlan(target.plan());
        RepoConfig repo = config.repoOf(plan);
        BackupSet backup = backups.find(repo, target.name(), plan.id(), request.snapshotOrLatest());
        List<String> wouldWrite = kind.plan(target, backup, request);
        String id = UUID.randomUUID().toString();
        RestoreJob job = new RestoreJob(id, target.name(), plan.id(), target.strategy(), backup, request.isDryRun(),
                wouldWrite, SnapshotTags.safety(plan.id(), config.instance(), target.name(), id), requestedBy,
                kind.takesSafetySnapshot(request));
        remember(job);
        if (request.isDryRun()) {
            job.succeeded();
            return job;
        }
        String settling = settlingByTarget.get(target.name());
        if (settling != null) {
            jobs.remove(id);
            throw new TargetBusy("target " + target.name() + " is still being written by restore " + settling
                    + ", which the sidecar's stop cut off: its pg_restore goes on in the container, and the restore's "
                    + "record says what the database holds once it ends");
        }
        if (runningByTarget.putIfAbsent(target.name(), job) != null) {
            jobs.remove(id);
            throw new TargetBusy("target " + target.name() + " is being restored already (restore "
                    + runningByTarget.get(target.name()).id() + ")");
        }
        told.fire(job.report());
        history.put(job.report());
        workers.submit(() -> run(kind, target, repo, backup, request, job));
        return job;
    }

    private void run(TargetRestore kind, Target target, RepoConfig repo, BackupSet backup, RestoreRequest request,
                     RestoreJob job) {
        ReentrantLock lock = repoLocks.of(repo.id());
        try {
            job.phase("waiting for repo " + repo.id());
            lock.lockInterruptibly();
            try {
                kind.restore(target, repo, backup, request, job);
                job.succeeded();
                LOG.infof("restore %s of %s from %s succeeded", job.id(), target.name(), backup.label());
            } finally {
                lock.unlock();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            job.failed("interrupted: the sidecar is shutting down");
        } catch (Exception e) {
            LOG.errorf("restore %s of %s FAILED: %s", job.id(), target.name(), e.getMessage());
            job.failed(e.getMessage() == null ? e.toString() : e.getMessage());
        } finally {
            runningByTarget.remove(target.name(), job);
            history.put(job.report());
            told.fire(job.report());
        }
    }

    private TargetRestore kindOf(Target target) {
        return kinds.stream().filter(k -> k.handles(target)).findFirst()
                .orElseThrow(() -> new RestoreRefused("targets of strategy " + target.strategy()
                        + " cannot be restored here"));
    }

    private void remember(RestoreJob job) {
        jobs.put(job.id(), job);
        if (jobs.size() > KEEP) {
            jobs.values().stream().filter(RestoreJob::finished)
                    .min(Comparator.comparing(j -> j.report().startedAt()))
                    .ifPresent(oldest -> jobs.remove(oldest.id()));
        }
    }

    /**
     * What a restore cut off by the sidecar's stop left its target holding, once the next start put
     * whole data back (RestoreRecovery): said in its record instead of "unknown".
     */
    /** Until {@link #settled}: restore {@code restoreId}, cut off by a stop, still writes {@code target}. */
    void settling(String target, String restoreId) {
        settlingByTarget.put(target, restoreId);
    }

    void settled(String target, String restoreId) {
        settlingByTarget.remove(target, restoreId);
    }

    void settleInterrupted(String id, String outcome, boolean rolledBack) {
        RestoreJob.Report r = past.get(id);
        if (r == null) {
            return;
        }
        RestoreJob.Report settled = new RestoreJob.Report(r.id(), r.target(), r.plan(), r.strategy(), r.backup(),
                r.backupTime(), r.snapshots(), r.dryRun(), RestoreJob.State.FAILED, "interrupted", r.wouldWrite(),
                r.written(), r.writtenSeconds(), r.safetySnapshots(), r.safetySeconds(), rolledBack || r.rolledBack(), r.notes(),
                r.requestedBy(), r.startedAt(), r.endedAt(), r.durationSeconds(), outcome, null, r.safetyFirst());
        past.put(id, settled);
        history.put(settled);
    }

    /** A restore of this life of the sidecar or, read back from the history, of an earlier one. */
    public Optional<RestoreJob.Report> report(String id) {
        return Optional.ofNullable(jobs.get(id)).map(RestoreJob::report).or(() -> Optional.ofNullable(past.get(id)));
    }

    /** Newest first: this life's restores (dry runs included), then the history's. */
    public List<RestoreJob.Report> list() {
        Map<String, RestoreJob.Report> all = new java.util.HashMap<>(past);
        jobs.values().forEach(j -> all.put(j.id(), j.report()));
        return all.values().stream().sorted(Comparator.comparing(RestoreJob.Report::startedAt).reversed())
                .limit(History.KEEP).toList();
    }

    @PreDestroy
    void shutdown() {
        workers.shutdownNow();
    }
}
