#!/usr/bin/env bash
# Benchmark: what the default recovery-point objective costs the sidecar's CPU. It is 1.5 times a
# plan's longest gap between runs over the coming year (config/CronSchedule), worked out by stepping
# through a year of cron runs; the lookout asks it for every plan and copy at every look, and the
# health checks at every /q/health. Prints the cost of working a year out, and of the answer kept for
# the day (what every ask after the first of a day now costs).
# Needs the compiled classes (`mvn -q compile`). Usage: bench/objective-year.sh [ROUNDS]. Prints RESULT lines.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-30}
work=$(mktemp -d /tmp/bsc-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp=$here/target/classes:$(find ~/.m2/repository/com/cronutils/cron-utils -name '*.jar' | head -1):$(find ~/.m2/repository/org/slf4j/slf4j-api -name '*.jar' | head -1)
cat > "$work/ObjectiveYear.java" <<'JAVA'
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import org.backrestsidecar.config.CronSchedule;

/** The bundle's three default schedules; a new day for every ask defeats the day's kept answer. */
public class ObjectiveYear {
    public static void main(String[] args) {
        int rounds = Integer.parseInt(args[0]);
        String[] crons = {"0 2 * * *", "0 3 * * 0", "0 1 * * 0"};
        Instant day = Instant.parse("2026-11-28T12:00:00Z");
        for (int pass = 1; pass <= 2; pass++) { // the first pass warms the JIT
            long start = System.nanoTime();
            for (int i = 0; i < rounds; i++) {
                for (String cron : crons) {
                    CronSchedule.parse(cron, ZoneId.of("UTC")).longestInterval(day.plus(Duration.ofDays(pass * 1000 + i)));
                }
            }
            double worked = (System.nanoTime() - start) / 1e6 / (rounds * crons.length);
            start = System.nanoTime();
            for (int i = 0; i < rounds * 100; i++) {
                for (String cron : crons) {
                    CronSchedule.parse(cron, ZoneId.of("UTC")).longestInterval(day);
                }
            }
            double kept = (System.nanoTime() - start) / 1e6 / (rounds * 100 * crons.length);
            System.out.printf("RESULT pass=%d worked_out_ms_per_schedule=%.2f kept_ms_per_schedule=%.3f%n", pass, worked, kept);
        }
    }
}
JAVA
javac -cp "$cp" -d "$work" "$work/ObjectiveYear.java"
java -cp "$cp:$work" ObjectiveYear "$rounds" 2>&1 | grep RESULT
