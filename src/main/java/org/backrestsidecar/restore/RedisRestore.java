package org.backrestsidecar.restore;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.discovery.Target;
import org.backrestsidecar.docker.ContainerExec;
import org.backrestsidecar.docker.ContainerFiles;
import org.backrestsidecar.quiesce.Quiesced;
import org.backrestsidecar.quiesce.Quiescer;
import org.backrestsidecar.restic.Snapshot;
import org.backrestsidecar.restic.StoredSnapshot;
import org.backrestsidecar.strategy.RedisStrategy;

/**
 * The RDB put back: a safety save first, then Redis stopped (it writes its own RDB as it stops),
 * the backup's RDB written whole beside it and put in its place in one step, and Redis started on
 * it. If writing fails, the safety RDB is put in place instead; Redis is started again either way.
 * A cut mid-write leaves the RDB from before in place, never a torn one Redis refuses to load.
 */
@ApplicationScoped
public class RedisRestore implements TargetRestore {
    private static final Duration REMOVE_WAIT = Duration.ofMinutes(1);
    private final RedisStrategy redis;
    private final SafetySnapshots safety;
    private final SnapshotFiles snapshotFiles;
    private final Quiescer quiescer;
    private final RestoreJournal journal;
    private final ContainerExec exec;
    private final org.backrestsidecar.volumes.Helpers helpers;

    public RedisRestore(RedisStrategy redis, SafetySnapshots safety, SnapshotFiles snapshotFiles, Quiescer quiescer,
                        RestoreJournal journal, ContainerExec exec,
                        org.backrestsidecar.volumes.Helpers helpers) {
        this.helpers = helpers;
        this.journal = journal;
        this.exec = exec;
        this.redis = redis;
        this.safety = safety;
        this.snapshotFiles = snapshotFiles;
        this.quiescer = quiescer;
    }

    @Override
    public Set<String> strategies() {
        return Set.of("redis");
    }

    @Override
    public void check(RestoreRequest request) {
        if (request.path() != null || request.database() != null || request.newDatabase() != null
                || request.wantsGlobals()) {
            throw new RestoreRefused("a redis target restores its whole RDB: leave out path, database, newDatabase "
                    + "and globals");
        }
    }

    @Override
    public boolean overwrites(RestoreRequest request) {
        return true;
    }

    /** On a Swarm task the RDB is written through a helper with the volumes: the container may be gone. */
    @Override
    public boolean scalesASwarmService() {
        return true;
    }

    @Override
    public List<String> plan(Target target, BackupSet backup, RestoreRequest request) {
        rdbOf(target, backup);
        return List.of("Redis's RDB replaced by /" + target.name() + "/dump.rdb of " + backup.shownTime()
                + "; Redis restarted on it");
    }

    private static Snapshot rdbOf(Target target, BackupSet backup) {
        return backup.holding(target.name() + "/dump.rdb").orElseThrow(() -> new NoSuchElementException(
                "backup " + backup.label() + " of " + target.name() + " holds no dump.rdb"));
    }

    @Override
    public void restore(Target target, RepoConfig repo, BackupSet backup, RestoreRequest request, RestoreJob job)
            throws Exception {
        if (!target.running()) {
            throw new IOException("container " + target.containerName() + " is " + target.state()
                    + ": start it, so that its current data can be saved first");
        }
        if (redis.appendOnly(target)) {
            throw new IOException("Redis runs with appendonly yes and would load its AOF, not the RDB: set "
                    + "appendonly no for the restore (then CONFIG SET appendonly yes rewrites the AOF from the data)");
        }
        String rdb = redis.rdbPath(target);
        job.phase("safety snapshot");
        List<StoredSnapshot> saved = safety.take(redis, target, repo, job);
        String path = "/" + target.name() + "/dump.rdb";
        String dir = rdb.substring(0, rdb.lastIndexOf('/') + 1);
        String file = rdb.substring(rdb.lastIndexOf('/') + 1);
        String safetyId = saved.get(0).id();
        // a Swarm task's container is gone while its service is at 0 (Quiescer): the RDB is written
        // through a helper with its volumes at the same paths, whose mounts the journal keeps
        org.backrestsidecar.volumes.Helper standIn = target.swarmTask()
                ? helpers.start(target, repo, false, org.backrestsidecar.config.Priority.FULL) : null;
        String writeInto = standIn == null ? target.containerId() : standIn.id();
        // what a start after a kill needs to put whole data back (RestoreRecovery): the safety copy
        // over an RDB cut off mid-write, before Redis is started on it
        RestoreJournal.Entry underWay = RestoreJournal.Entry.redis(job.id(), target.name(), target.containerId(),
                repo.id(), safetyId, path, dir, file, standIn == null ? List.of() : helpers.mountsOf(target.containerId()));
        job.phase("stopping " + target.containerName());
        journal.record(underWay);
        boolean writing = false;
        try (standIn) {
            Quiesced stopped = quiescer.stopWithDependants(target, target.plan(), job.id(), job::note);
            try (stopped) {
                job.phase("writing " + rdb);
                journal.record(underWay.at(RestoreJournal.Phase.WRITING));
                writing = true;
                try {
                    snapshotFiles.replace(repo, rdbOf(target, backup).id(), path, writeInto, dir, file,
                            job.progress());
                } catch (IOException | RuntimeException e) {
                    snapshotFiles.replace(repo, safetyId, path, writeInto, dir, file, job.progress());
                    journal.record(underWay.at(RestoreJournal.Phase.STOPPED));
                    job.rolledBack();
                    throw new IOException("writing the RDB failed (" + e.getMessage() + "); the safety snapshot "
                            + safetyId + " was written back instead", e);
                }
                journal.record(underWay.at(RestoreJournal.Phase.WRITTEN));
                job.wrote(rdb + " from " + path + " of " + backup.shownTime());
                job.phase("starting " + target.containerName());
            } finally {
                stopped.failures().forEach(f -> job.note("starting again: " + f));
                // through the helper, before it is closed with this block (on a Swarm task)
                if (writing && standIn != null) {
                    removeBeside(writeInto, dir, file, job);
                }
            }
        } finally {
            if (writing && standIn == null) {
                removeBeside(writeInto, dir, file, job);
            }
            journal.done(job.id());
        }
    }

    /**
     * The RDB's second name left by the write, once Redis runs (only a running container takes an
     * exec), or through the helper that wrote it on a Swarm task.
     */
    void removeBeside(String containerId, String dir, String file, RestoreJob job) {
        try {
            // rm -f does no harm run twice: an exec whose end the engine lost is run once more
            exec.outputRunTwiceIfStuck(containerId, ContainerFiles.removeBeside(dir, file), REMOVE_WAIT);
        } catch (IOException | RuntimeException e) {
            job.note("the written RDB's second name " + dir + file + ContainerFiles.BESIDE + " stays (" + e.getMessage()
                    + "): it holds no extra space until Redis next saves; remove it then");
        }
    }
}
