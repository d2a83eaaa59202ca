package org.backrestsidecar.drill;

import com.github.dockerjava.api.DockerClient;
import org.backrestsidecar.jobs.Daemons;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.inject.Instance;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.OptionalLong;
import org.backrestsidecar.config.SwarmRole;
import org.backrestsidecar.progress.Progress;
import org.backrestsidecar.config.CopyConfig;
import org.backrestsidecar.config.PlanConfig;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.restic.ResticException;
import org.backrestsidecar.config.SidecarConfig;
import org.backrestsidecar.discovery.Discovery;
import org.backrestsidecar.discovery.Target;
import org.backrestsidecar.metrics.BackupMetrics;
import org.backrestsidecar.restore.BackupSet;
import org.backrestsidecar.restore.BackupSets;
import org.backrestsidecar.run.PlanRun;
import org.backrestsidecar.run.RunRegistry;
import org.backrestsidecar.strategy.BackupFacts;
import org.backrestsidecar.history.Histories;
import org.backrestsidecar.history.History;
import org.jboss.logging.Logger;

/**
 * Runs a plan's restore drill: for each of its targets, the latest backup is restored into a
 * throwaway and checked by the drill for its kind. One target's failure is recorded and the next
 * target is still drilled; every result goes to the journal, the metrics and the health check. A
 * drill of a whole plan one of whose targets asks for its app to start puts the throwaways on a
 * network of its own ({@link DrillNetwork}) and drills the apps last, beside the others restored.
 */
@ApplicationScoped
public class DrillRunner {
    private static final Logger LOG = Logger.getLogger(DrillRunner.class);
    private static final int KEEP = 50;
    private final SidecarConfig config;
    private final Discovery discovery;
    private final BackupSets backups;
    private final Instance<TargetDrill> kinds;
    private final DrillJournal journal;
    private final BackupMetrics metrics;
    private final Map<String, DrillRun> runs = new ConcurrentHashMap<>();
    private final Map<String, DrillRun> runningByPlan = new ConcurrentHashMap<>();
    private final ExecutorService workers = Executors.newFixedThreadPool(2, Daemons.named("drill"));

    private final Event<DrillResult> drilled;
    private final FromCopy fromCopy;
    private final History<DrillRun.Report> history;
    /** Drill runs of earlier lives of the sidecar, read back from the history. */
    private final Map<String, DrillRun.Report> past = new ConcurrentHashMap<>();
    private final SwarmRole role;
    private final RunRegistry planRuns;
    private final DockerClient docker;

    public DrillRunner(SidecarConfig config, Discovery discovery, BackupSets backups, Instance<TargetDrill> kinds,
                       DrillJournal journal, BackupMetrics metrics, Event<DrillResult> drilled, FromCopy fromCopy,
                       Histories histories, SwarmRole role, RunRegistry planRuns, DockerClient docker) {
        this.docker = docker;
        this.role = role;
        this.planRuns = planRuns;
        this.history = histories.open("drills", DrillRun.Report.class, DrillRun.Report::id, DrillRun.Report::startedAt);
        history.readBack(r -> r.endedAt() != null, DrillRun::interrupted).forEach(r -> past.put(r.id(), r));
        this.drilled = drilled;
        this.fromCopy = fromCopy;
        this.config = config;
        this.discovery = discovery;
        this.backups = backups;
        this.kinds = kinds;
        this.journal = journal;
        this.metrics = metrics;
        journal.latest().forEach(r -> metrics.drill(r.plan(), r.target(), r.measured()));
    }

    /**
     * Starts a drill in the background; empty when one of this plan is running already.
     *
     * @param from a copy of the plan's repo to drill from instead of the repo itself
     * @throws NoSuchElementException the plan's repo has no copy {@code from}
     */
    public Optional<DrillRun> start(String planId, String trigger, Optional<String> from) {
        return start(planId, trigger, from, Optional.empty());
    }

    /**
     * As {@link #start(String, String, Optional)}, of one target of the plan only: what a user asks
     * after changing or restoring that one service, without the cost of proving the others again.
     * Their latest drills stand as they were.
     *
     * @throws NoSuchElementException the plan has no usable target {@code only} here (the error names those it has)
     */
    public Optional<DrillRun> start(String planId, String trigger, Optional<String> from, Optional<String> only) {
        PlanConfig plan = config.requirePlan(planId);
        Optional<CopyConfig> copy = from.map(id -> copyOf(plan, id).orElseThrow(() -> new NoSuchElementException(
                "repo " + plan.repo() + " of plan " + plan.id() + " has no copy " + id)));
        if (only.isPresent()) {
            List<String> names = targetsOf(plan).stream().map(Target::name).sorted().toList();
            if (!names.contains(only.get())) {
                throw new NoSuchElementException("plan " + plan.id() + " has no target " + only.get() + " to drill"
                        + (names.isEmpty() ? " (none of its targets is found)" : " (its targets: " + String.join(", ", names) + ")"));
            }
        }
        DrillRun run = new DrillRun(UUID.randomUUID().toString(), plan.id(), trigger, only.orElse(null));
        if (runningByPlan.putIfAbsent(plan.id(), run) != null) {
            return Optional.empty();
        }
        remember(run);
        workers.submit(() -> execute(plan, run, copy));
        return Optional.of(run);
    }

    /** The plan's targets found here that can be drilled. */
    private List<Target> targetsOf(PlanConfig plan) {
        return discovery.refresh().stream().filter(t -> t.plan().equals(plan.id())).filter(Target::usable).toList();
    }

    /** The scheduler's way in: runs the drill (from {@code drills.from} when the repo has that copy) and returns when it has ended. */
    public void runAndWait(String planId, String trigger) {
        PlanConfig plan = config.requirePlan(planId);
        if (role == SwarmRole.NODE
                && discovery.refresh().stream().noneMatch(t -> t.plan().equals(plan.id()))) {
            // in a swarm each node drills what runs on it; a node that runs none of the plan has
            // nothing to prove, which is not a failed drill (the nodes that run it drill it)
            LOG.infof("drill of plan %s: none of its targets runs on this node", plan.id());
            return;
        }
        DrillRun run = new DrillRun(UUID.randomUUID().toString(), plan.id(), trigger, null);
        if (runningByPlan.putIfAbsent(plan.id(), run) != null) {
            LOG.warnf("drill of plan %s skipped: one is running", plan.id());
            return;
        }
        remember(run);
        execute(plan, run, config.drills().from().flatMap(id -> copyOf(plan, id)));
    }

    private Optional<CopyConfig> copyOf(PlanConfig plan, String copyId) {
        return config.repoOf(plan).copies().stream().filter(c -> c.id().equals(copyId)).findFirst();
    }

    private void execute(PlanConfig plan, DrillRun run, Optional<CopyConfig> copy) {
        RepoConfig primary = config.repoOf(plan);
        RepoConfig repo = primary;
        try {
            if (copy.isPresent()) {
                run.phase("reading the newest runs out of copy " + copy.get().id());
                try {
                    repo = fromCopy.bringNewest(plan, primary, copy.get());
                } catch (ResticException e) {
                    failAll(plan, run, "copy " + copy.get().id() + " (" + copy.get().repo().shownUri()
                            + ") cannot be read back: " + e.getMessage());
                    return;
                }
            }
            run.phase("discovering targets");
            List<Target> targets = DrillNetwork.appsLast(targetsOf(plan).stream().filter(run::covers).toList());
            Optional<String> noNetwork = Optional.empty();
            DrillNetwork network = DrillNetwork.none();
            if (DrillNetwork.wanted(run.whole(), targets)) {
                try {
                    network = DrillNetwork.open(docker, config.instance(), plan.id());
                } catch (DrillCouldNotRun e) {
                    noNetwork = Optional.of(e.getMessage());
                }
            }
            try (DrillNetwork held = network) {
                for (Target target : targets) {
                    run.phase("drilling " + target.name());
                    run.progress().item("drilling " + target.name(), OptionalLong.empty(), null);
                    DrillResult result = noNetwork.isPresent() && AppStart.asked(target)
                            ? ended(plan, target, null, DrillResult.COULD_NOT_RUN, noNetwork.get())
                            : drill(plan, repo, copy.isEmpty(), target, run.progress(), held);
                    if (copy.isPresent()) {
                        result = result.readFrom("copy " + copy.get().id() + " (" + copy.get().repo().shownUri() + ")");
                    }
                    record(plan, run, target, result);
                }
            }
        } catch (RuntimeException e) {
            LOG.errorf(e, "drill of plan %s broke", plan.id());
            run.problem("the drill broke: " + e);
        } finally {
            if (repo != primary) {
                try {
                    fromCopy.drop(repo);
                } catch (ResticException e) {
                    LOG.warn(e.getMessage());
                }
            }
            run.finish();
            runningByPlan.remove(plan.id(), run);
            history.put(run.report());
        }
    }

    private void record(PlanConfig plan, DrillRun run, Target target, DrillResult result) {
        run.add(result);
        journal.record(result);
        metrics.drill(plan.id(), target.name(), result.measured());
        drilled.fire(result);
        if (result.passed()) {
            LOG.infof("drill of %s passed: restored in %.1f s", target.name(), result.restoreSeconds());
        } else if (result.couldNotRun()) {
            LOG.warnf("drill of %s could not run (the backup is not judged): %s", target.name(), result.failure());
        } else {
            LOG.errorf("drill of %s FAILED: %s", target.name(), result.failure());
        }
    }

    /** The copy could not be read back: every target's drill fails, as its offsite backup is in doubt. */
    private void failAll(PlanConfig plan, DrillRun run, String why) {
        for (Target target : targetsOf(plan).stream().filter(run::covers).toList()) {
            record(plan, run, target, ended(plan, target, null, DrillResult.FAILED, why));
        }
    }

    private DrillResult drill(PlanConfig plan, RepoConfig repo, boolean primary, Target target, Progress progress,
                              DrillNetwork network) {
        BackupSet backup = null;
        try {
            // asked before the repo is listed: a run that ends in between is not looked for in a listing without it
            Optional<PlanRun> newest = primary ? planRuns.lastBackedUp(plan.id(), target.name()) : Optional.empty();
            try {
                backup = backups.find(repo, target.name(), plan.id(), BackupSets.LATEST);
            } catch (NoSuchElementException e) {
                if (newest.isPresent()) {
                    throw MadeAsRecorded.noneLeft(target.name(), newest.get().id(), ended(newest.get()));
                }
                throw e;
            }
            TargetDrill kind = kinds.stream().filter(k -> k.handles(target)).findFirst()
                    .orElseThrow(() -> new DrillFailed("no drill for strategy " + target.strategy()));
            Optional<BackupFacts> facts = backups.facts(repo, backup);
            MadeAsRecorded.newestRunIsWhole(backup, facts.isPresent(), newest.map(PlanRun::id),
                    newest.map(DrillRunner::ended).orElse("?"));
            Optional<String> madeAsRecorded = MadeAsRecorded.check(backup, facts);
            TargetDrill.Outcome outcome = kind.drill(target, repo, backup, facts, progress, network);
            List<String> checks = new java.util.ArrayList<>();
            madeAsRecorded.ifPresent(checks::add);
            checks.addAll(outcome.checks());
            return new DrillResult(plan.id(), target.name(), target.strategy(), backup.label(), backup.time(),
                    Instant.now(), true, DrillResult.PASSED, outcome.restoreSeconds(), checks, null, null, outcome.unproven());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ended(plan, target, backup, DrillResult.COULD_NOT_RUN, "interrupted: the sidecar is shutting down");
        } catch (DrillCouldNotRun e) {
            return ended(plan, target, backup, DrillResult.COULD_NOT_RUN, e.getMessage());
        } catch (NoSuchElementException e) {
            return ended(plan, target, backup, DrillResult.FAILED, "nothing to drill: " + e.getMessage());
        } catch (Exception e) {
            return ended(plan, target, backup, DrillResult.FAILED, e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    /** When a run ended, to the second, for a message. */
    private static String ended(PlanRun run) {
        return run.endedAt().map(t -> t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString()).orElse("?");
    }

    private DrillResult ended(PlanConfig plan, Target target, BackupSet backup, String outcome, String why) {
        Instant lastRan = DrillResult.COULD_NOT_RUN.equals(outcome) ? journal.latestOf(plan.id()).stream()
                .filter(r -> r.target().equals(target.name())).map(DrillResult::lastRan).filter(java.util.Objects::nonNull)
                .findFirst().orElse(null) : null;
        return new DrillResult(plan.id(), target.name(), target.strategy(), backup == null ? null : backup.label(),
                backup == null ? null : backup.time(), Instant.now(), false, outcome, null, List.of(), why, lastRan, List.of());
    }

    private void remember(DrillRun run) {
        runs.put(run.id(), run);
        history.put(run.report());
        if (runs.size() > KEEP) {
            runs.values().stream().min(Comparator.comparing(r -> r.report().startedAt()))
                    .filter(r -> r.report().endedAt() != null).ifPresent(r -> runs.remove(r.id()));
        }
    }

    /** A drill run of this life of the sidecar or, read back from the history, of an earlier one. */
    public Optional<DrillRun.Report> report(String id) {
        return Optional.ofNullable(runs.get(id)).map(DrillRun::report).or(() -> Optional.ofNullable(past.get(id)));
    }

    /** The drill runs kept, this life's and the history's, newest first. */
    public List<DrillRun.Report> list() {
        Map<String, DrillRun.Report> all = new java.util.HashMap<>(past);
        runs.values().forEach(r -> all.put(r.id(), r.report()));
        return all.values().stream().sorted(Comparator.comparing(DrillRun.Report::startedAt).reversed())
                .limit(History.KEEP).toList();
    }

    @PreDestroy
    void shutdown() {
        workers.shutdownNow();
    }
}
