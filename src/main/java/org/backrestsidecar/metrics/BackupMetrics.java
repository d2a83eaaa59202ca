package org.backrestsidecar.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every metric the sidecar exports, named in one place (docs/api.md "Metrics" lists the Prometheus
 * names these become). Gauges hold the last value seen; counters count runs by result.
 */
@ApplicationScoped
public class BackupMetrics {
    public static final String TARGET_LAST_SUCCESS = "sidecar.target.last.success.timestamp.seconds";
    public static final String TARGET_LAST_DURATION = "sidecar.target.last.run.duration.seconds";
    public static final String TARGET_ADDED = "sidecar.target.last.run.added.bytes";
    public static final String TARGET_SNAPSHOTS = "sidecar.target.snapshots.kept";
    public static final String TARGET_RUNS = "sidecar.target.runs";
    public static final String PLAN_LAST_SUCCESS = "sidecar.plan.last.success.timestamp.seconds";
    public static final String PLAN_LAST_DURATION = "sidecar.plan.last.run.duration.seconds";
    public static final String PLAN_RUNS = "sidecar.plan.runs";
    public static final String PLAN_LAST_SUCCEEDED = "sidecar.plan.last.run.succeeded";
    public static final String PLAN_RPO = "sidecar.plan.rpo.seconds";
    /** The plan's recovery-time objective (the alert DrillRestoreOverRto adds its targets' restores up). */
    public static final String PLAN_RTO = "sidecar.plan.rto.seconds";
    public static final String REPO_SIZE = "sidecar.repo.size.bytes";
    public static final String TARGET_DOWNTIME = "sidecar.target.last.run.quiesce.downtime.seconds";
    public static final String TARGET_HOOK_FAILURES = "sidecar.target.hook.failures";
    public static final String TARGET_INFO = "sidecar.target.info";
    public static final String DRILL_LAST_TIME = "sidecar.drill.last.timestamp.seconds";
    public static final String DRILL_LAST_PASSED = "sidecar.drill.last.passed";
    public static final String DRILL_RESTORE_SECONDS = "sidecar.drill.last.restore.seconds";
    public static final String DRILL_COULD_NOT_RUN = "sidecar.drill.last.could.not.run";
    public static final String REPO_CHECK_LAST_TIME = "sidecar.repo.check.last.timestamp.seconds";
    public static final String REPO_CHECK_LAST_PASSED = "sidecar.repo.check.last.passed";
    /** When every byte of the repo was last read back clean (drill/ReadBack); 0 when never. */
    public static final String REPO_READ_BACK_FULL_LAST_TIME = "sidecar.repo.read.back.full.last.timestamp.seconds";
    /** By when the next full read-back must have ended (the alert RepoNotReadBackInFull). */
    public static final String REPO_READ_BACK_DUE_TIME = "sidecar.repo.read.back.due.timestamp.seconds";
    public static final String REPO_PRUNE_LAST_TIME = "sidecar.repo.prune.last.timestamp.seconds";
    public static final String REPO_PRUNE_LAST_SECONDS = "sidecar.repo.prune.last.duration.seconds";
    public static final String REPO_PRUNE_LAST_SUCCEEDED = "sidecar.repo.prune.last.succeeded";
    public static final String REPO_DISK_USED = "sidecar.repo.disk.used.ratio";
    public static final String COPY_LAST_SUCCESS = "sidecar.copy.last.success.timestamp.seconds";
    public static final String COPY_NEWEST_SNAPSHOT = "sidecar.copy.newest.snapshot.timestamp.seconds";
    public static final String COPY_LAST_DURATION = "sidecar.copy.last.run.duration.seconds";
    public static final String COPY_ADDED = "sidecar.copy.last.run.added.bytes";
    public static final String COPY_PAST_RETENTION = "sidecar.copy.past.retention.snapshots";
    public static final String COPY_RUNS = "sidecar.copy.runs";
    public static final String WAL_SHIPPED = "sidecar.wal.shipped.timestamp.seconds";
    public static final String WAL_LAG_SECONDS = "sidecar.wal.lag.seconds";
    public static final String WAL_NOT_RECEIVED = "sidecar.wal.not.received.bytes";
    public static final String WAL_SLOT_RETAINED = "sidecar.wal.slot.retained.bytes";
    public static final String WAL_STREAM_UP = "sidecar.wal.stream.up";
    public static final String WAL_CHAIN_HOLE = "sidecar.wal.chain.hole";

    private final MeterRegistry registry;
    private final Map<String, Value> gauges = new ConcurrentHashMap<>();

    public BackupMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /*
     * What the work measured comes in as the small records below, made by the work itself
     * (run/TargetResult, drill/DrillResult, postgres/wal/WalStatus, offsite/CopyState each has `measured()`):
     * metrics knows no work package, so every package may report here (docs/architecture.md, Layers).
     */

    /** A target's part of a run: skipped (nothing stored, nothing failed), or succeeded or not. */
    public record TargetRun(String target, String strategy, Duration duration, long bytesAdded, Duration downtime,
                            boolean backedUp, boolean skipped, boolean succeeded, int hookFailures) {
    }

    /** A target's latest drill. */
    public record Drill(boolean couldNotRun, Instant at, boolean passed, Double restoreSeconds) {
    }

    /** A wal-mode target's stream; {@code shippedAt} null before its first ship. */
    public record WalStream(boolean up, boolean hole, long slotRetainedBytes, long notReceivedBytes, Instant shippedAt) {
    }

    /** A copy's state; each field null while not known. */
    public record Copy(Instant lastSuccess, Instant newestSnapshotTime, Double durationSeconds, Long bytesAdded,
                       Integer pastRetention) {
    }

    public void targetRun(String plan, TargetRun t, Instant ended) {
        Tags tags = Tags.of("plan", plan, "target", t.target());
        gauge(TARGET_LAST_DURATION, tags).set(t.duration().toMillis() / 1000.0);
        gauge(TARGET_ADDED, tags).set(t.bytesAdded());
        gauge(TARGET_DOWNTIME, tags).set(t.downtime().toMillis() / 1000.0);
        gauge(TARGET_INFO, tags.and("strategy", t.strategy() == null ? "" : t.strategy())).set(1);
        if (t.backedUp()) {
            gauge(TARGET_LAST_SUCCESS, tags).set(ended.getEpochSecond());
        }
        Counter.builder(TARGET_RUNS).tags(tags).tag("result", t.skipped() ? "skipped" : result(t.succeeded()))
                .register(registry).increment();
        Counter hooks = Counter.builder(TARGET_HOOK_FAILURES).tags(tags).register(registry);
        hooks.increment(t.hookFailures());
    }

    public void planRun(String plan, boolean succeeded, Duration duration, Instant ended) {
        Tags tags = Tags.of("plan", plan);
        gauge(PLAN_LAST_DURATION, tags).set(duration.toMillis() / 1000.0);
        gauge(PLAN_LAST_SUCCEEDED, tags).set(succeeded ? 1 : 0);
        if (succeeded) {
            gauge(PLAN_LAST_SUCCESS, tags).set(ended.getEpochSecond());
        }
        Counter.builder(PLAN_RUNS).tags(tags).tag("result", result(succeeded)).register(registry).increment();
    }

    /** Seeds the last-success gauge from the repo at start-up, so a restart does not zero it. */
    public void planLastSuccess(String plan, Instant when) {
        gauge(PLAN_LAST_SUCCESS, Tags.of("plan", plan)).max(when.getEpochSecond());
    }

    public void targetLastSuccess(String plan, String target, Instant when) {
        gauge(TARGET_LAST_SUCCESS, Tags.of("plan", plan, "target", target)).max(when.getEpochSecond());
    }

    public void snapshotsKept(String plan, String target, int count) {
        gauge(TARGET_SNAPSHOTS, Tags.of("plan", plan, "target", target)).set(count);
    }

    public void repoSize(String repo, long bytes) {
        gauge(REPO_SIZE, Tags.of("repo", repo)).set(bytes);
    }

    /** The repo's size as last measured (after a run), or empty before the first. */
    public java.util.Optional<Long> repoSize(String repo) {
        return java.util.Optional.ofNullable(gauges.get(REPO_SIZE + Tags.of("repo", repo))).map(v -> (long) v.get());
    }

    /**
     * A target's latest drill: whether it could not run (1/0); and of the latest that ran, when,
     * whether it passed (1/0) and how long its restore took. A drill that could not run says
     * nothing about the backup, so it leaves the others as they were.
     */
    public void drill(String plan, String target, Drill drill) {
        Tags tags = Tags.of("plan", plan, "target", target);
        gauge(DRILL_COULD_NOT_RUN, tags).set(drill.couldNotRun() ? 1 : 0);
        if (drill.couldNotRun()) {
            return;
        }
        gauge(DRILL_LAST_TIME, tags).set(drill.at().getEpochSecond());
        gauge(DRILL_LAST_PASSED, tags).set(drill.passed() ? 1 : 0);
        if (drill.restoreSeconds() != null) {
            gauge(DRILL_RESTORE_SECONDS, tags).set(drill.restoreSeconds());
        }
    }

    /**
     * A wal-mode target's stream: the moment the repo holds everything up to (its recovery point),
     * how far that is behind now, what the server has not sent us yet and what its slot holds back.
     */
    public void wal(String plan, String target, WalStream status) {
        Tags tags = Tags.of("plan", plan, "target", target);
        gauge(WAL_STREAM_UP, tags).set(status.up() ? 1 : 0);
        gauge(WAL_CHAIN_HOLE, tags).set(status.hole() ? 1 : 0);
        gauge(WAL_SLOT_RETAINED, tags).set(status.slotRetainedBytes());
        gauge(WAL_NOT_RECEIVED, tags).set(Math.max(0, status.notReceivedBytes()));
        if (status.shippedAt() != null) {
            gauge(WAL_SHIPPED, tags).set(status.shippedAt().getEpochSecond());
            gauge(WAL_LAG_SECONDS, tags).set(Math.max(0, Duration.between(status.shippedAt(), Instant.now()).toSeconds()));
        }
    }

    /** The plan's recovery-time objective, held against what its drills measure. */
    public void planRecoveryTimeObjective(String plan, java.time.Duration objective) {
        gauge(PLAN_RTO, Tags.of("plan", plan)).set(objective.toSeconds());
    }

    /** The plan's recovery-point objective, so that Prometheus can tell a stale backup by itself. */
    public void planObjective(String plan, java.time.Duration objective) {
        gauge(PLAN_RPO, Tags.of("plan", plan)).set(objective.toSeconds());
    }

    /** A copy that is up to date: when, the newest snapshot it holds (its recovery point), cost. */
    public void copy(String repo, String copy, Copy state) {
        Tags tags = Tags.of("repo", repo, "copy", copy);
        if (state.lastSuccess() != null) {
            gauge(COPY_LAST_SUCCESS, tags).set(state.lastSuccess().getEpochSecond());
        }
        if (state.newestSnapshotTime() != null) {
            gauge(COPY_NEWEST_SNAPSHOT, tags).set(state.newestSnapshotTime().getEpochSecond());
        }
        if (state.durationSeconds() != null) {
            gauge(COPY_LAST_DURATION, tags).set(state.durationSeconds());
        }
        if (state.bytesAdded() != null) {
            gauge(COPY_ADDED, tags).set(state.bytesAdded());
        }
        if (state.pastRetention() != null) {
            // an append-only copy: what its own retention, run where it lives, would remove now
            gauge(COPY_PAST_RETENTION, tags).set(state.pastRetention());
        }
    }

    public void copyRun(String repo, String copy, boolean succeeded) {
        Counter.builder(COPY_RUNS).tags(Tags.of("repo", repo, "copy", copy)).tag("result", result(succeeded))
                .register(registry).increment();
    }

    /** Share (0-1) of the disk under a local repo in use, for the disk alert. */
    public void repoDiskUsed(String repo, double ratio) {
        gauge(REPO_DISK_USED, Tags.of("repo", repo)).set(ratio);
    }

    /** A repo's latest {@code restic check}; {@code kind} is structure or data. */
    public void repoCheck(String repo, String kind, Instant at, boolean passed) {
        Tags tags = Tags.of("repo", repo, "kind", kind);
        gauge(REPO_CHECK_LAST_TIME, tags).set(at.getEpochSecond());
        gauge(REPO_CHECK_LAST_PASSED, tags).set(passed ? 1 : 0);
    }

    /** Where a repo's read-back of its data stands: its last full read-back, and when the next is due. */
    public void repoReadBack(String repo, java.util.Optional<Instant> lastFull, java.util.Optional<Instant> due) {
        Tags tags = Tags.of("repo", repo);
        gauge(REPO_READ_BACK_FULL_LAST_TIME, tags).set(lastFull.map(Instant::getEpochSecond).orElse(0L));
        due.ifPresent(d -> gauge(REPO_READ_BACK_DUE_TIME, tags).set(d.getEpochSecond()));
    }

    /** A repo's latest prune. */
    public void repoPrune(String repo, Instant at, double seconds, boolean succeeded) {
        Tags tags = Tags.of("repo", repo);
        gauge(REPO_PRUNE_LAST_TIME, tags).set(at.getEpochSecond());
        gauge(REPO_PRUNE_LAST_SECONDS, tags).set(seconds);
        gauge(REPO_PRUNE_LAST_SUCCEEDED, tags).set(succeeded ? 1 : 0);
    }

    private static String result(boolean succeeded) {
        return succeeded ? "success" : "failure";
    }

    private Value gauge(String name, Tags tags) {
        return gauges.computeIfAbsent(name + tags, k -> {
            Value v = new Value();
            Gauge.builder(name, v, Value::get).tags(tags).register(registry);
            return v;
        });
    }

    private static final class Value {
        private volatile double value;

        double get() {
            return value;
        }

        void set(double v) {
            value = v;
        }

        synchronized void max(double v) {
            value = Math.max(value, v);
        }
    }
}
