package org.backrestsidecar.quiesce;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which containers to stop to copy a target, and in what order: every container that depends on it,
 * directly or not, is stopped before it (an app before its database, a container sharing another's
 * network before that one), and started after it, which is the reverse.
 */
public final class StopOrder {
    private StopOrder() {
    }

    public static List<ContainerNode> stopOrder(ContainerNode target, List<ContainerNode> all) {
        List<ContainerNode> order = new ArrayList<>();
        visit(target, all, new HashSet<>(), order);
        return order;
    }

    private static void visit(ContainerNode node, List<ContainerNode> all, Set<String> seen, List<ContainerNode> order) {
        if (!seen.add(node.id())) {
            return;
        }
        all.stream()
                .filter(other -> !other.id().equals(node.id()) && other.dependsOn(node))
                .sorted(Comparator.comparing(ContainerNode::name))
                .forEach(dependant -> visit(dependant, all, seen, order));
        order.add(node);
    }
}
