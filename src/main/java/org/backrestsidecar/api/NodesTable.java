package org.backrestsidecar.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import org.backrestsidecar.nodes.NodeReport;

/**
 * The swarm at a glance ({@code backrest-management.sh status} on a swarm): a line per node, up or
 * DOWN, its late plans and runs under way, then each node's own status table. A node that does not
 * answer keeps the table it last gave, and its plans are judged late from their objectives now.
 */
final class NodesTable {
    private static final List<String> HEADER = List.of("NODE", "STATE", "ROLE", "LATE PLANS", "RUNNING");

    private NodesTable() {
    }

    static String render(List<NodeReport> nodes, Instant now, ZoneId zone) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(HEADER);
        List<String> notes = new ArrayList<>();
        StringBuilder each = new StringBuilder();
        for (NodeReport n : nodes) {
            List<String> late = late(n, now);
            List<String> running = new ArrayList<>();
            n.running().forEach(r -> running.add(r.path("plan").asText() + " (" + r.path("phase").asText() + ")"));
            rows.add(List.of(n.node(), n.up() ? "up" : "DOWN", n.role(), late.isEmpty() ? "-" : String.join(", ", late),
                    running.isEmpty() ? "-" : String.join(", ", running)));
            if (!n.up()) {
                notes.add(n.node() + ": " + n.problem());
            }
            if (n.plans().size() > 0) {
                each.append('\n').append("== ").append(n.node()).append(n.up() ? "" : " (as last seen at "
                        + StatusTable.at(n.seenAt(), zone) + ")").append(" ==\n").append(n.status());
            }
        }
        return TextTable.render(rows, notes, zone) + each;
    }

    /** A plan is late when its node says so, or, for a node that is down, when its objective has passed. */
    static List<String> late(NodeReport n, Instant now) {
        List<String> late = new ArrayList<>();
        for (JsonNode p : n.plans()) {
            if (n.up() ? !"fresh".equals(p.path("freshness").asText("fresh")) : overdue(p, now)) {
                late.add(p.path("id").asText());
            }
        }
        return late;
    }

    private static boolean overdue(JsonNode plan, Instant now) {
        try {
            Duration objective = Duration.parse(plan.path("recoveryPointObjective").asText());
            String last = plan.path("lastSuccess").asText("");
            return last.isEmpty() || Instant.parse(last).plus(objective).isBefore(now);
        } catch (DateTimeParseException e) {
            return true;
        }
    }
}
