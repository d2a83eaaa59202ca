package org.backrestsidecar.drill;

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
import org.backrestsidecar.config.PlanConfig;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.config.SidecarConfig;
import org.backrestsidecar.discovery.Discovery;
import org.backrestsidecar.discovery.Target;
import org.backrestsidecar.metrics.BackupMetrics;
import org.backrestsidecar.restore.BackupSet;
import org.backrestsidecar.restore.BackupSets;
import org.jboss.logging.Logger;

/**
 * Runs a plan's restore drill: for each of its targets, the latest backup is restored into a
 * throwaway and checked by the drill for its kind. One target's failure is recorded and the next
 * target is still drilled; every result goes to the journal, the metrics and the health check.
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
    private final ExecutorService workers = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "drill");
        t.setDaemon(true);
        return t;
    });

    private final Event<DrillResult> drilled;

    public DrillRunner(SidecarConfig config, Discovery discovery, BackupSets backups, Instance<TargetDrill> kinds,
                       DrillJournal journal, BackupMetrics metrics, Event<DrillResult> drilled) {
        this.drilled = drilled;
        this.config = config;
        this.discovery = discovery;
        this.backups = backups;
        this.kinds = kinds;
        this.journal = journal;
        this.metrics = metrics;
        journal.latest().forEach(r -> metrics.drill(r.plan(), r.target(), r));
    }

    /** Starts a drill in the background; empty when one of this plan is running already. */
    public Optional<DrillRun> start(String planId, String trigger) {
        PlanConfig plan = config.requirePlan(planId);
        DrillRun run = new DrillRun(UUID.randomUUID().toString(), plan.id(), trigger);
        if (runningByPlan.putIfAbsent(plan.id(), run) != null) {
            return Optional.empty();
        }
        remember(run);
        workers.submit(() -> execute(plan, run));
        return Optional.of(run);
    }

    /** The scheduler's way in: runs the drill and returns when it has ended. */
    public void runAndWait(String planId, String trigger) {
        PlanConfig plan = config.requirePlan(planId);
        DrillRun run = new DrillRun(UUID.randomUUID().toString(), plan.id(), trigger);
        if (runningByPlan.putIfAbsent(plan.id(), run) != null) {
            LOG.warnf("drill of plan %s skipped: one is running", plan.id());
            return;
        }
        remember(run);
        execute(plan, run);
    }

    private void execute(PlanConfig plan, DrillRun run) {
        try {
            RepoConfig repo = config.repoOf(plan);
            run.phase("discovering targets");
            for (Target target : discovery.refresh().stream().filter(t -> t.plan().equals(plan.id()))
                    .filter(Target::usable).toList()) {
                run.phase("drilling " + target.name());
                DrillResult result = drill(plan, repo, target);
                run.add(result);
                journal.record(result);
                metrics.drill(plan.id(), target.name(), result);
                drilled.fire(result);
                if (result.passed()) {
                    LOG.infof("drill of %s passed: restored in %.1f s", target.name(), result.restoreSeconds());
                } else if (result.couldNotRun()) {
                    LOG.warnf("drill of %s could not run (the backup is not judged): %s", target.name(), result.failure());
                } else {
                    LOG.errorf("drill of %s FAILED: %s", target.name(), result.failure());
                }
            }
        } catch (RuntimeException e) {
            LOG.errorf(e, "drill of plan %s broke", plan.id());
        } finally {
            run.finish();
            runningByPlan.remove(plan.id(), run);
        }
    }

    private DrillResult drill(PlanConfig plan, RepoConfig repo, Target target) {
        BackupSet backup = null;
        try {
            backup = backups.find(repo, target.name(), plan.id(), BackupSets.LATEST);
            TargetDrill kind = kinds.stream().filter(k -> k.strategies().contains(target.strategy())).findFirst()
                    .orElseThrow(() -> new DrillFailed("no drill for strategy " + target.strategy()));
            TargetDrill.Outcome outcome = kind.drill(target, repo, backup, backups.facts(repo, backup));
            return new DrillResult(plan.id(), target.name(), target.strategy(), backup.label(), backup.time(),
                    Instant.now(), true, DrillResult.PASSED, outcome.restoreSeconds(), outcome.checks(), null, null);
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

    private DrillResult ended(PlanConfig plan, Target target, BackupSet backup, String outcome, String why) {
        Instant lastRan = DrillResult.COULD_NOT_RUN.equals(outcome) ? journal.latestOf(plan.id()).stream()
                .filter(r -> r.target().equals(target.name())).map(DrillResult::lastRan).filter(java.util.Objects::nonNull)
                .findFirst().orElse(null) : null;
        return new DrillResult(plan.id(), target.name(), target.strategy(), backup == null ? null : backup.label(),
                backup == null ? null : backup.time(), Instant.now(), false, outcome, null, List.of(), why, lastRan);
    }

    private void remember(DrillRun run) {
        runs.put(run.id(), run);
        if (runs.size() > KEEP) {
            runs.values().stream().min(Comparator.comparing(r -> r.report().startedAt()))
                    .filter(r -> r.report().endedAt() != null).ifPresent(r -> runs.remove(r.id()));
        }
    }

    public Optional<DrillRun> get(String id) {
        return Optional.ofNullable(runs.get(id));
    }

    @PreDestroy
    void shutdown() {
        workers.shutdownNow();
    }
}
