package org.backrestsidecar.drill;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** One drill of one plan: every target's latest backup restored and checked. */
public final class DrillRun {
    /** The JSON view. */
    public record Report(String id, String plan, String trigger, Instant startedAt, Instant endedAt, String phase,
                         Boolean passed, List<DrillResult> results) {
    }

    private final String id;
    private final String plan;
    private final String trigger;
    private final Instant startedAt = Instant.now();
    private final List<DrillResult> results = new ArrayList<>();
    private String phase = "queued";
    private Instant endedAt;

    DrillRun(String id, String plan, String trigger) {
        this.id = id;
        this.plan = plan;
        this.trigger = trigger;
    }

    public String id() {
        return id;
    }

    synchronized void phase(String phase) {
        this.phase = phase;
    }

    synchronized void add(DrillResult result) {
        results.add(result);
    }

    synchronized void finish() {
        phase = "done";
        endedAt = Instant.now();
    }

    public synchronized Report report() {
        return new Report(id, plan, trigger, startedAt, endedAt, phase,
                endedAt == null ? null : results.stream().allMatch(DrillResult::passed), List.copyOf(results));
    }
}
