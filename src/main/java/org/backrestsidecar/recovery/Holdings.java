package org.backrestsidecar.recovery;

import java.time.Instant;
import java.util.List;

/**
 * What an offsite copy holds, read before anything is brought back: per repo the newest complete
 * run of each target (its date is the data a recovery from it loses), and what this host's repo
 * holds already.
 *
 * @param copy  the copy's id, as under {@code repos[].copies[].id}
 * @param repos every repo that has a copy of that id
 */
public record Holdings(String copy, List<Repo> repos) {

    /**
     * @param copyUri        the copy's URI, credentials cut out
     * @param snapshots      how many snapshots the copy holds (-1 when it could not be read)
     * @param snapshotsHere  how many this host's repo holds (-1 when it does not exist or cannot be read)
     * @param problem        why the copy could not be read, or null
     */
    public record Repo(String repo, String copyUri, int snapshots, int snapshotsHere, String problem,
                       List<Target> targets) {
    }

    /** The newest complete run of one target in the copy. */
    public record Target(String plan, String target, String run, Instant time, List<String> paths) {
    }
}
