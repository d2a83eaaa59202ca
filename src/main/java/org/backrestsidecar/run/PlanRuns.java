package org.backrestsidecar.run;

/**
 * How the WAL archiver (postgres/wal/Archiver) has a plan run for a base backup it owes (a hole in
 * the chain, a new timeline without one): the one thing it asks of {@link PlanRunner}, which
 * provides it.
 */
public interface PlanRuns {
    /**
     * Starts a run of {@code plan} as its schedule would.
     *
     * @return false when a run of the plan is already under way: it takes the base backup
     */
    boolean startScheduled(String plan);
}
