package org.backrestsidecar.notify;

import org.backrestsidecar.config.Topic;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.Scheduler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.backrestsidecar.backrest.BackrestSync;
import org.backrestsidecar.config.NotificationsConfig;
import org.backrestsidecar.config.PlanConfig;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.config.SidecarConfig;
import org.backrestsidecar.config.SwarmRole;
import org.backrestsidecar.health.Freshness;
import org.backrestsidecar.metrics.BackupMetrics;
import org.backrestsidecar.nodes.AllNodes;
import org.jboss.logging.Logger;

/**
 * What no single event reveals, looked at every {@code checkEvery}: a plan with no good backup
 * within its recovery-point objective, a repo's disk filling up, Backrest out of step for too long;
 * and every problem still open, of any kind, reminded when {@code remindEvery} has passed.
 */
@ApplicationScoped
public class Lookout {
    private static final Logger LOG = Logger.getLogger(Lookout.class);
    private final SidecarConfig config;
    private final NotificationsConfig settings;
    private final Notifier notifier;
    private final Freshness freshness;
    private final BackrestSync backrest;
    private final BackupMetrics metrics;
    private final Scheduler scheduler;
    private final Instant started = Instant.now();

    private final org.backrestsidecar.health.CopyFreshness copyFreshness;

    private final SwarmRole role;
    private final AllNodes nodes;
    private final org.backrestsidecar.access.Tokens tokens;

    public Lookout(SidecarConfig config, Notifier notifier, Freshness freshness, BackrestSync backrest,
                   BackupMetrics metrics, Scheduler scheduler, org.backrestsidecar.health.CopyFreshness copyFreshness,
                   SwarmRole role, AllNodes nodes,
                   org.backrestsidecar.access.Tokens tokens) {
        this.role = role;
        this.nodes = nodes;
        this.tokens = tokens;
        this.copyFreshness = copyFreshness;
        this.config = config;
        this.settings = config.notifications();
        this.notifier = notifier;
        this.freshness = freshness;
        this.backrest = backrest;
        this.metrics = metrics;
        this.scheduler = scheduler;
    }

    void schedule(@Observes StartupEvent ignored) {
        scheduler.newJob("lookout").setInterval(settings.checkEvery().toSeconds() + "s")
                .setConcurrentExecution(Scheduled.ConcurrentExecution.SKIP).setTask(e -> look()).schedule();
    }

    public void look() {
        Instant now = Instant.now();
        if (role.backsUp()) {
            config.plans().forEach(plan -> latePlan(plan, now));
        }
        for (RepoConfig repo : config.repos()) {
            disk(repo);
            if (role.keepsRepos()) {
                repo.copies().forEach(copy -> lateCopy(repo, copy, now));
            }
        }
        if (nodes.inSwarm()) {
            nodesAnswer();
        }
        backrestInStep(now);
        notifier.remindDue();
    }

    /**
     * The repos task, one for all, tells of a node that stops answering (nodes/NodesWatch keeps every
     * sidecar's view of the nodes current in between).
     */
    private void nodesAnswer() {
        if (role != SwarmRole.REPOS) {
            return;
        }
        var others = nodes.others(config.instance(), Map.of("Authorization", tokens.ownBearer()),
                AllNodes.WATCH_WITHIN);
        for (var n : others) {
            String key = "node-down:" + n.node();
            Map<String, String> where = Map.of("node", n.node());
            if (n.up()) {
                notifier.fine(Topic.PLAN_LATE, key, "node " + n.node() + " answers again", where);
            } else {
                List<String> plans = new java.util.ArrayList<>();
                n.plans().forEach(p -> plans.add(p.path("id").asText()));
                notifier.problem(Topic.PLAN_LATE, key, 1, "node " + n.node() + " does not answer", where,
                        n.problem() + "; its plans (" + String.join(", ", plans) + ") run nowhere while it is away",
                        "docker node ls shows whether Swarm still sees the node; docs/swarm.md \"A node is lost\" "
                                + "says how to restore its services on another node.");
            }
        }
    }

    private void latePlan(PlanConfig plan, Instant now) {
        Duration objective = freshness.objective(plan);
        metrics.planObjective(plan.id(), objective);
        Map<String, String> where = Map.of("plan", plan.id(), "objective", objective.toString());
        Optional<String> stale = freshness.staleness(plan, now);
        if (stale.isPresent()) {
            notifier.problem(Topic.PLAN_LATE, "late:" + plan.id(), 1, "plan " + plan.id() + " is late", where,
                    stale.get(), "Look at the plan's runs (GET /sidecar/api/runs?plan=" + plan.id() + ") and start "
                            + "one now: scripts/backrest-management.sh backup " + plan.id() + ".");
        } else {
            notifier.fine(Topic.PLAN_LATE, "late:" + plan.id(), "plan " + plan.id() + " has a fresh backup again", where);
        }
    }

    private void lateCopy(RepoConfig repo, org.backrestsidecar.config.CopyConfig copy, Instant now) {
        String key = "copy-late:" + repo.id() + "/" + copy.id();
        Map<String, String> where = Map.of("repo", repo.id(), "copy", copy.id(), "to", copy.repo().shownUri());
        Optional<String> stale = copyFreshness.staleness(repo, copy, now);
        if (stale.isPresent()) {
            notifier.problem(Topic.COPY_FAILED, key, 1, "copy " + copy.id() + " of repo " + repo.id() + " is late",
                    where, stale.get(), "Start it now: POST /sidecar/api/repos/" + repo.id() + "/copies/" + copy.id()
                            + "/runs; look at GET /sidecar/api/repos/copies for its last error.");
        } else {
            notifier.fine(Topic.COPY_FAILED, key, "copy " + copy.id() + " of repo " + repo.id() + " is recent again",
                    where);
        }
    }

    /** Only repos on a local path (or a mounted one) have a disk we can look at. */
    private void disk(RepoConfig repo) {
        Path path = Path.of(repo.uri().startsWith("local:") ? repo.uri().substring(6) : repo.uri());
        if (!path.isAbsolute()) {
            return;
        }
        Path existing = path;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return;
        }
        long used;
        long free;
        try {
            // as df counts: the blocks reserved for root are neither used nor ours to fill
            FileStore store = Files.getFileStore(existing);
            used = store.getTotalSpace() - store.getUnallocatedSpace();
            free = store.getUsableSpace();
        } catch (IOException e) {
            LOG.debugf("disk of repo %s cannot be measured: %s", repo.id(), e.getMessage());
            return;
        }
        if (used + free <= 0) {
            return;
        }
        double ratio = (double) used / (used + free);
        metrics.repoDiskUsed(repo.id(), ratio);
        int percent = (int) Math.ceil(ratio * 100);
        List<Integer> thresholds = settings.diskThresholds();
        int level = (int) thresholds.stream().filter(t -> percent >= t).count();
        Map<String, String> where = Map.of("repo", repo.id(), "path", path.toString(),
                "used", percent + " %", "free", free / (1024 * 1024) + " MiB");
        String key = "disk:" + repo.id();
        if (level > 0) {
            int over = thresholds.get(level - 1);
            notifier.problem(Topic.DISK_FULL, key, level, "the disk of repo " + repo.id() + " is " + percent
                    + " % full (over " + over + " %)", where, null, "Free space or move the repo: a full disk fails "
                    + "every backup of the plans on it. restic forget/prune of old snapshots frees space in the repo.");
        } else {
            notifier.fine(Topic.DISK_FULL, key, "the disk of repo " + repo.id() + " is below "
                    + thresholds.get(0) + " % again", where);
        }
    }

    private void backrestInStep(Instant now) {
        Optional<BackrestSync.Status> status = backrest.status();
        if (status.isEmpty()) {
            return;
        }
        BackrestSync.Status s = status.get();
        Instant since = s.lastSuccess() != null ? s.lastSuccess() : started;
        boolean outOfStep = s.warning().isPresent()
                && Duration.between(since, now).compareTo(settings.backrestOutOfStep()) > 0;
        Map<String, String> where = Map.of("backrest", config.backrest().map(b -> b.url()).orElse(""),
                "last in step", s.lastSuccess() == null ? "never" : s.lastSuccess().toString());
        if (outOfStep) {
            notifier.problem(Topic.BACKREST_OUT_OF_STEP, "backrest", 1, "Backrest has been out of step for over "
                    + settings.backrestOutOfStep(), where, s.warning().get(), "Backrest's UI may not show the "
                    + "latest repos, plans or snapshots; backups go on. See /q/health (backrest sync) and the log.");
        } else if (s.warning().isEmpty()) {
            notifier.fine(Topic.BACKREST_OUT_OF_STEP, "backrest", "Backrest is in step again", where);
        }
    }
}
