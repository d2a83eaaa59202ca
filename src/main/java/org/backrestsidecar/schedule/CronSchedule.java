package org.backrestsidecar.schedule;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Optional;

/**
 * A plan's 5-field (unix) cron in its time zone: when it next fires, and how far apart its runs are,
 * which is what the default recovery-point objective is measured against.
 */
public final class CronSchedule {
    private static final CronParser UNIX = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
    private final String expression;
    private final ZoneId zone;
    private final ExecutionTime execution;

    private CronSchedule(String expression, ZoneId zone, ExecutionTime execution) {
        this.expression = expression;
        this.zone = zone;
        this.execution = execution;
    }

    /** @throws IllegalArgumentException naming the expression and the expected form */
    public static CronSchedule parse(String expression, ZoneId zone) {
        String e = expression == null ? "" : expression.trim();
        if (e.split("\\s+").length != 5) {
            throw new IllegalArgumentException("'" + expression
                    + "' is not a 5-field cron (minute hour day-of-month month day-of-week, e.g. \"0 2 * * *\")");
        }
        try {
            return new CronSchedule(e, zone, ExecutionTime.forCron(UNIX.parse(e)));
        } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException("'" + expression + "' is not a valid cron: " + ex.getMessage());
        }
    }

    public String expression() {
        return expression;
    }

    public Optional<Instant> nextAfter(Instant time) {
        return execution.nextExecution(ZonedDateTime.ofInstant(time, zone)).map(ZonedDateTime::toInstant);
    }

    /**
     * The longest gap between two consecutive runs over the coming year, so that "Sunday 03:00" gives
     * 7 days and "1st of the month" gives 31 days rather than the shortest month.
     */
    public Duration longestInterval(Instant from) {
        Duration longest = Duration.ZERO;
        Instant horizon = from.plus(Duration.ofDays(366));
        Optional<Instant> previous = nextAfter(from);
        for (int i = 0; i < 400 && previous.isPresent() && previous.get().isBefore(horizon); i++) {
            Optional<Instant> next = nextAfter(previous.get());
            if (next.isEmpty()) {
                break;
            }
            Duration gap = Duration.between(previous.get(), next.get());
            if (gap.compareTo(longest) > 0) {
                longest = gap;
            }
            previous = next;
        }
        return longest;
    }

    /** The default recovery-point objective: one and a half intervals, so one late run is not an alarm. */
    public Duration defaultRecoveryPointObjective(Instant from) {
        Duration interval = longestInterval(from);
        return interval.plus(interval.dividedBy(2));
    }
}
