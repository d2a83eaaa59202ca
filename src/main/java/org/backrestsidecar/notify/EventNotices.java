package org.backrestsidecar.notify;

import org.backrestsidecar.config.Topic;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.backrestsidecar.drill.DrillResult;
import org.backrestsidecar.drill.RepoChecks;
import org.backrestsidecar.quiesce.CrashRecovery;
import org.backrestsidecar.restore.RestoreJob;
import org.backrestsidecar.run.PlanRun;
import org.backrestsidecar.run.RunReport;
import org.backrestsidecar.run.RunStarted;
import org.backrestsidecar.run.TargetResult;
import org.backrestsidecar.postgres.wal.WalNotice;

/**
 * Turns what the sidecar did into notices: runs (and their heartbeat pings), drills, repo checks,
 * restores, WAL streams, and containers put back after a crash. Keys name the thing that fails, so
 * the same target failing night after night is one problem, reminded, and its first good run says
 * "recovered".
 */
@ApplicationScoped
public class EventNotices {
    private static final String RUNS_HINT = "Look at GET /sidecar/api/runs/%s (or scripts/backrest-management.sh "
            + "status) and the sidecar's log; run it again with scripts/backrest-management.sh backup %s.";
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(EventNotices.class);
    private final Notifier notifier;

    public EventNotices(Notifier notifier) {
        this.notifier = notifier;
    }

    void runStarted(@Observes RunStarted run) {
        safely("runStarted", () -> runStartedNow(run));
    }

    private void runStartedNow(RunStarted run) {
        notifier.ping(run.plan(), Notifier.Ping.START);
    }

    void runFinished(@Observes RunReport run) {
        safely("runFinished", () -> runFinishedNow(run));
    }

    private void runFinishedNow(RunReport run) {
        boolean ok = run.state() == PlanRun.State.SUCCEEDED;
        notifier.ping(run.plan(), ok ? Notifier.Ping.SUCCESS : Notifier.Ping.FAIL);
        String planKey = "backup:" + run.plan();
        Map<String, String> planWhere = where("plan", run.plan(), "repo", run.repo(), "run", run.id());
        if (run.error() != null) {
            notifier.problem(Topic.BACKUP_FAILED, planKey, 1, "backup of plan " + run.plan(), planWhere, run.error(),
                    String.format(RUNS_HINT, run.id(), run.plan()));
        } else {
            notifier.fine(Topic.BACKUP_FAILED, planKey, "backup of plan " + run.plan(), planWhere);
        }
        for (TargetResult t : run.targets()) {
            String key = planKey + "/" + t.target();
            String title = "backup of plan " + run.plan() + ", target " + t.target();
            Map<String, String> where = where("plan", run.plan(), "target", t.target(), "container", t.container(),
                    "strategy", t.strategy(), "repo", run.repo(), "run", run.id());
            if (t.succeeded()) {
                notifier.fine(Topic.BACKUP_FAILED, key, title, where);
            } else {
                notifier.problem(Topic.BACKUP_FAILED, key, 1, title, where, t.error(),
                        String.format(RUNS_HINT, run.id(), run.plan()));
            }
        }
        if (ok) {
            // a target that failed and is gone since (its container removed) is not a problem any more
            notifier.fineAll(Topic.BACKUP_FAILED, planKey + "/",
                    target -> "backup of plan " + run.plan() + ", target " + target, planWhere);
        }
    }

    /** A WAL stream broken or shipping again, a hole in its chain, another server behind a target. */
    void walTold(@Observes WalNotice told) {
        safely("walTold", () -> walToldNow(told));
    }

    private void walToldNow(WalNotice told) {
        switch (told.kind()) {
            case PROBLEM -> notifier.problem(Topic.BACKUP_FAILED, told.key(), 1, told.title(), told.where(), told.error(),
                    told.hint());
            case FINE -> notifier.fine(Topic.BACKUP_FAILED, told.key(), told.title(), told.where());
            case FAILURE -> notifier.news(Topic.BACKUP_FAILED, true, told.title(), told.where(), told.error(), told.hint());
        }
    }

    void drilled(@Observes DrillResult drill) {
        safely("drilled", () -> drilledNow(drill));
    }

    private void drilledNow(DrillResult drill) {
        String key = "drill:" + drill.plan() + "/" + drill.target();
        Map<String, String> where = where("plan", drill.plan(), "target", drill.target(), "backup", drill.backup());
        if (drill.passed()) {
            notifier.fine(Topic.DRILL_FAILED, key, "restore drill of " + drill.target(), where);
        } else if (drill.couldNotRun()) {
            notifier.problem(Topic.DRILL_FAILED, key, 1, "restore drill of " + drill.target() + " could not run",
                    where, drill.failure(), "The backup was not judged. See GET /sidecar/api/drills and the sidecar's "
                            + "log (helper image, Docker, disk space).");
        } else {
            notifier.problem(Topic.DRILL_FAILED, key, 2, "restore drill of " + drill.target(), where, drill.failure(),
                    "The backup did not restore as it should: run a backup now, then a drill "
                            + "(scripts/backrest-management.sh drill " + drill.plan() + "), and check the repo.");
        }
    }

    void checked(@Observes RepoChecks.Result check) {
        safely("checked", () -> checkedNow(check));
    }

    private void checkedNow(RepoChecks.Result check) {
        String key = "check:" + check.repo() + "/" + check.kind();
        Map<String, String> where = where("repo", check.repo(), "check", check.kind());
        String title = "restic check (" + check.kind() + ") of " + RepoChecks.Checked.named(check.repo());
        if (check.passed()) {
            notifier.fine(Topic.CHECK_FAILED, key, title, where);
        } else {
            notifier.problem(Topic.CHECK_FAILED, key, 1, title, where, check.output(),
                    "The repo may be damaged: see docs/restore.md (repairing a repo) before the next prune; keep "
                            + "an offsite copy untouched.");
        }
    }

    void restore(@Observes RestoreJob.Report restore) {
        safely("restore", () -> restoreNow(restore));
    }

    private void restoreNow(RestoreJob.Report restore) {
        if (restore.dryRun()) {
            return;
        }
        Map<String, String> where = where("target", restore.target(), "plan", restore.plan(), "backup",
                restore.backup(), "asked by", restore.requestedBy(), "restore", restore.id());
        switch (restore.state()) {
            case QUEUED, RUNNING -> notifier.news(Topic.RESTORE, false, "restore of " + restore.target() + " started",
                    where, null, "GET /sidecar/api/restores/" + restore.id() + " shows its progress.");
            case SUCCEEDED -> notifier.news(Topic.RESTORE, false, "restore of " + restore.target() + " succeeded",
                    where, null, "Safety snapshots of the data it replaced: "
                            + String.join(", ", restore.safetySnapshots()));
            case FAILED -> notifier.news(Topic.RESTORE, true, "restore of " + restore.target(), where, restore.error(),
                    (restore.rolledBack() ? "The data it replaced was put back. " : "")
                            + "GET /sidecar/api/restores/" + restore.id() + " has the details.");
        }
    }

    void copied(@Observes org.backrestsidecar.offsite.CopyFinished finished) {
        safely("copied", () -> copiedNow(finished.state()));
    }

    private void copiedNow(org.backrestsidecar.offsite.CopyState copy) {
        String key = "copy:" + copy.key();
        String title = "copy " + copy.copy() + " of repo " + copy.repo();
        Map<String, String> where = where("repo", copy.repo(), "copy", copy.copy(), "to", copy.uri());
        if (copy.error() == null) {
            notifier.fine(Topic.COPY_FAILED, key, title, where);
        } else {
            notifier.problem(Topic.COPY_FAILED, key, 1, title, where, copy.error(), "The backups themselves are fine "
                    + "and the copy is tried again after the next run; check the remote's reachability and "
                    + "credentials (GET /sidecar/api/repos/copies).");
        }
    }

    void recovered(@Observes CrashRecovery.Recovered recovered) {
        safely("recovered", () -> recoveredNow(recovered));
    }

    private void recoveredNow(CrashRecovery.Recovered recovered) {
        var all = recovered.byPlan().values().stream().flatMap(java.util.List::stream).toList();
        boolean failed = all.stream().anyMatch(t -> !t.succeeded());
        String lines = all.stream().map(t -> t.container() + ": " + t.message())
                .collect(Collectors.joining("\n"));
        notifier.news(Topic.CONTAINERS_RECOVERED, failed, "containers left paused or stopped by a sidecar that "
                        + "stopped mid-run were " + (failed ? "NOT all " : "") + "put back",
                where("plans", String.join(", ", recovered.byPlan().keySet())), lines,
                failed ? "Start the containers named above by hand (docker start / docker unpause)."
                        : "Nothing to do; the interrupted runs show as RECOVERY in GET /sidecar/api/runs.");
    }

    /** An observer runs in the thread that fired: a broken notice must never break a run or start-up. */
    private static void safely(String what, Runnable notice) {
        try {
            notice.run();
        } catch (RuntimeException e) {
            LOG.errorf(e, "the notice of %s could not be made", what);
        }
    }

    private static Map<String, String> where(String... pairs) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i + 1 < pairs.length; i += 2) {
            if (pairs[i + 1] != null && !pairs[i + 1].isEmpty()) {
                out.put(pairs[i], pairs[i + 1]);
            }
        }
        return out;
    }
}
