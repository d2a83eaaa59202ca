package org.backrestsidecar.restore;

import org.backrestsidecar.jobs.Daemons;
import com.github.dockerjava.api.DockerClient;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.config.SidecarConfig;
import org.backrestsidecar.docker.ContainerExec;
import org.backrestsidecar.docker.ContainerFiles;
import org.backrestsidecar.progress.Progress;
import org.backrestsidecar.volumes.Helper;
import org.backrestsidecar.volumes.Helpers;
import org.jboss.logging.Logger;

/**
 * At start, before anything else (before the containers a killed sidecar left stopped are started
 * again, quiesce/CrashRecovery), every restore the journal holds as under way is finished or undone
 * so that its target holds whole data: the backup's when it was all in place, else the safety copy
 * written back over what may be cut off. Its record then says which ("restored: the backup's data",
 * "rolled back to the safety copy"), never "unknown" where it can be known.
 *
 * <ul>
 *   <li>redis: the safety RDB put back whole in place of the one the cut restore may have put there,
 *       and the written file's second name removed once Redis runs again;</li>
 *   <li>files (volume, pause, stop, sqlite): the helper still writing is stopped first (its restic
 *       interrupted, the helper removed), every path written back whole from the safety snapshot when
 *       the cut came while paths were being replaced, and staging copies removed either way;</li>
 *   <li>a Postgres dump: pg_restore goes on in the container without the sidecar. It is waited for
 *       (on its own thread: it may take hours) and its exit code, kept beside the dump, tells what
 *       the database holds; the dump is removed then.</li>
 * </ul>
 */
@ApplicationScoped
public class RestoreRecovery {
    private static final Logger LOG = Logger.getLogger(RestoreRecovery.class);
    private static final Duration QUICK = Duration.ofMinutes(1);
    private static final Duration WRITE_BACK = Duration.ofHours(2);
    /** How often a pg_restore that outlived the sidecar is looked at, and for how long at most. */
    private static final Duration POLL = Duration.ofSeconds(3);
    /** $0 the dump: "exit N" once pg_restore ended, "running" while it runs, else "gone". */
    private final RestoreJournal journal;
    private final SnapshotFiles snapshotFiles;
    private final SidecarConfig config;
    private final RestoreService restores;
    private final Helpers helpers;
    private final ContainerExec exec;
    private final DockerClient docker;
    private final jakarta.enterprise.inject.Instance<TargetRestore> kinds;

    public RestoreRecovery(RestoreJournal journal, SnapshotFiles snapshotFiles, SidecarConfig config,
                           RestoreService restores, Helpers helpers, ContainerExec exec, DockerClient docker,
                           jakarta.enterprise.inject.Instance<TargetRestore> kinds) {
        this.kinds = kinds;
        this.docker = docker;
        this.journal = journal;
        this.snapshotFiles = snapshotFiles;
        this.config = config;
        this.restores = restores;
        this.helpers = helpers;
        this.exec = exec;
    }

    void recover(@Observes @Priority(0) StartupEvent ignored) {
        List<RestoreJournal.Entry> pending = journal.pending();
        if (pending.isEmpty()) {
            return;
        }
        // a helper of the killed sidecar may still be writing into a staging copy: it stops first
        helpers.removeLeftovers();
        for (RestoreJournal.Entry entry : pending) {
            var goesOn = goesOnWithoutUs(entry);
            if (goesOn.isPresent()) {
                restores.settleInterrupted(entry.restoreId(), goesOn.get().meanwhile(), false);
                restores.settling(entry.target(), entry.restoreId());
                Daemons.start("restore-after-crash-" + entry.restoreId(), () -> settleWhenEnded(entry, goesOn.get()));
                continue;
            }
            String outcome;
            boolean rolledBack = false;
            try {
                TargetRestore.CutOff byKind = byItsKind(entry);
                if (byKind != null) {
                    outcome = byKind.outcome();
                    rolledBack = byKind.rolledBack();
                } else if (entry.phase() == RestoreJournal.Phase.WRITING) {
                    writeSafetyBack(entry);
                    rolledBack = true;
                    outcome = "the sidecar stopped while this restore wrote " + written(entry) + "; at its next start "
                            + "the safety copy (snapshot " + entry.safetySnapshot() + ") was written back: "
                            + entry.target() + " holds the data from before the restore";
                } else {
                    removeStaging(entry);
                    outcome = entry.phase() == RestoreJournal.Phase.WRITTEN
                            ? "the sidecar stopped after the backup's data was whole in place: " + entry.target()
                            + " holds the backup's data (restored)"
                            : "the sidecar stopped before this restore wrote anything: " + entry.target()
                            + " holds the data from before it";
                }
                LOG.warnf("restore %s of %s cut off: %s", entry.restoreId(), entry.target(), outcome);
            } catch (Exception e) {
                outcome = "the sidecar stopped while this restore wrote " + written(entry) + ", and putting whole "
                        + "data back at its next start failed: " + e.getMessage() + (entry.safetySnapshot() == null
                        ? "; look at " + entry.target() + " before use (docs/restore.md)"
                        : "; restore safety snapshot " + entry.safetySnapshot() + " before starting " + entry.target());
                LOG.errorf("restore %s of %s: %s", entry.restoreId(), entry.target(), outcome);
            }
            restores.settleInterrupted(entry.restoreId(), outcome, rolledBack);
            journal.done(entry.restoreId());
            if (RestoreJournal.Entry.REDIS.equals(entry.kind()) && entry.mounts().isEmpty()) {
                Daemons.start("rdb-second-name-" + entry.restoreId(), () -> removeRdbBeside(entry));
            }
        }
    }

    /**
     * The RDB's second name its write left (ContainerFiles.putWhole), removed once crash recovery has
     * started Redis again: only a running container takes an exec.
     */
    private void removeRdbBeside(RestoreJournal.Entry entry) {
        Instant giveUp = Instant.now().plus(QUICK.multipliedBy(5));
        try {
            while (!running(entry.containerId())) {
                if (Instant.now().isAfter(giveUp)) {
                    LOG.warnf("%s does not run: %s%s%s stays beside its RDB", entry.target(), entry.dir(), entry.file(),
                            ContainerFiles.BESIDE);
                    return;
                }
                Thread.sleep(POLL.toMillis());
            }
            exec.outputRunTwiceIfStuck(entry.containerId(), ContainerFiles.removeBeside(entry.dir(), entry.file()), QUICK);
        } catch (IOException | RuntimeException e) {
            LOG.warnf("%s%s%s stays in %s: %s", entry.dir(), entry.file(), ContainerFiles.BESIDE, entry.target(),
                    e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean running(String containerId) {
        return Boolean.TRUE.equals(docker.inspectContainerCmd(containerId).exec().getState().getRunning());
    }

    /** The cut-off restore as its own kind finishes it, or null when RestoreRecovery does. */
    private TargetRestore.CutOff byItsKind(RestoreJournal.Entry entry) throws Exception {
        for (TargetRestore kind : kinds) {
            var done = kind.finishCutOff(entry);
            if (done.isPresent()) {
                return done.get();
            }
        }
        return null;
    }

    private static String written(RestoreJournal.Entry entry) {
        return switch (entry.kind()) {
            case RestoreJournal.Entry.FILES -> String.join(" ", entry.paths());
            case RestoreJournal.Entry.POSTGRES_WAL -> "the data folder " + entry.dir();
            case RestoreJournal.Entry.POSTGRES_WAL_NEW -> "a new server beside " + entry.target();
            default -> entry.dir() + entry.file();
        };
    }

    /** What the restore was writing, from the safety snapshot, while its container is still stopped. */
    private void writeSafetyBack(RestoreJournal.Entry entry) throws Exception {
        RepoConfig repo = repo(entry);
        if (RestoreJournal.Entry.FILES.equals(entry.kind())) {
            try (Helper helper = helperFor(entry, repo)) {
                FilesRestore.writeBack(helper, entry.safetySnapshot(), entry.paths(), entry.journals(), WRITE_BACK);
                helper.removeRestoreLeftovers(entry.paths(), QUICK);
            }
            return;
        }
        if (!entry.mounts().isEmpty()) {
            // a Swarm task's container is gone: written, and the second name removed, through a helper
            try (Helper helper = helperFor(entry, repo)) {
                snapshotFiles.replace(repo, entry.safetySnapshot(), entry.snapshotPath(), helper.id(), entry.dir(),
                        entry.file(), new Progress());
                exec.outputRunTwiceIfStuck(helper.id(), ContainerFiles.removeBeside(entry.dir(), entry.file()), QUICK);
            }
            return;
        }
        snapshotFiles.replace(repo, entry.safetySnapshot(), entry.snapshotPath(), entry.containerId(), entry.dir(),
                entry.file(), new Progress());
    }

    /** A files restore cut before or after its writes: whole data in place, only staging to remove. */
    private void removeStaging(RestoreJournal.Entry entry) throws Exception {
        if (RestoreJournal.Entry.REDIS.equals(entry.kind()) && !entry.mounts().isEmpty()) {
            // a Swarm task's RDB second name, through a helper: its container is gone (else removeRdbBeside)
            try (Helper helper = helperFor(entry, repo(entry))) {
                exec.outputRunTwiceIfStuck(helper.id(), ContainerFiles.removeBeside(entry.dir(), entry.file()), QUICK);
            }
            return;
        }
        if (!RestoreJournal.Entry.FILES.equals(entry.kind())) {
            return;
        }
        try (Helper helper = helperFor(entry, repo(entry))) {
            helper.removeRestoreLeftovers(entry.paths(), QUICK);
        }
    }

    /**
     * A helper with the target's volumes: those recorded with the restore when its container was to
     * be gone (a Swarm task scaled to 0: its service is scaled back only after this, by
     * quiesce/CrashRecovery), else the container's own.
     */
    private Helper helperFor(RestoreJournal.Entry entry, RepoConfig repo) throws java.io.IOException {
        return entry.mounts().isEmpty()
                ? helpers.startBeside(entry.containerId(), entry.target(), repo, false, org.backrestsidecar.config.Priority.FULL)
                : helpers.startWithMounts(entry.mounts(), entry.target(), repo, org.backrestsidecar.config.Priority.FULL);
    }

    private RepoConfig repo(RestoreJournal.Entry entry) {
        return config.repo(entry.repo()).orElseThrow(() -> new IllegalStateException("no repo " + entry.repo()
                + " in the configuration any more"));
    }

    /** The writing of a cut-off restore that goes on in its target, as its kind knows it, if any. */
    private java.util.Optional<TargetRestore.GoesOn> goesOnWithoutUs(RestoreJournal.Entry entry) {
        for (TargetRestore kind : kinds) {
            var goesOn = kind.goesOnAfterCutOff(entry);
            if (goesOn.isPresent()) {
                return goesOn;
            }
        }
        return java.util.Optional.empty();
    }

    /** Waits for the writing that outlived the sidecar, then says in the restore's record what the target holds. */
    private void settleWhenEnded(RestoreJournal.Entry entry, TargetRestore.GoesOn goesOn) {
        String outcome;
        try {
            outcome = goesOn.end().awaitOutcome();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        LOG.warnf("restore %s of %s cut off: %s", entry.restoreId(), entry.target(), outcome);
        restores.settleInterrupted(entry.restoreId(), outcome, false);
        journal.done(entry.restoreId());
        restores.settled(entry.target(), entry.restoreId());
    }
}
