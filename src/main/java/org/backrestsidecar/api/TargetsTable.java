package org.backrestsidecar.api;

import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

/**
 * The targets as a table ({@code backrest-management.sh targets}): what each container is backed up
 * as, in which plan, whether it can be, and how its last backup went; in a swarm, on which node.
 * Label problems and the last error follow the table, one target per line.
 */
final class TargetsTable {
    private static final List<String> HEADER = List.of("TARGET", "CONTAINER", "PLAN", "STRATEGY", "STATE",
            "LAST BACKUP");

    /** A node's targets as it said them; {@code up} false: as it last said them, {@code problem} why not now. */
    record OnNode(String node, boolean up, String problem, List<TargetsResource.TargetView> targets) {
    }

    private TargetsTable() {
    }

    /** This sidecar's own targets (alone: the whole stack). */
    static String render(List<TargetsResource.TargetView> targets, ZoneId zone) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(HEADER);
        List<String> why = new ArrayList<>();
        targets.forEach(t -> rows.add(row(t, t.name(), why, zone)));
        return TextTable.render(rows, why, zone);
    }

    /** Every node's targets, each row naming its node; a node that does not answer is said below. */
    static String renderPerNode(List<OnNode> nodes, ZoneId zone) {
        List<List<String>> rows = new ArrayList<>();
        List<String> header = new ArrayList<>(List.of("NODE"));
        header.addAll(HEADER);
        rows.add(header);
        List<String> why = new ArrayList<>();
        for (OnNode node : nodes) {
            for (TargetsResource.TargetView t : node.targets()) {
                List<String> row = new ArrayList<>(List.of(node.node() + (node.up() ? "" : " (DOWN)")));
                row.addAll(row(t, t.name() + " on " + node.node(), why, zone));
                rows.add(row);
            }
            if (!node.up()) {
                why.add("node " + node.node() + " is DOWN, its targets as it last said them: " + node.problem());
            }
        }
        return TextTable.render(rows, why, zone);
    }

    /** The target's row; what is wrong with it goes to {@code why}, under {@code who}. */
    private static List<String> row(TargetsResource.TargetView t, String who, List<String> why, ZoneId zone) {
        String last = t.lastOutcome() == null ? "-"
                : (t.lastOutcome().equals("SUCCEEDED") ? "ok" : "FAILED") + ", " + StatusTable.at(t.lastBackupAt(), zone);
        if (!t.problems().isEmpty()) {
            why.add(who + ": " + String.join("; ", t.problems()));
        } else if (t.lastError() != null) {
            why.add(who + ": last backup failed: " + t.lastError());
        }
        return List.of(t.name(), t.container(), t.plan() == null ? "-" : t.plan(),
                t.strategy() == null ? "-" : t.strategy(), t.status(), last);
    }
}
