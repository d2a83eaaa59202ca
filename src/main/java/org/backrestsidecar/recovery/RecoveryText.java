package org.backrestsidecar.recovery;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * What a person reads at the terminal during a recovery (the management script prints it as is):
 * what the copy holds, and each step with its time, one step per line, the outcome first. What the
 * script records of a job is its {@link #ledger}, a format of its own, not these columns.
 */
public final class RecoveryText {
    private RecoveryText() {
    }

    public static String holdings(Holdings h, Instant now) {
        StringBuilder out = new StringBuilder("offsite copy '" + h.copy() + "' holds:\n");
        for (Holdings.Repo r : h.repos()) {
            out.append("\nrepo ").append(r.repo()).append(" <- ").append(r.copyUri()).append(": ");
            if (r.problem() != null) {
                out.append("CANNOT BE READ: ").append(r.problem().lines().findFirst().orElse("")).append('\n');
                continue;
            }
            out.append(r.snapshots()).append(" snapshots; this host's repo ")
                    .append(r.snapshotsHere() < 0 ? "does not exist yet" : "holds " + r.snapshotsHere()).append('\n');
            if (r.targets().isEmpty()) {
                out.append("  (no backup of ours in it)\n");
            }
            out.append(String.format("  %-10s %-14s %-22s %s%n", "plan", "target", "newest complete run", "taken (data after it is lost)"));
            for (Holdings.Target t : r.targets()) {
                out.append(String.format("  %-10s %-14s %-22s %s (%s ago)%n", t.plan(), t.target(), t.run(),
                        t.time().truncatedTo(ChronoUnit.SECONDS), age(Duration.between(t.time(), now))));
            }
        }
        return out.toString();
    }

    public static String job(RecoveryJob.Report r) {
        StringBuilder out = new StringBuilder();
        for (RecoveryJob.Step s : r.steps()) {
            out.append(String.format("%-9s %7.1fs  %s", s.outcome(), s.seconds(), s.name()));
            if (s.backup() != null) {
                out.append(" from ").append(s.backup()).append(" of ").append(s.backupTime().truncatedTo(ChronoUnit.SECONDS));
            }
            if (s.detail() != null && !s.detail().isBlank()) {
                out.append(": ").append(s.detail().replace('\n', ' '));
            }
            out.append('\n');
        }
        out.append(r.state()).append(r.durationSeconds() == null ? "" : String.format(" in %.1fs", r.durationSeconds()))
                .append('\n');
        return out.toString();
    }

    /**
     * What a recovery job did to each target, in the lines the management script keeps in its
     * {@code .recovery/state} across attempts: {@code restored <target>} or {@code skipped <target>},
     * with {@code on <node>} in a swarm. Target and node names hold no spaces (Compose service and
     * Swarm host names). A failed restore has no line: the target is tried again by the next attempt.
     */
    public static String ledger(RecoveryJob.Report r) {
        StringBuilder out = new StringBuilder();
        for (RecoveryJob.Step s : r.steps()) {
            if (s.target() == null || s.outcome() == RecoveryJob.Outcome.FAILED) {
                continue;
            }
            out.append(s.outcome() == RecoveryJob.Outcome.SUCCEEDED ? "restored " : "skipped ").append(s.target());
            if (s.node() != null) {
                out.append(" on ").append(s.node());
            }
            out.append('\n');
        }
        return out.toString();
    }

    /**
     * Each target the copy holds a backup of, with its plan ({@code <target> <plan>}, sorted, once
     * each): what the management script drills after a recovery, and on which node in a swarm.
     */
    public static String held(Holdings h) {
        java.util.SortedSet<String> lines = new java.util.TreeSet<>();
        h.repos().forEach(r -> r.targets().forEach(t -> lines.add(t.target() + " " + t.plan())));
        return lines.stream().map(l -> l + "\n").collect(java.util.stream.Collectors.joining());
    }

    static String age(Duration d) {
        if (d.toDays() > 0) {
            return d.toDays() + " d " + d.toHoursPart() + " h";
        }
        return d.toHours() > 0 ? d.toHours() + " h " + d.toMinutesPart() + " min" : d.toMinutes() + " min";
    }
}
