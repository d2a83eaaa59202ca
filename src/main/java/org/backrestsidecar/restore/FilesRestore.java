package org.backrestsidecar.restore;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import org.backrestsidecar.config.Priority;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.discovery.Target;
import org.backrestsidecar.quiesce.Quiesced;
import org.backrestsidecar.quiesce.Quiescer;
import org.backrestsidecar.restic.ResticException;
import org.backrestsidecar.restic.Snapshot;
import org.backrestsidecar.restic.StoredSnapshot;
import org.backrestsidecar.volumes.Helper;
import org.backrestsidecar.volumes.Helpers;
import org.backrestsidecar.strategy.VolumeCopy;

/**
 * Files back into a container's volumes (volume, pause, stop and sqlite targets), whole or one path.
 * The container (and what depends on it) is stopped for the whole restore; inside that window a
 * safety snapshot is taken and each path is replaced by the backup's (restored beside it first, then
 * swapped in, so a restic that fails leaves the path as it was); if a swap fails, the paths are
 * written back from the safety snapshot. An SQLite database is written with its -wal/-shm removed,
 * so no stale journal is replayed over it.
 */
@ApplicationScoped
public class FilesRestore implements TargetRestore {
    private final Helpers helpers;
    private final Quiescer quiescer;
    private final VolumeCopy copy;
    private final RestoreJournal journal;

    public FilesRestore(Helpers helpers, Quiescer quiescer, VolumeCopy copy, RestoreJournal journal) {
        this.helpers = helpers;
        this.journal = journal;
        this.quiescer = quiescer;
        this.copy = copy;
    }

    /** One snapshot to write back, and where. */
    private record Write(Snapshot snapshot, String path, String include) {
    }

    @Override
    public Set<String> strategies() {
        return Set.of("volume", "pause", "stop", "sqlite");
    }

    @Override
    public void check(RestoreRequest request) {
        if (request.database() != null || request.newDatabase() != null || request.wantsGlobals()) {
            throw new RestoreRefused("database, newDatabase and globals are for postgres targets; a files target "
                    + "restores its paths (or one path: give path)");
        }
        if (request.path() != null && (!request.path().startsWith("/") || request.path().contains(".."))) {
            throw new RestoreRefused("path '" + request.path() + "' must be an absolute path inside the container");
        }
    }

    @Override
    public boolean overwrites(RestoreRequest request) {
        return true;
    }

    /** Every write goes through the helper: a Swarm task's container may be gone meanwhile. */
    @Override
    public boolean scalesASwarmService() {
        return true;
    }

    @Override
    public List<String> plan(Target target, BackupSet backup, RestoreRequest request) {
        return writes(target, backup, request.path()).stream()
                .map(w -> w.path() + " replaced by its copy in snapshot " + w.snapshot().shortId() + " of "
                        + backup.shownTime())
                .toList();
    }

    private static List<Write> writes(Target target, BackupSet backup, String path) {
        List<Write> writes = new ArrayList<>();
        // folders before the files inside them: emptying a data folder must not remove a database just written
        List<Snapshot> sets = backup.fileSets().stream()
                .sorted(Comparator.comparingInt(s -> s.paths().stream().mapToInt(String::length).min().orElse(0)))
                .toList();
        for (Snapshot s : sets) {
            for (String p : s.paths()) {
                if (path == null) {
                    writes.add(new Write(s, p, null));
                } else if (path.equals(p) || path.startsWith(p + "/")) {
                    writes.add(new Write(s, path, path));
                } else if (p.startsWith(path + "/")) {
                    writes.add(new Write(s, p, null));
                }
            }
        }
        if (writes.isEmpty()) {
            throw new NoSuchElementException("backup " + backup.label() + " of " + target.name() + " holds no "
                    + (path == null ? "files" : path) + " (it holds: " + String.join(", ", sets.stream()
                    .flatMap(s -> s.paths().stream()).toList()) + ")");
        }
        return writes;
    }

    @Override
    public void restore(Target target, RepoConfig repo, BackupSet backup, RestoreRequest request, RestoreJob job)
            throws Exception {
        List<Write> writes = writes(target, backup, request.path());
        List<String> databases = target.option("sqlite.paths").map(l -> Arrays.stream(l.split(","))
                .map(String::strip).toList()).orElse(List.of());
        List<String> live = copy.paths(target);
        // what a start after a kill needs to leave whole data and no staging copy behind (RestoreRecovery)
        // a Swarm task's container is gone once its service is scaled to 0: its mounts are kept for that
        RestoreJournal.Entry underWay = RestoreJournal.Entry.files(job.id(), target.name(), target.containerId(),
                repo.id(), live, databases.stream().filter(live::contains).toList(),
                target.swarmTask() ? helpers.mountsOf(target.containerId()) : List.of());
        journal.record(underWay);
        try (Helper helper = helpers.start(target, repo, false, Priority.FULL)) {
            job.phase("stopping " + target.containerName());
            Quiesced stopped = quiescer.stopWithDependants(target, target.plan(), job.id(), job::note);
            try (stopped) {
                job.phase("safety snapshot of " + String.join(" ", live));
                Instant started = Instant.now();
                job.progress().item("safety snapshot", java.util.OptionalLong.empty(), null);
                StoredSnapshot safety = helper.backup(live, List.of(), job.safetyTags(), job.safetyTags().instance(),
                        target.timeout(), job.progress());
                job.safetySnapshots(List.of(safety.id()), Duration.between(started, Instant.now()));
                underWay = journal.record(underWay.withSafety(safety.id()).at(RestoreJournal.Phase.WRITING));
                try {
                    for (Write w : writes) {
                        job.phase("writing " + w.path());
                        // restic 0.14's restore prints no progress: the page shows the time it has taken
                        job.progress().item("writing " + w.path(), java.util.OptionalLong.empty(), null);
                        helper.restoreInPlace(w.snapshot().id(), w.path(), w.include(), databases.contains(w.path()),
                                target.timeout());
                        job.wrote(w.path() + " from snapshot " + w.snapshot().shortId());
                    }
                    journal.record(underWay.at(RestoreJournal.Phase.WRITTEN));
                } catch (Exception e) {
                    job.phase("writing the safety snapshot back");
                    try {
                        writeBack(helper, safety.id(), live, databases, target.timeout());
                    } catch (Exception again) {
                        throw new ResticException("the restore failed (" + e.getMessage() + ") and writing safety "
                                + "snapshot " + safety.id() + " back failed too (" + again.getMessage() + "); a path "
                                + "is only ever replaced once its copy was restored whole, so none is half-written",
                                e);
                    }
                    journal.record(underWay.at(RestoreJournal.Phase.STOPPED));
                    job.rolledBack();
                    throw new ResticException("the restore failed (" + e.getMessage() + "); " + String.join(" ", live)
                            + " were written back from safety snapshot " + safety.id(), e);
                }
                job.phase("starting " + target.containerName());
            } finally {
                stopped.failures().forEach(f -> job.note("starting again: " + f));
            }
        } finally {
            journal.done(job.id());
        }
    }

    /** Every live path written back from the safety snapshot, each swapped in whole. */
    static void writeBack(Helper helper, String safety, List<String> live, List<String> databases, Duration timeout)
            throws Exception {
        for (String p : live) {
            helper.restoreInPlace(safety, p, null, databases.contains(p), timeout);
        }
    }
}
