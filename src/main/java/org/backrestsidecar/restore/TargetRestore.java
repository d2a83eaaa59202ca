package org.backrestsidecar.restore;

import java.util.List;
import java.util.Set;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.discovery.Target;

/**
 * How to put one kind of container's backup back. Each kind keeps a failed restore from leaving the
 * target half-written: in one transaction (Postgres), or by writing the safety copy back (files,
 * Redis); the target is running again afterwards either way.
 */
public interface TargetRestore {

    /** The {@code backup.strategy} values it restores. */
    Set<String> strategies();

    /** Whether it restores this target (by its strategy; a kind may also look at its labels). */
    default boolean handles(Target target) {
        return strategies().contains(target.strategy());
    }

    /** @throws RestoreRefused when the request's fields do not fit this kind */
    void check(RestoreRequest request);

    /** Whether the restore overwrites live data (and so needs {@code confirm} and a safety snapshot). */
    boolean overwrites(RestoreRequest request);

    /** Whether a safety snapshot of the live data is taken first (what the dry run promises). */
    default boolean takesSafetySnapshot(RestoreRequest request) {
        return overwrites(request);
    }

    /**
     * Whether the restore stops the target's container. A Swarm task's container is not stopped by
     * itself (Swarm would start a new task in its place, perhaps on another node, while the data is
     * written): a kind that {@link #scalesASwarmService} has its service scaled to 0 and back instead,
     * the others are refused on a Swarm task.
     */
    default boolean stopsTheContainer(RestoreRequest request) {
        return overwrites(request);
    }

    /**
     * Whether the kind's restore, on a Swarm task, works with its service scaled to 0 (the task's
     * container gone while the data is written: it touches the data only through a helper with the
     * container's volumes) and back (quiesce/Quiescer).
     */
    default boolean scalesASwarmService() {
        return false;
    }

    /**
     * What the restore will write from {@code backup}, one line each.
     *
     * @throws java.util.NoSuchElementException when the backup does not hold what was asked for
     */
    List<String> plan(Target target, BackupSet backup, RestoreRequest request);

    /**
     * At start, before the containers a killed sidecar left stopped are started again: puts whole
     * data back for a restore of this kind the journal holds as under way, or empty when the entry is
     * not of this kind. (Redis and files are finished in {@link RestoreRecovery} itself.)
     */
    default java.util.Optional<CutOff> finishCutOff(RestoreJournal.Entry entry) throws Exception {
        return java.util.Optional.empty();
    }

    /**
     * At start: for a restore of this kind whose writing goes on in the target without the sidecar (a
     * {@code pg_restore} in the Postgres container), what the record says meanwhile and the wait for its
     * end; empty when the entry is not of this kind or nothing of it outlives the sidecar.
     */
    default java.util.Optional<GoesOn> goesOnAfterCutOff(RestoreJournal.Entry entry) {
        return java.util.Optional.empty();
    }

    /** A cut-off restore's writing that outlived the sidecar: {@code meanwhile} until {@code end} says what the target holds. */
    record GoesOn(String meanwhile, Ending end) {
    }

    /** Waits for the writing's end (hours if need be), cleans what it left, and says what the target holds. */
    @FunctionalInterface
    interface Ending {
        String awaitOutcome() throws InterruptedException;
    }

    /** What a restore cut off by the sidecar's stop left its target holding, in the record's words. */
    record CutOff(String outcome, boolean rolledBack) {
    }

    /** Takes the safety snapshot (when it overwrites), then writes; records both on {@code job}. */
    void restore(Target target, RepoConfig repo, BackupSet backup, RestoreRequest request, RestoreJob job)
            throws Exception;
}
