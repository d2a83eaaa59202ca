package org.backrestsidecar.recovery;

import org.backrestsidecar.jobs.Daemons;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.ReentrantLock;
import org.backrestsidecar.config.CopyConfig;
import org.backrestsidecar.config.PlanConfig;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.config.SidecarConfig;
import org.backrestsidecar.discovery.Discovery;
import org.backrestsidecar.discovery.Target;
import org.backrestsidecar.restic.Repository;
import org.backrestsidecar.restic.Snapshots;
import org.backrestsidecar.restic.Copy;
import org.backrestsidecar.restic.ResticException;
import org.backrestsidecar.restic.Snapshot;
import org.backrestsidecar.restore.BackupSet;
import org.backrestsidecar.restore.BackupSets;
import org.backrestsidecar.restore.RestoreJob;
import org.backrestsidecar.restore.RestoreRefused;
import org.backrestsidecar.restore.RestoreRequest;
import org.backrestsidecar.restore.RestoreService;
import org.backrestsidecar.run.PlanRunner;
import org.backrestsidecar.run.RepoLocks;
import org.jboss.logging.Logger;

/**
 * The day the host is gone: what an offsite copy holds, the copy brought back into this host's repos
 * (with {@code restic copy}, so the repos keep their history and go on deduplicating), the stack's
 * own files staged to be put back, and then every target restored from its newest complete run.
 * Each part can be run again: a copy only brings what is missing, a restore puts the same run back.
 * The compose steps between them (files into place, {@code docker compose up}) are the management
 * script's: the sidecar cannot start the stack it runs in.
 */
@ApplicationScoped
public class Recovery {
    private static final Logger LOG = Logger.getLogger(Recovery.class);
    static final String STAGED = "recovered";
    private final SidecarConfig config;
    private final Repository repository;
    private final Snapshots snapshots;
    private final Copy resticCopy;
    private final RepoLocks repoLocks;
    private final Discovery discovery;
    private final RestoreService restores;
    private final BackupSets backups;
    private final Map<String, RecoveryJob> jobs = new ConcurrentHashMap<>();
    private final ExecutorService worker = Executors.newSingleThreadExecutor(Daemons.named("recovery"));

    public Recovery(SidecarConfig config, Repository repository, Snapshots snapshots, Copy resticCopy,
                    RepoLocks repoLocks, Discovery discovery,
                    RestoreService restores, BackupSets backups) {
        this.backups = backups;
        this.config = config;
        this.repository = repository;
        this.snapshots = snapshots;
        this.resticCopy = resticCopy;
        this.repoLocks = repoLocks;
        this.discovery = discovery;
        this.restores = restores;
    }

    /** @throws NoSuchElementException no repo has a copy of that id (the API's 404) */
    public Holdings holdings(String copyId) {
        List<Holdings.Repo> repos = new ArrayList<>();
        for (var entry : copiesNamed(copyId).entrySet()) {
            RepoConfig repo = entry.getKey();
            CopyConfig copy = entry.getValue();
            int here;
            try {
                here = repository.openProblem(repo).isPresent() ? -1 : snapshots.snapshots(repo, List.of()).size();
            } catch (ResticException e) {
                here = -1;
            }
            try {
                List<Snapshot> all = snapshots.snapshots(copy.repo(), List.of());
                repos.add(new Holdings.Repo(repo.id(), copy.repo().shownUri(), all.size(), here, null,
                        newestRuns(all)));
            } catch (ResticException e) {
                repos.add(new Holdings.Repo(repo.id(), copy.repo().shownUri(), -1, here, e.getMessage(), List.of()));
            }
        }
        return new Holdings(copyId, repos);
    }

    /** Brings every repo's copy {@code copyId} back into the repo, then stages the plans' host paths. */
    public RecoveryJob pull(String copyId) {
        Map<RepoConfig, CopyConfig> copies = copiesNamed(copyId);
        return start(copyId, "pull", job -> {
            Path staged = config.stateDir().resolve(STAGED);
            org.backrestsidecar.state.Folders.removeTree(staged);
            job.staged(staged.toString());
            for (var entry : copies.entrySet()) {
                RepoConfig repo = entry.getKey();
                ReentrantLock lock = repoLocks.of(repo.id());
                lock.lockInterruptibly();
                try {
                    pullRepo(job, repo, entry.getValue());
                    for (PlanConfig plan : config.plans()) {
                        if (plan.repo().equals(repo.id()) && !plan.paths().isEmpty()) {
                            stageHostPaths(job, repo, plan, staged);
                        }
                    }
                } finally {
                    lock.unlock();
                }
            }
        }, worker);
    }

    private void pullRepo(RecoveryJob job, RepoConfig repo, CopyConfig copy) {
        Instant start = Instant.now();
        String name = "bring back repo " + repo.id() + " from " + copy.repo().shownUri();
        job.phase(name);
        try {
            repository.reclaim(repo);
            repository.ensureInitialized(repo);
            int had = snapshots.snapshots(repo, List.of()).size();
            resticCopy.copy(copy.repo(), repo, List.of(), List.of());
            int now = snapshots.snapshots(repo, List.of()).size();
            job.step(name, RecoveryJob.Outcome.SUCCEEDED, start,
                    (now - had) + " snapshots brought back, " + now + " in the repo");
        } catch (ResticException e) {
            job.step(name, RecoveryJob.Outcome.FAILED, start, e.getMessage());
        }
    }

    private void stageHostPaths(RecoveryJob job, RepoConfig repo, PlanConfig plan, Path staged) {
        Instant start = Instant.now();
        String name = "stage the host paths of plan " + plan.id();
        job.phase(name);
        try {
            Optional<Snapshot> newest = BackupSets.newest(snapshots.snapshotsOf(repo, PlanRunner.HOST_PATHS_TARGET),
                    PlanRunner.HOST_PATHS_TARGET, plan.id());
            if (newest.isEmpty()) {
                job.step(name, RecoveryJob.Outcome.SKIPPED, start, "no backup of them in repo " + repo.id());
                return;
            }
            snapshots.restore(repo, newest.get().id(), staged);
            job.step(name, RecoveryJob.Outcome.SUCCEEDED, newest.get().shortId(), newest.get().time(), start,
                    String.join(", ", newest.get().paths()) + " under " + staged);
        } catch (ResticException e) {
            job.step(name, RecoveryJob.Outcome.FAILED, start, e.getMessage());
        }
    }

    /**
     * Restores every target of the repos that have copy {@code copyId} from its newest complete run
     * (a Postgres target: its roles, then every database it holds), one after the other.
     *
     * @param confirm  the copy's id: this overwrites the live data of every target
     * @param skip     targets not to restore (done by an earlier attempt, or by hand)
     * @param thisNode only the targets that run here, and no word of the others: one node's part of a
     *                 swarm's recovery, whose coordinator (SwarmRecovery) accounts for every target
     */
    public RecoveryJob restoreAll(String copyId, String confirm, Set<String> skip, String requestedBy,
                                  boolean thisNode) {
        Map<RepoConfig, CopyConfig> copies = confirmed(copyId, confirm);
        return start(copyId, "restore", job -> {
            List<Target> found = discovery.refresh();
            int held = 0;
            for (RepoConfig repo : copies.keySet()) {
                held += restoreRepo(job, repo, found, skip, requestedBy, thisNode);
            }
            for (Target target : found) {
                boolean inRecoveredRepo = config.plan(target.plan()).map(p -> copies.keySet().stream()
                        .anyMatch(r -> r.id().equals(p.repo()))).orElse(false);
                if (inRecoveredRepo && !job.restoreRecorded(target.name())) {
                    job.restore(target.name(), RecoveryJob.Outcome.SKIPPED, Instant.now(),
                            "the copy holds no backup of it: it starts empty");
                }
            }
            if (held == 0 && !thisNode) {
                job.step("restore", RecoveryJob.Outcome.FAILED, Instant.now(), NOTHING_HELD);
            } else if (thisNode && job.report().steps().isEmpty()) {
                job.step("restore", RecoveryJob.Outcome.SKIPPED, Instant.now(),
                        "none of the targets the repos hold runs on this node");
            }
        }, worker);
    }

    static final String NOTHING_HELD = "the repos hold no backup of a target: nothing was restored";

    /** @throws RestoreRefused unless {@code confirm} is the copy's id: a recovery overwrites live data */
    Map<RepoConfig, CopyConfig> confirmed(String copyId, String confirm) {
        Map<RepoConfig, CopyConfig> copies = copiesNamed(copyId);
        if (!copyId.equals(confirm)) {
            throw new RestoreRefused("this restores every target of repos " + String.join(", ",
                    copies.keySet().stream().map(RepoConfig::id).sorted().toList()) + " over their live data; send "
                    + "\"confirm\": \"" + copyId + "\" to go ahead");
        }
        return copies;
    }

    /** Per target, the newest complete run a repo holds (the stack's own files left out). */
    List<BackupSets.NewestRun> held(RepoConfig repo) throws ResticException {
        return BackupSets.newestRuns(snapshots.snapshots(repo, List.of())).stream()
                .filter(r -> !PlanRunner.HOST_PATHS_TARGET.equals(r.target())).toList();
    }

    /** Why a repo's backups of a plan cannot be restored by this configuration, if they cannot. */
    Optional<String> planProblem(RepoConfig repo, BackupSets.NewestRun run) {
        if (config.plan(run.plan()).filter(p -> p.repo().equals(repo.id())).isPresent()) {
            return Optional.empty();
        }
        return Optional.of("repo " + repo.id() + " holds backups of plan " + run.plan() + ", which config/sidecar.yml "
                + "does not give to this repo: put the plan back in the configuration");
    }

    /**
     * Restores what one repo holds, driven by its backups rather than by what runs here: a target the
     * repo holds a backup of but no container here carries is a failure, never a silent skip (the
     * stack started under another Compose project finds nothing, and must not read as recovered).
     *
     * @return how many targets the repo holds backups of
     */
    private int restoreRepo(RecoveryJob job, RepoConfig repo, List<Target> found, Set<String> skip, String requestedBy,
                            boolean thisNode) throws InterruptedException {
        List<BackupSets.NewestRun> held;
        try {
            held = held(repo);
        } catch (ResticException e) {
            job.step("read repo " + repo.id(), RecoveryJob.Outcome.FAILED, Instant.now(), e.getMessage());
            return 0;
        }
        for (BackupSets.NewestRun run : held) {
            Optional<Target> here = found.stream()
                    .filter(t -> t.name().equals(run.target()) && t.plan().equals(run.plan())).findFirst();
            if (thisNode && here.isEmpty()) {
                continue;
            }
            if (skip.contains(run.target())) {
                job.restore(run.target(), RecoveryJob.Outcome.SKIPPED, Instant.now(),
                        "restored already (by an earlier attempt, or by hand)");
                continue;
            }
            Optional<String> planProblem = planProblem(repo, run);
            if (planProblem.isPresent()) {
                job.restore(run.target(), RecoveryJob.Outcome.FAILED, run.run(), run.newest().time(), Instant.now(),
                        planProblem.get());
            } else if (here.isEmpty()) {
                job.restore(run.target(), RecoveryJob.Outcome.FAILED, run.run(), run.newest().time(), Instant.now(),
                        "no container here is target " + run.target() + " of plan " + run.plan() + "; " + whatRunsHere(found));
            } else {
                restoreTarget(job, here.get(), requestedBy);
            }
        }
        return held.size();
    }

    private String whatRunsHere(List<Target> found) {
        String where = "containers labelled " + config.labelPrefix() + ".enable"
                + config.composeProject().map(p -> " in Compose project " + p + " (composeProject)").orElse("");
        if (found.isEmpty()) {
            return "no target was found here at all (" + where + "): is the stack up, and under the project name the "
                    + "backups were made in? (COMPOSE_PROJECT_NAME in .env, or the folder's name)";
        }
        return "targets found here (" + where + "): " + String.join(", ",
                found.stream().map(t -> t.name() + " (" + t.plan() + ")").toList());
    }

    private void restoreTarget(RecoveryJob job, Target target, String requestedBy) throws InterruptedException {
        Instant start = Instant.now();
        String name = "restore " + target.name();
        job.phase(name);
        BackupSet backup = null;
        try {
            if (!target.usable()) {
                throw new RestoreRefused("label problems: " + String.join("; ", target.problems()));
            }
            PlanConfig plan = config.requirePlan(target.plan());
            RepoConfig repo = config.repoOf(plan);
            backup = backups.find(repo, target.name(), plan.id(), BackupSets.LATEST);
            List<String> done = new ArrayList<>();
            for (RestoreRequest request : requestsFor(target, backup)) {
                RestoreJob restore = restores.start(request, requestedBy);
                while (!restore.finished()) {
                    Thread.sleep(500);
                }
                RestoreJob.Report report = restore.report();
                if (report.state() != RestoreJob.State.SUCCEEDED) {
                    throw new IOException(String.join("; ", done) + (done.isEmpty() ? "" : "; then ")
                            + "restore " + report.id() + " failed: " + report.error());
                }
                done.addAll(report.written());
            }
            job.restore(target.name(), RecoveryJob.Outcome.SUCCEEDED, backup.label(), backup.time(), start,
                    String.join("; ", done));
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            LOG.errorf("recovery: %s FAILED: %s", name, e.getMessage());
            job.restore(target.name(), RecoveryJob.Outcome.FAILED, backup == null ? null : backup.label(),
                    backup == null ? null : backup.time(), start, e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    /** One restore per part of the backup: a Postgres target's roles first, then each database. */
    static List<RestoreRequest> requestsFor(Target target, BackupSet backup) {
        String snapshot = backup.snapshots().get(backup.snapshots().size() - 1).id();
        if (target.walMode()) {
            // the whole server, to the newest moment the repo's WAL holds
            return List.of(RestoreRequest.serverToLatest(target.name()));
        }
        if (!target.strategy().equals("postgres")) {
            return List.of(RestoreRequest.wholeTarget(target.name(), snapshot));
        }
        List<RestoreRequest> requests = new ArrayList<>();
        String prefix = "/" + target.name() + "/";
        if (backup.dumps().contains(prefix + "globals.sql")) {
            requests.add(RestoreRequest.roles(target.name(), snapshot));
        }
        for (String dump : backup.dumps()) {
            if (dump.endsWith(".dump")) {
                String database = dump.substring(prefix.length(), dump.length() - ".dump".length());
                requests.add(RestoreRequest.database(target.name(), snapshot, database));
            }
        }
        return requests;
    }

    public Optional<RecoveryJob> job(String id) {
        return Optional.ofNullable(jobs.get(id));
    }

    interface Work {
        void run(RecoveryJob job) throws Exception;
    }

    /**
     * Runs {@code work} as a job followed by id. A swarm's coordinator brings its own thread: it waits
     * for this node's part, which runs on {@link #worker}.
     */
    RecoveryJob start(String copyId, String kind, Work work, ExecutorService on) {
        RecoveryJob job = new RecoveryJob(UUID.randomUUID().toString(), copyId, kind);
        jobs.put(job.id(), job);
        on.submit(() -> {
            try {
                work.run(job);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                job.step("interrupted", RecoveryJob.Outcome.FAILED, Instant.now(), "the sidecar is stopping");
            } catch (Exception e) {
                LOG.errorf(e, "recovery %s %s broke", kind, job.id());
                job.step("unexpected", RecoveryJob.Outcome.FAILED, Instant.now(), e.toString());
            } finally {
                job.finish();
            }
        });
        return job;
    }

    /** The repos that have a copy of that id, in the configuration's order. */
    Map<RepoConfig, CopyConfig> copiesNamed(String copyId) {
        Map<RepoConfig, CopyConfig> found = new java.util.LinkedHashMap<>();
        for (RepoConfig repo : config.repos()) {
            repo.copies().stream().filter(c -> c.id().equals(copyId)).findFirst().ifPresent(c -> found.put(repo, c));
        }
        if (found.isEmpty()) {
            throw new NoSuchElementException("no repo has a copy " + copyId + " (copies: " + String.join(", ",
                    config.repos().stream().flatMap(r -> r.copies().stream().map(c -> r.id() + "/" + c.id())).toList())
                    + ")");
        }
        return found;
    }

    /** Per target, the newest complete run among a copy's snapshots. */
    private static List<Holdings.Target> newestRuns(List<Snapshot> all) {
        return BackupSets.newestRuns(all).stream().map(r -> new Holdings.Target(r.plan(), r.target(), r.run(),
                r.newest().time(), r.members().stream().flatMap(s -> s.paths().stream()).sorted().toList())).toList();
    }

    @PreDestroy
    void shutdown() {
        worker.shutdownNow();
    }
}
