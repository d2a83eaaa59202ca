package org.backrestsidecar.drill;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A plan's restore time, added up over its targets' latest drills, against its objective. */
class RecoveryTimeTest {
    private record Case(String name, List<Double> restoreSeconds, Duration objective, Optional<String> said) {
    }

    private static DrillResult drill(Double seconds) {
        return new DrillResult("critical", "t", "volume", "run:x", Instant.EPOCH, Instant.EPOCH, seconds != null,
                seconds != null ? DrillResult.PASSED : DrillResult.COULD_NOT_RUN, seconds, List.of(), null, null, List.of());
    }

    @Test
    void theTargetsRestoreTimesAddUpAndAreHeldAgainstTheObjective() {
        List<Case> cases = List.of(
                new Case("no drill yet", List.of(), Duration.ofHours(2), Optional.empty()),
                new Case("drills that could not run measured nothing", Arrays.asList((Double) null), Duration.ofHours(2),
                        Optional.empty()),
                new Case("within", List.of(600.0, 1200.5), Duration.ofHours(2),
                        Optional.of("restoring its 2 targets took 1800.5 s at their latest drills, within the "
                                + "recovery-time objective 2h")),
                new Case("the sum is over, though each is within", List.of(3000.0, 3000.0, 1500.0), Duration.ofHours(2),
                        Optional.of("restoring its 3 targets took 7500.0 s at their latest drills, over the "
                                + "recovery-time objective 2h")),
                new Case("one that could not run is left out", Arrays.asList(50.0, null), Duration.ofSeconds(30),
                        Optional.of("restoring its 1 target took 50.0 s at their latest drills, over the "
                                + "recovery-time objective 30s")),
                new Case("exactly at the objective is within", List.of(90.0), Duration.ofMinutes(1).plusSeconds(30),
                        Optional.of("restoring its 1 target took 90.0 s at their latest drills, within the "
                                + "recovery-time objective 1m30s")));
        for (Case c : cases) {
            Optional<RecoveryTime> time = RecoveryTime.of(c.restoreSeconds().stream().map(RecoveryTimeTest::drill).toList(),
                    c.objective());
            assertEquals(c.said(), time.map(RecoveryTime::said), c.name());
            assertEquals(c.said().map(s -> s.contains(" over ")), time.map(RecoveryTime::over), c.name());
        }
    }
}
