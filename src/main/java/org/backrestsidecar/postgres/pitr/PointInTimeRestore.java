package org.backrestsidecar.postgres.pitr;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Volume;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.config.SidecarConfig;
import org.backrestsidecar.discovery.Target;
import org.backrestsidecar.discovery.TargetLabels;
import org.backrestsidecar.quiesce.Quiesced;
import org.backrestsidecar.quiesce.Quiescer;
import org.backrestsidecar.restic.ResticException;
import org.backrestsidecar.restic.Snapshots;
import org.backrestsidecar.restore.BackupSet;
import org.backrestsidecar.restore.RestoreJob;
import org.backrestsidecar.restore.RestoreJournal;
import org.backrestsidecar.restore.RestoreRefused;
import org.backrestsidecar.restore.RestoreRequest;
import org.backrestsidecar.restore.TargetRestore;
import org.backrestsidecar.run.PlanBusyException;
import org.backrestsidecar.run.PlanRun;
import org.backrestsidecar.run.PlanRunner;
import org.backrestsidecar.postgres.PostgresStrategy;
import org.backrestsidecar.volumes.SameMounts;
import org.backrestsidecar.postgres.wal.Archiver;

/**
 * A wal-mode Postgres target put back as a whole server at a moment: the newest base backup ready
 * before it, and its chain's WAL replayed up to it ({@code to}; the newest shipped moment when
 * {@code latest}; only the base when a {@code snapshot} of a base backup is named). Into a new
 * container beside the live one (its own new volume; the live server untouched), or over the live
 * one: the stream is held, the server and what depends on it stopped, its data folder moved aside
 * on its own volume (instant; put back if anything fails), the backup laid down, the server started
 * to replay and promote, then checked. A new base backup follows, since the server now writes a new
 * timeline.
 */
@ApplicationScoped
public class PointInTimeRestore implements TargetRestore {
    private static final String OWN_CONTAINERS = "backrest-sidecar-";
    private static final String SERVICE_LABEL = "com.docker.swarm.service.name";
    private static final Pattern CONTAINER_NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,100}");
    private final DockerClient docker;
    private final SidecarConfig config;
    private final Snapshots snapshots;
    private final DataFolder dataFolder;
    private final Replay replay;
    private final Archiver archiver;
    private final Quiescer quiescer;
    private final PlanRunner runner;
    private final RestoreJournal journal;

    public PointInTimeRestore(DockerClient docker, SidecarConfig config, Snapshots snapshots, DataFolder dataFolder,
                              Replay replay, Archiver archiver, Quiescer quiescer, PlanRunner runner,
                              RestoreJournal journal) {
        this.journal = journal;
        this.docker = docker;
        this.config = config;
        this.snapshots = snapshots;
        this.dataFolder = dataFolder;
        this.replay = replay;
        this.archiver = archiver;
        this.quiescer = quiescer;
        this.runner = runner;
    }

    @Override
    public Set<String> strategies() {
        return Set.of("postgres");
    }

    @Override
    public boolean handles(Target target) {
        return target.walMode();
    }

    @Override
    public void check(RestoreRequest request) {
        if (request.path() != null || request.database() != null || request.newDatabase() != null
                || request.wantsGlobals()) {
            throw new RestoreRefused("a postgres target in wal mode is restored as a whole server: give to (latest, "
                    + "or a time) and newContainer to leave the live one alone; path, database, newDatabase and "
                    + "globals are for targets backed up by dumps");
        }
        if (request.newContainer() != null && !CONTAINER_NAME.matcher(request.newContainer()).matches()) {
            throw new RestoreRefused("newContainer '" + request.newContainer() + "' is not a container name "
                    + "(letters, digits, _ . -)");
        }
        if (request.newContainer() != null && !request.newContainer().startsWith(OWN_CONTAINERS)) {
            // the Docker API proxy creates no container of another name (docker-proxy/docker-api.cfg)
            throw new RestoreRefused("newContainer '" + request.newContainer() + "' must start with " + OWN_CONTAINERS
                    + ", as every container the sidecar makes: e.g. " + OWN_CONTAINERS + request.newContainer());
        }
        if (Moment.isKept(request.to())) {
            Moment.keptId(request.to());
            if (request.newContainer() != null) {
                throw new RestoreRefused("a kept data folder is on the live server's volume: it goes back over the live "
                        + "one (leave out newContainer)");
            }
            return;
        }
        if (request.to() != null && !request.to().isBlank() && request.snapshot() != null && !request.snapshot().isBlank()
                && !request.snapshot().equals("latest")) {
            throw new RestoreRefused("give to (a moment) or snapshot (a base backup, restored as it ended), not both");
        }
        Moment.parse(request.to(), config.timeZone());
    }

    /**
     * Over the live server on a Swarm task, its service is scaled to 0 and back (quiesce/Quiescer): the
     * data folder is laid down through a container with the server's volumes, taken from it before it
     * is gone, and the replay followed in the task's new container.
     */
    @Override
    public boolean scalesASwarmService() {
        return true;
    }

    @Override
    public boolean overwrites(RestoreRequest request) {
        return request.newContainer() == null;
    }

    @Override
    public boolean takesSafetySnapshot(RestoreRequest request) {
        // the safety copy is the live data folder itself, kept aside on its volume
        return false;
    }

    @Override
    public List<String> plan(Target target, BackupSet backup, RestoreRequest request) {
        if (Moment.isKept(request.to())) {
            InspectContainerResponse live = docker.inspectContainerCmd(target.containerId()).exec();
            String kept = keptFolder(target, request, DataFolder.pgdata(live));
            return List.of("the data folder kept as " + kept + " put back in " + target.containerName()
                    + " (stopped, with what depends on it, and started on it)", "the data folder it replaces kept as "
                    + DataFolder.ASIDE_PREFIX + "<restore id>; a new base backup follows");
        }
        RecoveryWindow.Choice choice = choose(target, backup, request);
        List<String> lines = new ArrayList<>();
        lines.add(choice.described().replaceFirst("^base backup ", "base backup of run ") + " (ready "
                + choice.base().ready() + "), "
                + choice.to().map(t -> "WAL replayed up to " + t)
                .orElse(choice.wal().map(w -> "all its WAL replayed (up to " + w.upTo() + ")")
                        .orElse("no WAL replayed (the base backup as it ended)")));
        if (request.newContainer() == null) {
            lines.add(target.containerName() + " stopped (and what depends on it); its data folder kept on its volume as "
                    + DataFolder.ASIDE_PREFIX + "<restore id> (put back if the restore fails); the server then "
                    + "replays and is promoted; a new base backup follows");
        } else {
            lines.add("new container " + request.newContainer() + " (volume " + request.newContainer() + "-data) beside "
                    + target.containerName() + ", which is untouched");
        }
        return lines;
    }

    RecoveryWindow.Choice choose(Target target, BackupSet backup, RestoreRequest request) {
        RecoveryWindow window = window(target);
        if (request.snapshot() != null && !request.snapshot().isBlank() && !request.snapshot().equals("latest")) {
            return window.base(backup.label().replaceFirst("^run:", ""));
        }
        Optional<Instant> to = Moment.parse(request.to(), config.timeZone());
        return to.map(window::at).orElseGet(window::latest);
    }

    /** The moments the repo can restore the target to. */
    public RecoveryWindow window(Target target) {
        RepoConfig repo = config.repoOf(config.requirePlan(target.plan()));
        try {
            RecoveryWindow window = RecoveryWindow.of(target.name(), snapshots.snapshotsOf(repo, target.name()));
            return archiver.status(target.name()).filter(s -> s.chain() != null && s.shippedAt() != null)
                    .map(s -> window.heldUntil(s.chain(), s.shippedAt())).orElse(window);
        } catch (ResticException e) {
            // before the plan's first run made the repo (no Backrest to make it) there is nothing to restore
            if (e.noRepository()) {
                return RecoveryWindow.of(target.name(), List.of());
            }
            throw new IllegalStateException("the snapshots of " + target.name() + " cannot be listed: " + e.getMessage(), e);
        }
    }

    @Override
    public void restore(Target target, RepoConfig repo, BackupSet backup, RestoreRequest request, RestoreJob job)
            throws Exception {
        InspectContainerResponse live = docker.inspectContainerCmd(target.containerId()).exec();
        String pgdata = DataFolder.pgdata(live);
        try (AutoCloseable reading = archiver.reading(target)) {
            if (request.newContainer() != null) {
                intoNewContainer(target, repo, choose(target, backup, request), request.newContainer(), live, pgdata, job);
            } else if (Moment.isKept(request.to())) {
                overLive(target, live, pgdata, job, new KeptFolder(target, keptFolder(target, request, pgdata), pgdata));
            } else {
                overLive(target, live, pgdata, job, new ToAMoment(target, repo, () -> choose(target, backup, request),
                        live, pgdata, job));
            }
        }
    }

    /** The kept data folder a request names (or the newest), refused by name when there is none. */
    private String keptFolder(Target target, RestoreRequest request, String pgdata) {
        List<String> kept;
        try {
            kept = dataFolder.kept(target.containerId(), pgdata);
        } catch (IOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        Optional<String> id = Moment.keptId(request.to());
        return kept.stream().filter(k -> id.map(i -> k.equals(DataFolder.ASIDE_PREFIX + i)).orElse(true)).findFirst()
                .orElseThrow(() -> new RestoreRefused(id.map(i -> "no data folder kept by restore " + i)
                        .orElse("no data folder is kept") + " in " + pgdata + " of " + target.containerName()
                        + (kept.isEmpty() ? " (a restore over the live server keeps one; they are removed after "
                        + org.backrestsidecar.postgres.wal.BaseBackups.KEEP_ASIDE.toDays() + " days)"
                        : "; kept: " + String.join(", ", kept))));
    }

    /** What a restore over the live server lays down while it is stopped, and what it then reached. */
    private interface LaidOver {
        /** Called with the stream held (its last WAL shipped) and the live folder moved aside. */
        void lay(DataFolder.Work work) throws IOException;

        /** Undoes {@link #lay} before the live folder goes back, keeping what must be kept. */
        default void unlay(DataFolder.Work work) throws IOException {
        }

        /** The kept folder {@link #lay} puts in the live one's place; null when it lays down a backup. */
        default String kept() {
            return null;
        }

        /**
         * Waits for the started server and says what it holds; throws when it does not come up as it must.
         *
         * @param running the target in the container that runs now (a Swarm task's is a new one)
         */
        String started(Target running) throws IOException, InterruptedException;
    }

    /** A base backup and its WAL replayed to a moment. */
    private final class ToAMoment implements LaidOver {
        private final Target target;
        private final RepoConfig repo;
        private final java.util.function.Supplier<RecoveryWindow.Choice> chosen;
        private final InspectContainerResponse live;
        private final String pgdata;
        private final RestoreJob job;
        private RecoveryWindow.Choice choice;

        /** @param chosen what to lay down, chosen once the last WAL was shipped (so latest has it) */
        ToAMoment(Target target, RepoConfig repo, java.util.function.Supplier<RecoveryWindow.Choice> chosen,
                  InspectContainerResponse live, String pgdata, RestoreJob job) {
            this.target = target;
            this.repo = repo;
            this.chosen = chosen;
            this.live = live;
            this.pgdata = pgdata;
            this.job = job;
        }

        @Override
        public void lay(DataFolder.Work work) throws IOException {
            choice = chosen.get();
            PointInTimeRestore.lay(work, repo, choice, target, job);
        }

        @Override
        public String started(Target running) throws IOException, InterruptedException {
            return replayed(running, choice, live, pgdata, job).said();
        }
    }

    /** A data folder an earlier restore kept aside, put back as it was (the server shut down cleanly on it). */
    private final class KeptFolder implements LaidOver {
        private final Target target;
        private final String kept;
        private final String pgdata;

        KeptFolder(Target target, String kept, String pgdata) {
            this.target = target;
            this.kept = kept;
            this.pgdata = pgdata;
        }

        @Override
        public void lay(DataFolder.Work work) throws IOException {
            work.putBackFrom(kept);
        }

        @Override
        public void unlay(DataFolder.Work work) throws IOException {
            work.moveAsideInto(kept);
        }

        @Override
        public String kept() {
            return kept;
        }

        @Override
        public String started(Target running) throws IOException, InterruptedException {
            String user = PostgresStrategy.user(target);
            replay.awaitPromoted(running.containerId(), user, target.timeout());
            Replay.Reached reached = replay.settle(running.containerId(), user, pgdata);
            return "the data folder kept as " + pgdata + "/" + kept + " is back, on timeline " + reached.timeline()
                    + "; databases: " + String.join(", ", reached.databases());
        }
    }

    private void intoNewContainer(Target target, RepoConfig repo, RecoveryWindow.Choice choice, String name,
                                  InspectContainerResponse live, String pgdata, RestoreJob job) throws Exception {
        job.phase("creating " + name);
        String id = create(live, name, pgdata, target.name());
        // a start after a kill removes what was half made (finishCutOff)
        journal.record(RestoreJournal.Entry.postgresWalNew(job.id(), target.name(), id, name + "-data"));
        Replay.Reached reached;
        try {
            try (DataFolder.Work work = dataFolder.open(live.getImageId(), id, pgdata, DataFolder.ASIDE_PREFIX + job.id()
                    .substring(0, 8))) {
                work.moveAside();
                lay(work, repo, choice, target, job);
            }
            job.phase("replaying WAL in " + name);
            docker.startContainerCmd(id).exec();
            reached = replayed(target.inOwnContainer(id), choice, live, pgdata, job);
        } catch (Exception e) {
            // nothing half-made is left beside the live server; the error has the server's last words
            docker.removeContainerCmd(id).withForce(true).exec();
            docker.removeVolumeCmd(name + "-data").exec();
            journal.done(job.id());
            throw e;
        }
        journal.done(job.id());
        job.wrote("container " + name + " (volume " + name + "-data): " + reached.said());
        job.note("remove it when done: docker rm -f " + name + " && docker volume rm " + name + "-data");
    }

    private void overLive(Target target, InspectContainerResponse live, String pgdata, RestoreJob job, LaidOver laid)
            throws Exception {
        try {
            overLive(target, live, pgdata, job, laid, RestoreJournal.Entry.postgresWal(job.id(), target.name(),
                    target.containerId(), live.getImageId(), pgdata, DataFolder.ASIDE_PREFIX + job.id().substring(0, 8),
                    laid.kept(), target.swarmTask() ? mounts(live) : List.of()));
        } finally {
            journal.done(job.id());
        }
    }

    private void overLive(Target target, InspectContainerResponse live, String pgdata, RestoreJob job, LaidOver laid,
                          RestoreJournal.Entry underWay) throws Exception {
        String aside = underWay.file();
        // taken while the server runs: a Swarm task's container is gone once its service is at 0
        List<Bind> volumes = SameMounts.of(live, false);
        job.phase("shipping the last WAL, stopping the stream");
        try (Archiver.Hold hold = archiver.hold(target)) {
            job.phase("stopping " + target.containerName());
            Quiesced stopped = quiescer.stopWithDependants(target, target.plan(), job.id(), job::note);
            try (stopped) {
                // from here a start after a kill puts the data folder back (finishCutOff)
                journal.record(underWay);
                try (DataFolder.Work work = dataFolder.open(live.getImageId(), volumes, pgdata, aside)) {
                    job.phase("moving the data folder aside");
                    work.moveAside();
                    journal.record(underWay.at(RestoreJournal.Phase.WRITING));
                    try {
                        laid.lay(work);
                    } catch (Exception e) {
                        laid.unlay(work);
                        work.putBack();
                        journal.record(underWay.at(RestoreJournal.Phase.STOPPED));
                        job.rolledBack();
                        throw new IOException(e.getMessage() + "; the data folder was put back as it was", e);
                    }
                }
                job.phase("starting " + target.containerName());
            } finally {
                stopped.failures().forEach(f -> job.note("starting again: " + f));
            }
            Target running = target.inContainer(stopped.runningAs(target.containerId()));
            String said;
            try {
                said = laid.started(running);
            } catch (Exception e) {
                job.phase("putting the data folder back");
                // the server now runs (or ran) in the task's newest container, which the stop must reach
                Target now = target.swarmTask() ? target.inContainer(taskContainer(target, running.containerId()))
                        : running;
                try (Quiesced again = quiescer.stopWithDependants(now, target.plan(), job.id(), job::note);
                     DataFolder.Work work = dataFolder.open(live.getImageId(), volumes, pgdata, aside)) {
                    laid.unlay(work);
                    work.putBack();
                    journal.record(underWay.at(RestoreJournal.Phase.STOPPED));
                }
                job.rolledBack();
                throw new IOException(e.getMessage() + "; the data folder was put back as it was and "
                        + target.containerName() + " started on it", e);
            }
            hold.restart();
            job.wrote(target.containerName() + ": " + said);
            job.note("the data folder as it was before is kept on its volume as " + pgdata + "/" + aside
                    + " (put it back with to: kept:" + job.id().substring(0, 8) + ")");
        }
        try {
            runner.start(target.plan(), PlanRun.Trigger.MANUAL);
            job.note("plan " + target.plan() + " runs now for a new base backup on the new timeline (tried again "
                    + "until one is stored)");
        } catch (PlanBusyException e) {
            job.note("plan " + target.plan() + " is running; a new base backup on the new timeline follows (tried "
                    + "again until one is stored)");
        }
    }

    private static void lay(DataFolder.Work work, RepoConfig repo, RecoveryWindow.Choice choice, Target target,
                            RestoreJob job) throws IOException {
        job.phase("laying down " + choice.described() + (choice.wal().isPresent() ? " and its WAL" : ""));
        work.layDown(repo, choice, target.name());
    }

    /**
     * Waits for the promotion, reads what was reached, and refuses a replay that stopped short. A
     * moment after the last transaction stops the server; all of the WAL is then replayed, the
     * server stopped for that (a Swarm task's service scaled to 0: Swarm would start the same replay
     * again in a new task) and started again.
     */
    private Replay.Reached replayed(Target running, RecoveryWindow.Choice choice, InspectContainerResponse live,
                                    String pgdata, RestoreJob job) throws IOException, InterruptedException {
        String user = PostgresStrategy.user(running);
        String aside = DataFolder.ASIDE_PREFIX + job.id().substring(0, 8);
        try {
            replay.awaitPromoted(running.containerId(), user, running.timeout());
        } catch (Replay.TargetNotReached e) {
            job.note("no transaction after " + choice.to().orElseThrow() + " is in the WAL: all of it was replayed, "
                    + "which is the state at that moment");
            if (running.swarmTask()) {
                Target now = running.inContainer(taskContainer(running, running.containerId()));
                Quiesced stopped = quiescer.stopWithDependants(now, running.plan(), job.id(), job::note);
                try (stopped; DataFolder.Work work = dataFolder.open(live.getImageId(), SameMounts.of(live, false),
                        pgdata, aside)) {
                    work.replayToTheEnd();
                }
                running = now.inContainer(stopped.runningAs(now.containerId()));
            } else {
                try (DataFolder.Work work = dataFolder.open(live.getImageId(), running.containerId(), pgdata, aside)) {
                    work.replayToTheEnd();
                }
                docker.startContainerCmd(running.containerId()).exec();
            }
            replay.awaitPromoted(running.containerId(), user, running.timeout());
        }
        Replay.Reached reached = replay.settle(running.containerId(), user, pgdata);
        if (choice.to().isEmpty() && reached.chainProblem().isPresent()) {
            throw new IOException(reached.chainProblem().get() + " (" + reached.said() + ")");
        }
        return reached;
    }

    /** The container of a Swarm task's service on this node now ({@link Quiescer#runningTask}), else {@code known}. */
    private String taskContainer(Target target, String known) {
        return quiescer.runningTask(target.swarmService().orElseThrow()).orElse(known);
    }

    private static List<String> mounts(InspectContainerResponse live) {
        return SameMounts.of(live, false).stream().map(Bind::toString).toList();
    }

    /** A container like the live server: its image, settings and network, a new volume for its data. */
    /**
     * A restore of a wal-mode server cut off by the sidecar's stop. Over the live server: the server
     * is stopped if the restore had started it to replay, what was laid down goes, the data folder
     * moved aside comes back, and the server is started on it (what depends on it is started by
     * quiesce/CrashRecovery next, if the restore had stopped it). Beside it: the half-made container
     * and its volume are removed. The target holds the data from before either way.
     */
    @Override
    public Optional<CutOff> finishCutOff(RestoreJournal.Entry entry) throws Exception {
        if (RestoreJournal.Entry.POSTGRES_WAL_NEW.equals(entry.kind())) {
            try {
                docker.removeContainerCmd(entry.containerId()).withForce(true).exec();
            } catch (com.github.dockerjava.api.exception.NotFoundException e) {
                // never made, or removed
            }
            try {
                docker.removeVolumeCmd(entry.file()).exec();
            } catch (com.github.dockerjava.api.exception.NotFoundException e) {
                // never made
            }
            return Optional.of(new CutOff("the sidecar stopped while it made a new server beside " + entry.target()
                    + "; at its next start the half-made container and its volume " + entry.file() + " were removed: "
                    + entry.target() + " is untouched", false));
        }
        if (!RestoreJournal.Entry.POSTGRES_WAL.equals(entry.kind())) {
            return Optional.empty();
        }
        boolean laid = entry.phase() != RestoreJournal.Phase.STOPPED;
        if (!entry.mounts().isEmpty()) {
            swarmTaskPutBack(entry, laid);
            return Optional.of(cutOff(entry, laid));
        }
        if (Boolean.TRUE.equals(docker.inspectContainerCmd(entry.containerId()).exec().getState().getRunning())) {
            // started by the restore to replay: its data folder is not the live one
            docker.stopContainerCmd(entry.containerId()).withTimeout(60).exec();
        }
        try (DataFolder.Work work = dataFolder.open(entry.image(), entry.containerId(), entry.dir(), entry.file())) {
            work.rollBack(laid, entry.kept());
        }
        try {
            docker.startContainerCmd(entry.containerId()).exec();
        } catch (com.github.dockerjava.api.exception.NotModifiedException e) {
            // running already
        }
        return Optional.of(cutOff(entry, laid));
    }

    private static CutOff cutOff(RestoreJournal.Entry entry, boolean laid) {
        return new CutOff(laid
                ? "the sidecar stopped while this restore replaced the data folder " + entry.dir() + "; at its next start "
                + "what was laid down was removed and the data folder put back: " + entry.target() + " holds the data "
                + "from before the restore"
                : "the sidecar stopped before this restore laid anything down: " + entry.target() + "'s data folder "
                + "was put back where it was being moved aside; it holds the data from before it", laid);
    }

    /**
     * A Swarm task's data folder put back after a cut-off restore. With its service still at 0 the
     * folder is put back through the mounts the journal kept, and quiesce/CrashRecovery scales the
     * service back next. With a task of it running (scaled back to replay what was laid down) the
     * service is scaled to 0 first, and back to the replicas it had after.
     */
    private void swarmTaskPutBack(RestoreJournal.Entry entry, boolean laid) throws Exception {
        List<Bind> volumes = entry.mounts().stream().map(Bind::parse).toList();
        List<String> dataVolume = volumes.stream().filter(b -> (entry.dir() + "/").startsWith(b.getVolume().getPath() + "/"))
                .map(Bind::getPath).limit(1).toList();
        Optional<com.github.dockerjava.api.model.Container> task = dataVolume.isEmpty() ? Optional.empty()
                : docker.listContainersCmd().withStatusFilter(List.of("running")).withVolumeFilter(dataVolume).exec()
                .stream().filter(c -> c.getLabels() != null && c.getLabels().containsKey(SERVICE_LABEL)).findFirst();
        Quiescer.WhileDown putBack = () -> {
            try (DataFolder.Work work = dataFolder.open(entry.image(), volumes, entry.dir(), entry.file())) {
                work.rollBack(laid, entry.kept());
            }
        };
        if (task.isPresent()) {
            Map<String, String> labels = task.get().getLabels();
            String plan = labels.getOrDefault(config.labelPrefix() + ".plan", TargetLabels.DEFAULT_PLAN);
            quiescer.whileScaledToZero(labels.get(SERVICE_LABEL), task.get().getId(), plan, entry.restoreId(), putBack);
        } else {
            putBack.run();
        }
    }

    private String create(InspectContainerResponse live, String name, String pgdata, String target) {
        var c = live.getConfig();
        String mount = DataFolder.volumeMountOf(live, pgdata);
        HostConfig host = HostConfig.newHostConfig().withBinds(new Bind(name + "-data", new Volume(mount)));
        String network = live.getHostConfig().getNetworkMode();
        if (network != null && !network.startsWith("container:") && !network.equals("host")) {
            host.withNetworkMode(network);
        }
        CreateContainerCmd create = docker.createContainerCmd(live.getImageId()).withName(name)
                .withLabels(Map.of("backrest-sidecar.restored-from", target))
                .withHostConfig(host);
        if (c.getEnv() != null) {
            create.withEnv(c.getEnv());
        }
        if (c.getEntrypoint() != null) {
            create.withEntrypoint(c.getEntrypoint());
        }
        if (c.getCmd() != null) {
            create.withCmd(c.getCmd());
        }
        if (c.getUser() != null && !c.getUser().isEmpty()) {
            create.withUser(c.getUser());
        }
        return create.exec().getId();
    }
}
