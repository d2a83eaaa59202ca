package org.backrestsidecar.wal;

/**
 * How the archiver has a plan run for a base backup it owes (a hole in the chain, a new timeline
 * without one): the plan runner does it (run/PlanRunner), and provides this, so that wal stays below
 * run in the layers (docs/architecture.md).
 */
public interface PlanRuns {
    /**
     * Starts a run of {@code plan} as its schedule would.
     *
     * @return false when a run of the plan is already under way: it takes the base backup
     */
    boolean startScheduled(String plan);
}
