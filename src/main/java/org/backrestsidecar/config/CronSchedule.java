package org.backrestsidecar.config;

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
     * Worked out once per schedule and day: a year of runs is up to 400 cron steps, and the lookout and
     * the health checks ask for it for every plan and copy every few seconds. Profiled in a test run,
     * that asking was two thirds of the sidecar's CPU. A year's longest gap does not change within a day
     * but for the run at the year's far end, which the next day's answer takes in.
     */
    private static final java.util.concurrent.ConcurrentMap<Year, Duration> LONGEST =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** Whose year: the schedule and the day (in its zone) the year starts. */
    private record Year(String expression, ZoneId zone, java.time.LocalDate from) {
    }

    /**
     * The longest gap between two consecutive runs over the coming year, so that "Sunday 03:00" gives
     * 7 days and "1st of the month" gives 31 days rather than the shortest month.
     */
    public Duration longestInterval(Instant from) {
        java.time.LocalDate day = ZonedDateTime.ofInstant(from, zone).toLocalDate();
        Year year = new Year(expression, zone, day);
        Duration known = LONGEST.get(year);
        if (known != null) {
            return known;
        }
        LONGEST.keySet().removeIf(y -> !y.from().equals(day));
        Duration longest = longestIntervalWorkedOut(day.atStartOfDay(zone).toInstant());
        LONGEST.put(year, longest);
        return longest;
    }

    private Duration longestIntervalWorkedOut(Instant from) {
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

    private static final java.util.List<String> DAYS = java.util.List.of("Sundays", "Mondays", "Tuesdays", "Wednesdays",
            "Thursdays", "Fridays", "Saturdays");
    private static final java.util.List<String> DAY_NAMES = java.util.List.of("SUN", "MON", "TUE", "WED", "THU", "FRI",
            "SAT");

    /**
     * The schedule as a person says it ("daily at 02:00", "Sundays at 03:00", "Mondays to Fridays at
     * 22:30", "monthly on day 1 at 04:00", "every 15 minutes"), or empty for a shape this does not
     * word (the cron is shown beside it anyway).
     */
    public static Optional<String> words(String cron) {
        String[] f = cron == null ? new String[0] : cron.trim().split("\\s+");
        if (f.length != 5 || !f[3].equals("*")) {
            return Optional.empty();
        }
        String minute = f[0];
        String hour = f[1];
        String dayOfMonth = f[2];
        String dayOfWeek = f[4];
        boolean everyDay = dayOfMonth.equals("*") && dayOfWeek.equals("*");
        if (minute.matches("\\d{1,2}") && hour.matches("\\d{1,2}")) {
            String at = String.format(java.util.Locale.ROOT, "at %02d:%02d", Integer.parseInt(hour), Integer.parseInt(minute));
            if (everyDay) {
                return Optional.of("daily " + at);
            }
            if (dayOfMonth.equals("*")) {
                return days(dayOfWeek).map(d -> d + " " + at);
            }
            if (dayOfWeek.equals("*") && dayOfMonth.matches("\\d{1,2}")) {
                return Optional.of("monthly on day " + Integer.parseInt(dayOfMonth) + " " + at);
            }
            return Optional.empty();
        }
        if (!everyDay) {
            return Optional.empty();
        }
        if (minute.matches("\\d{1,2}") && hour.equals("*")) {
            return Optional.of("hourly at minute " + Integer.parseInt(minute));
        }
        if (minute.matches("\\*/\\d+") && hour.equals("*")) {
            return Optional.of("every " + minute.substring(2) + " minutes");
        }
        if (minute.matches("\\d{1,2}") && hour.matches("\\*/\\d+")) {
            return Optional.of("every " + hour.substring(2) + " hours at minute " + Integer.parseInt(minute));
        }
        return Optional.empty();
    }

    /** "0" Sundays, "1-5" Mondays to Fridays, "1,4" Mondays and Thursdays. */
    private static Optional<String> days(String field) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (String part : field.split(",")) {
            String[] range = part.split("-");
            if (range.length > 2) {
                return Optional.empty();
            }
            Optional<Integer> from = day(range[0]);
            Optional<Integer> to = range.length == 2 ? day(range[1]) : from;
            if (from.isEmpty() || to.isEmpty()) {
                return Optional.empty();
            }
            out.add(range.length == 2 ? DAYS.get(from.get()) + " to " + DAYS.get(to.get()) : DAYS.get(from.get()));
        }
        return Optional.of(out.size() == 1 ? out.get(0)
                : String.join(", ", out.subList(0, out.size() - 1)) + " and " + out.get(out.size() - 1));
    }

    private static Optional<Integer> day(String value) {
        if (value.matches("[0-7]")) {
            return Optional.of(Integer.parseInt(value) % 7);
        }
        int named = DAY_NAMES.indexOf(value.toUpperCase(java.util.Locale.ROOT));
        return named < 0 ? Optional.empty() : Optional.of(named);
    }

    /** The default recovery-point objective: one and a half intervals, so one late run is not an alarm. */
    public Duration defaultRecoveryPointObjective(Instant from) {
        Duration interval = longestInterval(from);
        return interval.plus(interval.dividedBy(2));
    }
}
