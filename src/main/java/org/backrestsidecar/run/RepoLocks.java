package org.backrestsidecar.run;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One fair lock per repo: plan runs of plans sharing a repo take turns, and a restore waits for the
 * run in progress (and the next run waits for the restore), so a backup never copies a target
 * while it is being written back.
 */
@ApplicationScoped
public class RepoLocks {
    private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();

    public ReentrantLock of(String repoId) {
        return locks.computeIfAbsent(repoId, id -> new ReentrantLock(true));
    }
}
