package org.backrestsidecar.drill;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * How long restoring a plan's targets took at their latest drills, held against the plan's
 * recovery-time objective ({@code plans[].rto}). A recovery restores a plan's targets one after the
 * other, so their restore times add up; a drill that could not run measured nothing and is left out.
 *
 * @param seconds   the measured restore times added up
 * @param targets   how many drills measured one
 * @param objective the plan's recovery-time objective
 */
public record RecoveryTime(double seconds, int targets, Duration objective) {

    /** What the latest drills measured, or empty when none measured a restore. */
    public static Optional<RecoveryTime> of(List<DrillResult> latest, Duration objective) {
        List<Double> measured = latest.stream().map(DrillResult::restoreSeconds).filter(s -> s != null).toList();
        if (measured.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new RecoveryTime(measured.stream().mapToDouble(Double::doubleValue).sum(), measured.size(),
                objective));
    }

    public boolean over() {
        return seconds > objective.toMillis() / 1000.0;
    }

    /** The measure as health and the page say it. */
    public String said() {
        return String.format(java.util.Locale.ROOT, "restoring its %d target%s took %.1f s at their latest drills, %s "
                        + "the recovery-time objective %s", targets, targets == 1 ? "" : "s", seconds,
                over() ? "over" : "within", objective.toString().substring(2).toLowerCase(java.util.Locale.ROOT));
    }
}
