package org.backrestsidecar.health;

import io.quarkus.runtime.StartupEvent;
import io.smallrye.health.api.HealthRegistry;
import io.smallrye.health.api.Wellness;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.backrestsidecar.config.PlanConfig;
import org.backrestsidecar.config.SidecarConfig;
import org.backrestsidecar.config.SwarmRole;
import org.backrestsidecar.discovery.Discovery;
import org.backrestsidecar.drill.DrillJournal;
import org.backrestsidecar.drill.DrillResult;
import org.backrestsidecar.drill.RepoChecks;
import org.backrestsidecar.schedule.PlanScheduler;
import org.eclipse.microprofile.health.HealthCheckResponse;

/**
 * Wellness checks that the backups are proven: one per plan with drills (DOWN when a target's last
 * drill failed, or is older than twice the drill interval, or none ran in that time since start-up,
 * or when the targets' restores at their last drills add up to more than the plan's recovery-time
 * objective) and one per repo (DOWN when its last {@code restic check} failed, a failed read of its
 * data was not read clean since, or its full read-back is overdue).
 */
@ApplicationScoped
public class DrillChecks {
    private final SidecarConfig config;
    private final DrillJournal journal;
    private final RepoChecks checks;
    private final PlanScheduler scheduler;
    private final Discovery discovery;
    private final HealthRegistry registry;
    private final Instant started = Instant.now();

    private final SwarmRole role;
    private final org.backrestsidecar.metrics.BackupMetrics metrics;

    public DrillChecks(SidecarConfig config, DrillJournal journal, RepoChecks checks, PlanScheduler scheduler,
                       Discovery discovery, @Wellness HealthRegistry registry, SwarmRole role,
                       org.backrestsidecar.metrics.BackupMetrics metrics) {
        this.role = role;
        this.metrics = metrics;
        this.config = config;
        this.journal = journal;
        this.checks = checks;
        this.scheduler = scheduler;
        this.discovery = discovery;
        this.registry = registry;
    }

    void register(@Observes StartupEvent ignored) {
        for (PlanConfig plan : role.backsUp() ? config.plans() : List.<PlanConfig>of()) {
            metrics.planRecoveryTimeObjective(plan.id(), plan.recoveryTimeObjective());
            if (config.drills().scheduleOf(plan.id()).isPresent()) {
                registry.register("drill-" + plan.id(), () -> drill(plan));
            }
        }
        for (RepoChecks.Checked one : role.keepsRepos() ? checks.checked() : List.<RepoChecks.Checked>of()) {
            registry.register("repo-check-" + one.id(), () -> repoCheck(one));
        }
    }

    private HealthCheckResponse drill(PlanConfig plan) {
        Instant now = Instant.now();
        Duration limit = scheduler.drillSchedule(plan.id()).orElseThrow().longestInterval(now).multipliedBy(2);
        List<DrillResult> results = journal.latestOf(plan.id());
        List<String> problems = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        for (DrillResult r : results) {
            if (r.couldNotRun()) {
                // says nothing about the backup: a warning, until the backup has gone unproven too long
                Instant since = r.lastRan() != null ? r.lastRan() : started;
                if (since.plus(limit).isBefore(now)) {
                    problems.add(r.target() + ": no drill could run in " + limit + ": " + r.failure());
                } else {
                    warnings.add(r.target() + ": last drill could not run: " + r.failure());
                }
            } else if (!r.passed()) {
                problems.add(r.target() + ": last drill failed: " + r.failure());
            } else if (r.at().plus(limit).isBefore(now)) {
                problems.add(r.target() + ": last drill " + r.at() + " is older than " + limit);
            } else if (!r.unproven().isEmpty()) {
                // passed, and says what it could not compare: the next backup's facts will let it
                warnings.add(r.target() + ": last drill passed without comparing all: " + String.join("; ", r.unproven()));
            }
        }
        var restoreTime = org.backrestsidecar.drill.RecoveryTime.of(results, plan.recoveryTimeObjective());
        restoreTime.filter(org.backrestsidecar.drill.RecoveryTime::over).ifPresent(t -> problems.add(t.said()
                + " (plans[].rto)"));
        boolean hasTargets = !discovery.targetsOf(plan.id()).isEmpty();
        if (results.isEmpty() && hasTargets && started.plus(limit).isBefore(now)) {
            problems.add("no drill in " + limit);
        }
        var builder = HealthCheckResponse.named("restore drill of plan " + plan.id()).status(problems.isEmpty())
                .withData("drilledTargets", results.size())
                .withData("lastDrill", results.stream().map(DrillResult::at).max(Instant::compareTo)
                        .map(Instant::toString).orElse("never"))
                .withData("recoveryTimeObjective", plan.recoveryTimeObjective().toString());
        restoreTime.ifPresent(t -> builder.withData("restoreTime", t.said()));
        if (!problems.isEmpty()) {
            builder.withData("reason", String.join("; ", problems));
        }
        if (!warnings.isEmpty()) {
            builder.withData("warning", String.join("; ", warnings));
        }
        return builder.build();
    }

    /**
     * DOWN when the repo's (or copy's) latest check failed, when a part of its data read back with a
     * failure has not been read clean since (the next data checks read that part again), or when its
     * full read-back is overdue (a copy that says {@code readBack: false} has none due).
     */
    private HealthCheckResponse repoCheck(RepoChecks.Checked one) {
        Instant now = Instant.now();
        List<RepoChecks.Result> results = checks.latestOf(one.id());
        List<String> problems = new ArrayList<>();
        results.stream().filter(r -> !r.passed()).findFirst().ifPresent(r -> problems.add(r.output()));
        var readBack = checks.readBackOf(one.id()).filter(r -> one.readBack());
        readBack.filter(r -> r.red() && problems.isEmpty()).ifPresent(r -> problems.add("a read of its data failed "
                + r.failedAt() + " and no clean read has cleared it: " + r.failure()));
        var due = !one.readBack() ? java.util.Optional.<Instant>empty() : readBack.flatMap(r -> checks.dataCheckInterval()
                .map(r::due)).or(() -> checks.dataCheckInterval().map(i -> started.plus(i.multipliedBy(
                config.drills().readBackIn() + 1L))));
        due.filter(d -> d.isBefore(now)).ifPresent(d -> problems.add("every byte was to be read back by " + d + " ("
                + config.drills().readBackIn() + " data checks); last full read-back: " + readBack.flatMap(
                org.backrestsidecar.drill.ReadBack::lastFullReadBack).map(Instant::toString).orElse("never")));
        var builder = HealthCheckResponse.named("restic check of " + one.named()).status(problems.isEmpty());
        for (RepoChecks.Result r : results) {
            builder.withData(r.kind(), (r.passed() ? "passed " : "FAILED ") + r.at() + (r.part() == null ? ""
                    : " (part " + r.part() + ")"));
        }
        builder.withData("lastFullReadBack", !one.readBack() ? "not read back (readBack: false)" : readBack.flatMap(
                org.backrestsidecar.drill.ReadBack::lastFullReadBack).map(Instant::toString).orElse("never"));
        due.ifPresent(d -> builder.withData("fullReadBackDue", d.toString()));
        if (!problems.isEmpty()) {
            builder.withData("reason", String.join("; ", problems));
        }
        return builder.build();
    }
}
