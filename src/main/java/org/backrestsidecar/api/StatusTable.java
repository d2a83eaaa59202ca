package org.backrestsidecar.api;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.backrestsidecar.drill.DrillResult;
import org.backrestsidecar.offsite.CopyState;
import org.backrestsidecar.progress.Progress;

/**
 * The plans as a table a person reads at a glance ({@code backrest-management.sh status}): the schedule
 * in words with its cron, last good backup and its age, next run, fresh or late, the last drill, the
 * repo's size. Late plans are
 * followed by why.
 */
final class StatusTable {
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT);
    private static final List<String> HEADER = List.of("PLAN", "SCHEDULE", "LAST GOOD BACKUP", "NEXT RUN", "STATE",
            "LAST DRILL", "REPO SIZE");

    private StatusTable() {
    }

    static String render(List<PlansResource.PlanView> plans, Instant now, ZoneId zone) {
        return render(plans, List.of(), now, zone);
    }

    /** With a line per wal-mode Postgres target: the moments it can be restored to, and its stream. */
    static String render(List<PlansResource.PlanView> plans, List<WindowResource.WindowView> windows, Instant now,
                         ZoneId zone) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(HEADER);
        List<String> why = new ArrayList<>();
        for (PlansResource.PlanView p : plans) {
            String state = p.runningRun() != null ? "running" : p.freshness().equals("fresh") ? "fresh" : "LATE";
            if (!p.freshness().equals("fresh")) {
                why.add(p.id() + ": " + p.freshness());
            }
            rows.add(List.of(p.id(),
                    p.scheduleWords() == null ? p.schedule() : p.scheduleWords() + " (" + p.schedule() + ")",
                    p.lastSuccess() == null ? "never" : at(p.lastSuccess(), zone) + " (" + age(p.lastSuccess(), now) + ")",
                    p.nextRun() == null ? "-" : at(p.nextRun(), zone), state, drill(p.lastDrills(), zone),
                    p.repoBytes() == null ? "-" : Progress.bytes(p.repoBytes())));
        }
        for (WindowResource.WindowView w : windows) {
            why.add(window(w, now, zone));
        }
        plans.stream().flatMap(p -> p.copies() == null ? java.util.stream.Stream.empty() : p.copies().stream())
                .filter(CopyState::appendOnly).map(StatusTable::appendOnly).distinct().forEach(why::add);
        return TextTable.render(rows, why, zone);
    }

    /**
     * "pg: any moment from 2026-11-20 02:00 to 2026-11-22 19:10 (stream up, WAL shipped 0 min ago)", with
     * ", except between 2026-11-21 10:02:11 and 2026-11-21 10:05:40" for each gap (both moments restore).
     */
    static String window(WindowResource.WindowView w, Instant now, ZoneId zone) {
        String moments = w.from() == null ? "no base backup yet: nothing to restore"
                : "any moment from " + at(w.from(), zone) + " to " + at(w.until(), zone)
                + (w.gaps() == null ? "" : w.gaps().stream().map(g -> ", except between " + atSeconds(g.after(), zone)
                        + " and " + atSeconds(g.before(), zone)).collect(java.util.stream.Collectors.joining()));
        var s = w.stream();
        String stream = s == null ? "stream not seen yet"
                : s.problem() != null ? "stream BROKEN: " + s.problem()
                : (s.streaming() ? "stream up" : "stream DOWN")
                + (s.shippedAt() == null ? "" : ", WAL shipped " + age(s.shippedAt(), now))
                + (s.holeSince() != null ? ", HOLE in the chain since " + at(s.holeSince(), zone) : "");
        return w.target() + ": " + moments + " (" + stream + ")"
                + (w.baseBackups() == null ? "" : "; base backups " + w.baseBackups())
                + (w.unrestorable() == null ? "" : w.unrestorable().stream().map(u -> "; " + u)
                        .collect(java.util.stream.Collectors.joining()));
    }

    /** "copy vault of repo critical: append-only: retention runs where the copy lives". */
    static String appendOnly(CopyState c) {
        return "copy " + c.copy() + " of repo " + c.repo() + ": " + CopyState.APPEND_ONLY
                + (c.pastRetention() != null && c.pastRetention() > 0 ? "; " + c.pastRetention()
                + " snapshots past its tiers for over a week: run its retention there" : "");
    }

    static String at(Instant t, ZoneId zone) {
        return WHEN.format(t.atZone(zone));
    }

    /** A gap's edges to the second: a gap is often shorter than a minute. */
    private static String atSeconds(Instant t, ZoneId zone) {
        return java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT).format(t.atZone(zone));
    }

    static String age(Instant t, Instant now) {
        Duration d = Duration.between(t, now);
        if (d.toMinutes() < 60) {
            return Math.max(0, d.toMinutes()) + " min ago";
        }
        return d.toHours() < 48 ? d.toHours() + " h ago" : d.toDays() + " days ago";
    }

    /** "passed 4/4, 2026-11-16 05:00", or "2 of 4 FAILED, ..." for a plan's targets' latest drills. */
    private static String drill(List<DrillResult> drills, ZoneId zone) {
        if (drills == null || drills.isEmpty()) {
            return "never";
        }
        long passed = drills.stream().filter(DrillResult::passed).count();
        Instant last = drills.stream().map(DrillResult::at).max(Instant::compareTo).orElseThrow();
        String outcome = passed == drills.size() ? "passed " + passed + "/" + drills.size()
                : (drills.size() - passed) + " of " + drills.size() + " FAILED";
        return outcome + ", " + at(last, zone);
    }
}
