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
    private static final Duration LONGEST_PG_RESTORE = Duration.ofHours(24);
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
            if (RestoreJournal.Entry.POSTGRES_DUMP.equals(entry.kind())
                    || RestoreJournal.Entry.POSTGRES_CREATE.equals(entry.kind())) {
                restores.settleInterrupted(entry.restoreId(), "the sidecar stopped while pg_restore wrote database "
                        + entry.database() + "; it goes on in " + entry.target() + ", and this record says what the "
                        + "database holds once it ends", false);
                restores.settling(entry.target(), entry.restoreId());
                Daemons.start("pg-restore-after-crash-" + entry.restoreId(), () -> settlePostgres(entry));
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

    /** Waits for the pg_restore that outlived the sidecar, then says what the database holds. */
    private void settlePostgres(RestoreJournal.Entry entry) {
        String dump = entry.dir() + "/" + entry.file();
        String database = "database " + entry.database();
        String outcome;
        try {
            Instant giveUp = Instant.now().plus(LONGEST_PG_RESTORE);
            String state = pgRestoreState(entry.containerId(), dump);
            while (state.equals("running") && Instant.now().isBefore(giveUp)) {
                Thread.sleep(POLL.toMillis());
                state = pgRestoreState(entry.containerId(), dump);
            }
            boolean oneTransaction = RestoreJournal.Entry.POSTGRES_DUMP.equals(entry.kind());
            if (state.equals("not started")) {
                outcome = "the sidecar stopped before pg_restore began to write " + database + ": " + entry.target()
                        + " holds the data from before the restore";
            } else if (state.equals("exit 0")) {
                outcome = "the sidecar stopped while pg_restore wrote " + database + "; pg_restore went on and ended "
                        + "well: " + database + " holds the backup's data (restored)";
            } else if (state.startsWith("exit ")) {
                outcome = "the sidecar stopped while pg_restore wrote " + database + "; pg_restore went on and ended "
                        + "with " + state + (oneTransaction ? ": one transaction, " + database + " is as it was before"
                        : ": " + database + " did not exist before; what was made of it is left to look at");
            } else if (state.equals("running")) {
                outcome = "pg_restore of " + database + " still runs after " + LONGEST_PG_RESTORE.toHours()
                        + " h: look at it in " + entry.target();
            } else {
                outcome = "the sidecar stopped while pg_restore wrote " + database + ", and pg_restore ended without "
                        + "its exit code (" + entry.target() + " was stopped or restarted): " + (oneTransaction
                        ? "one transaction, so " + database + " holds either all of the backup's data or what it held "
                        + "before; look before use" : "what was made of " + database + " is left to look at");
            }
            LOG.warnf("restore %s of %s cut off: %s", entry.restoreId(), entry.target(), outcome);
        } catch (IOException | RuntimeException e) {
            outcome = "the sidecar stopped while pg_restore wrote " + database + ", and what became of it cannot be "
                    + "read (" + e.getMessage() + "): look at " + database + " in " + entry.target();
            LOG.errorf("restore %s of %s: %s", entry.restoreId(), entry.target(), outcome);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        try {
            exec.output(entry.containerId(), List.of("rm", "-f", dump, dump + PostgresRestore.EXIT_SUFFIX,
                    dump + PostgresRestore.STARTED_SUFFIX), QUICK);
        } catch (IOException | RuntimeException e) {
            LOG.warnf("the dump %s stays in %s: %s", dump, entry.target(), e.getMessage());
        }
        restores.settleInterrupted(entry.restoreId(), outcome, false);
        journal.done(entry.restoreId());
        restores.settled(entry.target(), entry.restoreId());
    }

    private String pgRestoreState(String containerId, String dump) throws IOException {
        try {
            if (!running(containerId)) {
                return "gone";
            }
        } catch (com.github.dockerjava.api.exception.NotFoundException e) {
            throw new IOException("its container " + containerId + " is gone", e);
        }
        return exec.outputRunTwiceIfStuck(containerId, List.of("sh", "-c", PostgresRestore.STATE, dump), QUICK).strip();
    }
}
