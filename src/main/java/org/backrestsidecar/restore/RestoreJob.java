package org.backrestsidecar.restore;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.backrestsidecar.jobs.JobLife;
import org.backrestsidecar.progress.Progress;
import org.backrestsidecar.restic.SnapshotTags;

/** One restore as it runs: what it wrote, its safety snapshots, how it ended. What the API shows. */
public final class RestoreJob {
    public enum State { QUEUED, RUNNING, SUCCEEDED, FAILED }

    /**
     * The JSON view.
     *
     * @param writtenSeconds from the start until the backup's data was in place (its last {@code written});
     *                       a Postgres safety copy made inside the server is saved into the repo after it
     */
    public record Report(String id, String target, String plan, String strategy, String backup, Instant backupTime,
                         List<String> snapshots, boolean dryRun, State state, String phase, List<String> wouldWrite,
                         List<String> written, Double writtenSeconds, List<String> safetySnapshots, Double safetySeconds,
                         boolean rolledBack,
                         List<String> notes, String requestedBy,
                         Instant startedAt, Instant endedAt, Double durationSeconds, String error,
                         Progress.View progress, boolean safetyFirst) {
    }

    private final String id;
    private final String target;
    private final String plan;
    private final String strategy;
    private final BackupSet backup;
    private final boolean dryRun;
    private final List<String> wouldWrite;
    private final SnapshotTags safetyTags;
    private final String requestedBy;
    private final List<String> written = new ArrayList<>();
    private final List<String> safety = new ArrayList<>();
    private Duration safetyTook;
    private Instant writtenAt;
    private final List<String> notes = new ArrayList<>();
    private final JobLife life = new JobLife(JobLife.QUEUED);
    private State state = State.QUEUED;
    private boolean rolledBack;
    private String error;

    private final boolean safetyFirst;

    /** @param safetyFirst whether a safety snapshot of the live data is taken before anything is written */
    RestoreJob(String id, String target, String plan, String strategy, BackupSet backup, boolean dryRun,
               List<String> wouldWrite, SnapshotTags safetyTags, String requestedBy, boolean safetyFirst) {
        this.safetyFirst = safetyFirst;
        this.requestedBy = requestedBy;
        this.id = id;
        this.target = target;
        this.plan = plan;
        this.strategy = strategy;
        this.backup = backup;
        this.dryRun = dryRun;
        this.wouldWrite = List.copyOf(wouldWrite);
        this.safetyTags = safetyTags;
    }

    /** A restore the history held as under way: the sidecar stopped before it ended. */
    static Report interrupted(Report r) {
        return new Report(r.id(), r.target(), r.plan(), r.strategy(), r.backup(), r.backupTime(), r.snapshots(),
                r.dryRun(), State.FAILED, "interrupted", r.wouldWrite(), r.written(), r.writtenSeconds(), r.safetySnapshots(),
                r.safetySeconds(), r.rolledBack(), r.notes(), r.requestedBy(), r.startedAt(), r.startedAt(), null,
                "the sidecar stopped during this restore (a restart or a crash): it did not finish, and what it "
                        + "wrote is unknown; the safety snapshots it lists hold the data from before it", null,
                r.safetyFirst());
    }

    public String id() {
        return id;
    }

    public String target() {
        return target;
    }

    /** The step under way: the safety dump, the fetch of a file from the repo. */
    public Progress progress() {
        return life.progress();
    }

    /** The tags of the safety snapshots this restore takes. */
    public SnapshotTags safetyTags() {
        return safetyTags;
    }

    public synchronized void phase(String phase) {
        this.state = State.RUNNING;
        life.phase(phase);
    }

    public synchronized void wrote(String what) {
        written.add(what);
        writtenAt = Instant.now();
    }

    /** The safety snapshots taken, and how long that took (part of the restore's duration). */
    public synchronized void safetySnapshots(List<String> ids, Duration took) {
        safety.addAll(ids);
        safetyTook = took;
    }

    public synchronized void note(String note) {
        notes.add(note);
    }

    public synchronized void rolledBack() {
        rolledBack = true;
    }

    synchronized void succeeded() {
        end(State.SUCCEEDED, null);
    }

    synchronized void failed(String why) {
        end(State.FAILED, why);
    }

    private void end(State state, String why) {
        this.state = state;
        this.error = why;
        life.end(state == State.SUCCEEDED ? "done" : "failed");
    }

    public boolean finished() {
        return life.ended();
    }

    public synchronized Report report() {
        return new Report(id, target, plan, strategy, backup.label(), backup.time(), backup.ids(), dryRun, state,
                life.phase(), wouldWrite, List.copyOf(written),
                writtenAt == null ? null : Duration.between(life.madeAt(), writtenAt).toMillis() / 1000.0, List.copyOf(safety),
                safetyTook == null ? null : safetyTook.toMillis() / 1000.0, rolledBack, List.copyOf(notes),
                requestedBy, life.madeAt(), life.endedAt(), life.seconds(), error, life.progressShown(), safetyFirst);
    }
}
