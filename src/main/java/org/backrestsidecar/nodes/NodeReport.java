package org.backrestsidecar.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * One node's sidecar as the one view shows it: what it says of itself (GET /api/nodes/self), or,
 * for a node that does not answer, what it last said, with {@code state} "down".
 *
 * @param node       its instance (the node's host name): restic's host for its snapshots
 * @param role       node, repos or all (SIDECAR_SWARM_ROLE)
 * @param state      "up", or "down" when it did not answer
 * @param seenAt     when it last answered
 * @param address    where it answered
 * @param plans      its plans as /api/plans has them
 * @param targets    its targets as /api/targets has them
 * @param running    its runs under way (with progress)
 * @param drills     its targets' latest drills
 * @param status     its status table for people (/api/status of that node)
 * @param problem    why it is shown down
 */
public record NodeReport(String node, String role, String state, Instant seenAt, String address, JsonNode plans,
                         JsonNode targets, JsonNode running, JsonNode drills, String status, String problem) {
    public static final String UP = "up";
    public static final String DOWN = "down";

    public boolean up() {
        return UP.equals(state);
    }

    public NodeReport at(String where) {
        return new NodeReport(node, role, state, seenAt, where, plans, targets, running, drills, status, problem);
    }

    /** As last seen, marked down: its plans are judged late from their own objectives by whoever shows it. */
    public NodeReport down(String why) {
        return new NodeReport(node, role, DOWN, seenAt, address, plans, targets, running, drills, status, why);
    }
}
