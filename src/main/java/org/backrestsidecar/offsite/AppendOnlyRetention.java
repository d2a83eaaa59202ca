package org.backrestsidecar.offsite;

import java.util.ArrayList;
import java.util.List;
import org.backrestsidecar.config.CopyConfig;
import org.backrestsidecar.config.PlanConfig;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.restic.Forget;
import org.backrestsidecar.restic.SnapshotTags;

/**
 * The retention of an append-only copy, which the sidecar never runs there: its server refuses every
 * delete, and a credential that could delete must not be on the host. What it is instead: the
 * {@code restic forget} of each plan of the copy's repo, by the copy's tiers (or the plan's) as spans
 * of time ({@link org.backrestsidecar.config.Retention#forgetFlagsWithin}), grouped as the sidecar
 * groups its own retention (host and paths), then {@code restic prune}. The sidecar renders them as a
 * script for the copy's server ({@code GET /api/repos/{repo}/copies/{copy}/retention}), and after
 * each copy runs the same forgets with {@code --dry-run} and every span a week wider
 * ({@link #GRACE_DAYS}): a snapshot past even those has been past its tiers for a week, and a copy
 * whose server runs its retention weekly has none, so a copy that nobody prunes is noticed.
 *
 * <p>A Postgres plan in wal mode keeps its base backups and their WAL whole there: which WAL a chain
 * still needs is the sidecar's reasoning (restic/WalRetention), not a restic flag.
 */
public final class AppendOnlyRetention {
    /** How long a snapshot may stay past its tiers on the copy before it counts as unpruned: a weekly run there. */
    public static final int GRACE_DAYS = 7;

    private AppendOnlyRetention() {
    }

    /**
     * One {@code restic forget} argument list per plan whose repo the copy holds, and one for the
     * safety snapshots of restores.
     *
     * @param graceDays added to each span (0: the retention itself; {@link #GRACE_DAYS}: the count of unpruned)
     */
    public static List<List<String>> forgets(List<PlanConfig> plans, RepoConfig repo, CopyConfig copy, int graceDays) {
        List<List<String>> out = new ArrayList<>();
        for (PlanConfig plan : plans) {
            if (!plan.repo().equals(repo.id())) {
                continue;
            }
            List<String> args = new ArrayList<>(List.of("forget", "--tag", SnapshotTags.planTag(plan.id()),
                    "--group-by", "host,paths"));
            args.addAll(copy.retention().orElse(plan.retention()).forgetFlagsWithin(graceDays));
            if (graceDays > 0) {
                // a second snapshot of a day (a run by hand) is past the daily tier at once: within the
                // grace every snapshot is kept, so only what a weekly retention there would have removed counts
                args.addAll(List.of("--keep-within", graceDays + "d"));
            }
            args.addAll(List.of("--keep-tag", "wal", "--keep-tag", SnapshotTags.WAL_BASE));
            out.add(args);
        }
        // the safety snapshots taken before restores carry no plan: as the sidecar expires them after
        // 30 days elsewhere, here each target's are kept within 30 days of its newest
        out.add(List.of("forget", "--tag", SnapshotTags.SAFETY, "--group-by", "host,paths", "--keep-within",
                (Forget.SAFETY_KEEP.toDays() + graceDays) + "d"));
        return out;
    }

    /**
     * The script its owner runs where the copy lives (cron, weekly): restic with the copy's repository
     * and a key of their own in the environment, never the host's. It stops before forgetting anything
     * when a snapshot claims a time after the server's clock: with spans counted from the newest
     * snapshot, one such snapshot from a taken host would put every real one outside them.
     */
    public static String script(List<PlanConfig> plans, RepoConfig repo, CopyConfig copy) {
        StringBuilder s = new StringBuilder();
        s.append("#!/bin/sh\n");
        s.append("# Retention of copy ").append(copy.id()).append(" of repo ").append(repo.id())
                .append(", which the sidecar only adds to (appendOnly: true).\n");
        s.append("# Run it where the copy lives, with restic and a key the sidecar's host never holds, e.g. weekly:\n");
        s.append("#   RESTIC_REPOSITORY=/srv/restic/").append(repo.id())
                .append(" RESTIC_PASSWORD_FILE=/root/").append(repo.id()).append('-').append(copy.id())
                .append(".key sh this-script\n");
        s.append("set -eu\n");
        s.append("now=$(date -u +%s)\n");
        s.append("restic snapshots --json | grep -o '\"time\":\"[^\"]*\"' | cut -d'\"' -f4 | while read -r t; do\n");
        s.append("  if [ \"$(date -u -d \"$t\" +%s)\" -gt $((now + 86400)) ]; then\n");
        s.append("    echo \"a snapshot is dated $t, after this server's clock: nothing forgotten; look at 'restic snapshots' first\" >&2\n");
        s.append("    exit 1\n");
        s.append("  fi\n");
        s.append("done\n");
        for (List<String> forget : forgets(plans, repo, copy, 0)) {
            s.append("restic ").append(String.join(" ", forget)).append('\n');
        }
        s.append("restic prune\n");
        return s.toString();
    }
}
