package org.backrestsidecar.schedule;

import org.backrestsidecar.config.CronSchedule;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.Scheduler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.backrestsidecar.config.DrillConfig;
import org.backrestsidecar.config.PlanConfig;
import org.backrestsidecar.config.SidecarConfig;
import org.backrestsidecar.config.SwarmRole;
import org.backrestsidecar.drill.DrillRunner;
import org.backrestsidecar.drill.RepoChecks;
import org.backrestsidecar.prune.Prunes;
import org.backrestsidecar.run.PlanBusyException;
import org.backrestsidecar.run.PlanRun;
import org.backrestsidecar.run.PlanRunner;
import org.jboss.logging.Logger;

/**
 * Turns each plan's cron into a scheduler job in the configured time zone, and each plan's drill
 * cron, the repo checks' crons and the prune cron into jobs of their own. A job waits for its run
 * to end, and the scheduler skips a firing while the previous one still runs, so a plan never
 * overlaps itself; plans sharing a repo queue on the runner's repo lock.
 */
@ApplicationScoped
public class PlanScheduler {
    private static final Logger LOG = Logger.getLogger(PlanScheduler.class);
    private final SidecarConfig config;
    private final Scheduler scheduler;
    private final PlanRunner runner;
    private final DrillRunner drills;
    private final RepoChecks checks;
    private final Prunes prunes;
    private final Map<String, CronSchedule> schedules = new ConcurrentHashMap<>();
    private final SwarmRole role;
    private static final java.time.Duration SEED_RETRY = java.time.Duration.ofSeconds(30);

    public PlanScheduler(SidecarConfig config, Scheduler scheduler, PlanRunner runner, DrillRunner drills,
                         RepoChecks checks, Prunes prunes, SwarmRole role) {
        this.role = role;
        this.prunes = prunes;
        this.drills = drills;
        this.checks = checks;
        this.config = config;
        this.scheduler = scheduler;
        this.runner = runner;
        for (PlanConfig plan : config.plans()) {
            schedules.put(plan.id(), CronSchedule.parse(plan.schedule(), config.timeZone()));
        }
    }

    void start(@Observes StartupEvent ignored) {
        if (role.backsUp()) {
            schedulePlans();
        }
        if (role.keepsRepos()) {
            job("repo-check", config.drills().repoCheck(), () -> checks.checkAll(false));
            job("repo-data-check", config.drills().repoDataCheck(), () -> checks.checkAll(true));
            job("prune", config.prune().schedule(), prunes::pruneAll);
        } else {
            LOG.infof("prune and repo checks are the repos task's (SIDECAR_SWARM_ROLE=%s)", role.word());
        }
        Thread seeding = new Thread(() -> {
            // a repo not reachable yet (its server starting with the stack) is tried again until it is
            List<String> left = config.plans().stream().map(PlanConfig::id).toList();
            try {
                while (!left.isEmpty()) {
                    left = runner.seedFromRepos(left);
                    if (!left.isEmpty()) {
                        Thread.sleep(SEED_RETRY.toMillis());
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                // the sidecar is stopping before the repos were read; nothing to seed then
                LOG.debugf("seeding from repos ended: %s", e.getMessage());
            }
        }, "seed-from-repos");
        seeding.setDaemon(true);
        seeding.start();
    }

    private void schedulePlans() {
        for (PlanConfig plan : config.plans()) {
            scheduler.newJob("plan-" + plan.id())
                    .setCron(plan.schedule())
                    .setTimeZone(config.timeZone().getId())
                    .setConcurrentExecution(Scheduled.ConcurrentExecution.SKIP)
                    .setTask(execution -> runScheduled(plan.id()))
                    .schedule();
            LOG.infof("plan %s scheduled at '%s' (%s), next run %s", plan.id(), plan.schedule(),
                    config.timeZone(), nextRun(plan.id()).map(Instant::toString).orElse("never"));
        }
        for (PlanConfig plan : config.plans()) {
            config.drills().scheduleOf(plan.id()).ifPresent(cron -> job("drill-" + plan.id(), cron,
                    () -> drills.runAndWait(plan.id(), "SCHEDULE")));
        }
    }

    private void job(String name, String cron, Runnable task) {
        if (cron.equals(DrillConfig.OFF)) {
            return;
        }
        scheduler.newJob(name).setCron(cron).setTimeZone(config.timeZone().getId())
                .setConcurrentExecution(Scheduled.ConcurrentExecution.SKIP)
                .setTask(execution -> task.run())
                .schedule();
        LOG.infof("%s scheduled at '%s' (%s)", name, cron, config.timeZone());
    }

    /** The plan's drill schedule, when its drills are on. */
    public Optional<CronSchedule> drillSchedule(String plan) {
        return config.drills().scheduleOf(plan).map(cron -> CronSchedule.parse(cron, config.timeZone()));
    }

    private void runScheduled(String plan) {
        try {
            runner.runAndWait(plan, PlanRun.Trigger.SCHEDULE);
        } catch (PlanBusyException e) {
            LOG.warnf("scheduled run of plan %s skipped: %s", plan, e.getMessage());
        }
    }

    public Optional<CronSchedule> schedule(String plan) {
        return Optional.ofNullable(schedules.get(plan));
    }

    public Optional<Instant> nextRun(String plan) {
        return schedule(plan).flatMap(s -> s.nextAfter(Instant.now()));
    }
}
