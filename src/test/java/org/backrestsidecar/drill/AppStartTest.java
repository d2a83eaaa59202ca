package org.backrestsidecar.drill;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.github.dockerjava.api.model.HealthCheck;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What a drill runs for an app's healthcheck, and how long it waits, as Docker would. */
class AppStartTest {

    @Test
    void theHealthchecksTestIsRunAsDockerRunsIt() {
        record Case(List<String> test, Optional<List<String>> probe) {
        }
        for (Case c : Arrays.asList(
                new Case(null, Optional.empty()),
                new Case(List.of(), Optional.empty()),
                new Case(List.of("NONE"), Optional.empty()),
                new Case(List.of("CMD"), Optional.empty()),
                new Case(List.of("CMD", "ollama", "list"), Optional.of(List.of("ollama", "list"))),
                new Case(List.of("CMD-SHELL", "curl -fsS http://127.0.0.1:8080/health || exit 1"),
                        Optional.of(List.of("/bin/sh", "-c", "curl -fsS http://127.0.0.1:8080/health || exit 1"))),
                new Case(List.of("CMD-SHELL", "a", "b"), Optional.empty()))) {
            assertEquals(c.probe(), AppStart.probe(c.test()), String.valueOf(c.test()));
        }
    }

    @Test
    void theAppIsGivenTheTimeDockerWouldGiveItBeforeCallingItUnhealthy() {
        record Case(String name, HealthCheck health, Duration patience) {
        }
        long s = 1_000_000_000L;
        for (Case c : List.of(
                new Case("Docker's defaults: 30 s × 3 + 30 s", new HealthCheck(), Duration.ofSeconds(120)),
                new Case("the bundle's Open WebUI", new HealthCheck().withInterval(30 * s).withTimeout(5 * s).withRetries(5),
                        Duration.ofSeconds(155)),
                new Case("a start period first", new HealthCheck().withInterval(10 * s).withTimeout(5 * s).withRetries(3)
                        .withStartPeriod(60 * s), Duration.ofSeconds(95)),
                new Case("zeros are Docker's defaults", new HealthCheck().withInterval(0L).withTimeout(0L).withRetries(0)
                        .withStartPeriod(0L), Duration.ofSeconds(120)))) {
            assertEquals(c.patience(), AppStart.patience(c.health()), c.name());
        }
    }
}
