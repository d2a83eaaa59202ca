package org.backrestsidecar.restic;

import org.backrestsidecar.config.RepoConfig;

/**
 * Gives the sidecar back a local repo that another restic made unreadable for it: Backrest runs as
 * root, and what it writes into a repo (its start-up {@code init}, a lock while it indexes, packs
 * from a prune started in its UI) gets restic's modes 0700/0600, owned by root.
 */
public interface RepoRepair {
    /** Repairs when anything in the repo is not the sidecar's; true when something was changed. */
    boolean repairIfNeeded(RepoConfig repo);

    /** Repairs unconditionally after restic said "permission denied"; true when it could try. */
    boolean repair(RepoConfig repo, String why);
}
