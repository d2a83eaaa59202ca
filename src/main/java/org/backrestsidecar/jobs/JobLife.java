package org.backrestsidecar.jobs;

import java.time.Duration;
import java.time.Instant;
import org.backrestsidecar.progress.Progress;
import org.jboss.logging.Logger;

/**
 * The life every job shares (a plan's run, a restore, a drill, a recovery): made, started by its
 * first phase other than {@link #QUEUED}, a phase at a time (each phase starts its item's progress
 * afresh), ended once. Each job keeps what is its own (targets, steps, what was written) beside it,
 * and reads its times, phase and progress from here, so that all four tell them the same way.
 * Written by the job's worker while the API reads it, hence synchronized.
 */
public final class JobLife {
    public static final String QUEUED = "queued";
    private static final Logger LOG = Logger.getLogger(JobLife.class);
    private final Instant madeAt;
    private Instant startedAt;
    private Instant endedAt;
    private String phase;
    /** When the phase began: at DEBUG each phase's length is logged, to find where a job's time goes. */
    private Instant phaseAt = Instant.now();
    private final Progress progress = new Progress();

    /** A job made now, in {@code firstPhase} ({@link #QUEUED} until it starts, or a phase that starts it). */
    public JobLife(String firstPhase) {
        this(Instant.now(), null, null, firstPhase);
        if (!QUEUED.equals(firstPhase)) {
            startedAt = madeAt;
        }
    }

    private JobLife(Instant madeAt, Instant startedAt, Instant endedAt, String phase) {
        this.madeAt = madeAt;
        this.startedAt = startedAt;
        this.endedAt = endedAt;
        this.phase = phase;
    }

    /** A job's life as the history kept it (read back after a restart). */
    public static JobLife restored(Instant madeAt, Instant startedAt, Instant endedAt, String phase) {
        return new JobLife(madeAt, startedAt, endedAt, phase);
    }

    /** The job is now at {@code name}; the first phase after {@link #QUEUED} starts it. */
    public synchronized void phase(String name) {
        if (startedAt == null && !QUEUED.equals(name)) {
            startedAt = Instant.now();
        }
        if (LOG.isDebugEnabled()) {
            LOG.debugf("phase '%s' took %d ms; next '%s'", phase, Duration.between(phaseAt, Instant.now()).toMillis(), name);
        }
        phaseAt = Instant.now();
        phase = name;
        // a phase that counts bytes names its item after this
        progress.clear();
    }

    /** The job has ended, in its last phase ({@code done}, {@code failed}); a job never started started now. */
    public synchronized void end(String lastPhase) {
        Instant now = Instant.now();
        if (startedAt == null) {
            startedAt = now;
        }
        endedAt = now;
        if (LOG.isDebugEnabled()) {
            LOG.debugf("phase '%s' took %d ms; ended '%s'", phase, Duration.between(phaseAt, now).toMillis(), lastPhase);
        }
        phase = lastPhase;
    }

    public Instant madeAt() {
        return madeAt;
    }

    public synchronized Instant startedAt() {
        return startedAt;
    }

    public synchronized Instant endedAt() {
        return endedAt;
    }

    public synchronized boolean ended() {
        return endedAt != null;
    }

    public synchronized String phase() {
        return phase;
    }

    /** From when it was made to its end, in seconds; null while it runs. */
    public synchronized Double seconds() {
        return endedAt == null ? null : Duration.between(madeAt, endedAt).toMillis() / 1000.0;
    }

    /** The item under way: bytes done, rate, time left. */
    public Progress progress() {
        return progress;
    }

    /** What the item under way shows, while the job runs; null once it has ended. */
    public synchronized Progress.View progressShown() {
        return endedAt == null ? progress.view() : null;
    }
}
