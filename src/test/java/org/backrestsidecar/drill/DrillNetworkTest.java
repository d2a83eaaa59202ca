package org.backrestsidecar.drill;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.backrestsidecar.discovery.Target;
import org.junit.jupiter.api.Test;

/** When a drill restores a plan's targets together, in which order, and under which names. */
class DrillNetworkTest {

    private static Target target(String name, String strategy, boolean app) {
        return new Target(name, "id-" + name, "stack-" + name + "-1", "critical", strategy, "running",
                Duration.ofMinutes(5), Duration.ofMinutes(1), app ? Map.of("drill.start-app", "true") : Map.of(),
                List.of(), Optional.empty());
    }

    private static final Target PG = target("postgres", "postgres", false);
    private static final Target REDIS = target("redis", "redis", false);
    private static final Target WEBUI = target("open-webui", "sqlite", true);

    @Test
    void aNetworkOnlyForAWholePlanWithAnAppAndSomethingBesideIt() {
        Target pg = PG;
        Target redis = REDIS;
        Target webui = WEBUI;
        Target ollama = target("ollama", "volume", false);
        record Case(String what, boolean whole, List<Target> targets, boolean wanted) {
        }
        for (Case c : List.of(
                new Case("the bundle's critical plan", true, List.of(pg, webui), true),
                new Case("an app and a cache", true, List.of(redis, webui), true),
                new Case("no app", true, List.of(pg, redis, ollama), false),
                new Case("the app alone in its plan", true, List.of(webui), false),
                new Case("one target asked for, the app", false, List.of(webui), false),
                new Case("one target asked for, a service", false, List.of(pg), false),
                new Case("nothing found", true, List.of(), false))) {
            assertEquals(c.wanted(), DrillNetwork.wanted(c.whole(), c.targets()), c.what());
        }
    }

    @Test
    void theAppsAreDrilledLastAfterTheServicesHeldForThem() {
        Target files = target("files", "volume", true);
        assertEquals(List.of("postgres", "redis", "open-webui", "files"), DrillNetwork.appsLast(List.of(WEBUI, PG, files,
                REDIS)).stream().map(Target::name).toList());
        assertEquals(List.of("postgres"), DrillNetwork.appsLast(List.of(PG)).stream().map(Target::name).toList());
    }

    @Test
    void eachAnswersToItsServicesNameAsTheAppsConfigurationGivesIt() {
        assertEquals("postgres", DrillNetwork.serviceOf(PG));
        assertEquals("open-webui", DrillNetwork.serviceOf(WEBUI));
        // a name longer than a host name may be (63) falls back to the container's
        String long70 = "s".repeat(70);
        assertEquals("stack-" + long70 + "-1", DrillNetwork.serviceOf(target(long70, "redis", false)));
    }
}
