package org.backrestsidecar.quiesce;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StopOrderTest {
    private static ContainerNode node(String name, String project, Set<String> dependsOn, String network,
                                      Set<String> stopAfter) {
        return new ContainerNode("id-" + name, name, name, project, true, dependsOn, network, stopAfter);
    }

    @Test
    void dependantsStopFirstTransitivelyAndOnlyWithinTheProject() {
        ContainerNode db = node("db", "ai", Set.of(), null, Set.of());
        ContainerNode webui = node("webui", "ai", Set.of("db"), null, Set.of());
        ContainerNode tunnel = node("tunnel", "ai", Set.of(), "id-webui", Set.of()); // network_mode: service:webui
        ContainerNode worker = node("worker", "ai", Set.of("db"), null, Set.of());
        ContainerNode otherDb = node("db-user", "other", Set.of("db"), null, Set.of()); // another project's "db"
        ContainerNode cache = node("cache", "ai", Set.of(), null, Set.of());
        List<ContainerNode> all = List.of(db, webui, tunnel, worker, otherDb, cache);
        assertEquals(List.of("tunnel", "webui", "worker", "db"),
                StopOrder.stopOrder(db, all).stream().map(ContainerNode::name).toList());
        assertEquals(List.of("cache"), StopOrder.stopOrder(cache, all).stream().map(ContainerNode::name).toList());
    }

    @Test
    void stopAfterLabelAddsDependantsComposeDoesNotKnow() {
        ContainerNode db = node("db", "ai", Set.of(), null, Set.of("reporter"));
        ContainerNode reporter = node("reporter", "ai", Set.of(), null, Set.of());
        assertEquals(List.of("reporter", "db"),
                StopOrder.stopOrder(db, List.of(db, reporter)).stream().map(ContainerNode::name).toList());
    }

    @Test
    void aDependencyCycleStillStopsEachContainerOnce() {
        ContainerNode a = node("a", "p", Set.of("b"), null, Set.of());
        ContainerNode b = node("b", "p", Set.of("a"), null, Set.of());
        assertEquals(List.of("b", "a"), StopOrder.stopOrder(a, List.of(a, b)).stream().map(ContainerNode::name).toList());
    }

    @Test
    void composeV2DependsOnLabelIsReadWithItsConditions() {
        assertEquals(Set.of("db", "cache"), Set.copyOf(ContainerNode.names("db:service_started:false, cache:service_healthy:true")
                .stream().map(d -> d.split(":")[0]).toList()));
    }
}
