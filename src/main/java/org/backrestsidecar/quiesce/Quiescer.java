package org.backrestsidecar.quiesce;

import org.backrestsidecar.jobs.Daemons;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.InternalServerErrorException;
import com.github.dockerjava.api.exception.NotModifiedException;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.backrestsidecar.config.SidecarConfig;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.backrestsidecar.discovery.Target;
import org.backrestsidecar.quiesce.QuiesceJournal.Action;
import org.jboss.logging.Logger;

/**
 * Pauses or stops containers for a copy. Each pause or stop is journalled and its undo registered
 * before it is asked of Docker, so no path (error, timeout, budget, crash) leaves one frozen.
 * A container that is not running when we come is someone else's business and is left as it is.
 */
@ApplicationScoped
public class Quiescer {
    private static final int STOP_TIMEOUT_SECONDS = 30;
    private static final int PAUSE_ATTEMPTS = 3;
    private static final Duration PAUSE_AGAIN_AFTER = Duration.ofSeconds(2);
    private static final Logger LOG = Logger.getLogger(Quiescer.class);
    /** How long a Swarm service's task is given to stop once scaled to 0, or to run again once scaled back. */
    private static final Duration SWARM_WAIT = Duration.ofMinutes(3);
    private final DockerClient docker;
    private final QuiesceJournal journal;
    private final SidecarConfig config;
    private final ServiceScaler scaler;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(Daemons.named("downtime-budget"));

    public Quiescer(DockerClient docker, QuiesceJournal journal, SidecarConfig config, ServiceScaler scaler) {
        this.docker = docker;
        this.scaler = scaler;
        this.config = config;
        this.journal = journal;
    }

    public Quiesced pause(Target target, String plan, String runId) {
        Quiesced q = new Quiesced();
        try {
            if (isRunning(target.containerId())) {
                journal.add(QuiesceJournal.Entry.paused(target.containerId(), target.containerName(), plan, runId));
                q.undo().push("unpause " + target.containerName(), () -> {
                    unpause(target.containerId());
                    journal.remove(target.containerId());
                });
                q.started();
                pauseTryingAgain(target.containerId(), target.containerName());
            }
            return q;
        } catch (RuntimeException e) {
            q.close();
            throw e;
        }
    }

    /** Stops {@code order} front to back; closing starts them back to front. Only running ones are touched. */
    public Quiesced stop(List<ContainerNode> order, String plan, String runId) {
        Quiesced q = new Quiesced();
        try {
            for (ContainerNode c : order) {
                if (!isRunning(c.id())) {
                    continue;
                }
                journal.add(QuiesceJournal.Entry.stopped(c.id(), c.name(), plan, runId));
                q.undo().push("start " + c.name(), () -> {
                    start(c.id());
                    journal.remove(c.id());
                });
                q.started();
                docker.stopContainerCmd(c.id()).withTimeout(STOP_TIMEOUT_SECONDS).exec();
            }
            return q;
        } catch (RuntimeException e) {
            q.close();
            throw e;
        }
    }

    /**
     * Stops the target and whatever depends on it (Compose depends_on, {@code network_mode:
     * service:X}, {@code backup.stop.after}): dependants first; closing starts them in reverse.
     *
     * @param order told the stop order, for the report
     */
    public Quiesced stopWithDependants(Target target, String plan, String runId, Consumer<String> order) {
        if (target.swarmTask()) {
            return scaleToZero(target, plan, runId, order);
        }
        List<ContainerNode> all = docker.listContainersCmd().withShowAll(true).exec().stream()
                .map(c -> ContainerNode.of(c, config.labelPrefix())).toList();
        ContainerNode self = all.stream().filter(c -> c.id().equals(target.containerId())).findFirst()
                .orElseThrow(() -> new IllegalStateException("container " + target.containerName() + " is gone"));
        List<ContainerNode> stops = StopOrder.stopOrder(self, all);
        order.accept("stop order: " + String.join(" -> ", stops.stream().map(ContainerNode::name).toList())
                + "; start order is the reverse");
        return stop(stops, plan, runId);
    }

    /**
     * A Swarm task's container is stopped by scaling its service to 0 through a manager
     * ({@link ServiceScaler}): stopped by itself, Swarm would start another task in its place, perhaps
     * on another node, while the data is written. Journalled with the replicas it had before it is
     * asked; closing scales it back and waits for its task to run on this node again, in a new
     * container ({@link Quiesced#runningAs}). Swarm runs no dependants' order: the service alone.
     */
    private Quiesced scaleToZero(Target target, String plan, String runId, Consumer<String> order) {
        String service = target.swarmService().orElseThrow();
        Quiesced q = new Quiesced();
        try {
            int replicas = scaler.replicas(service);
            order.accept("Swarm service " + service + " scaled from " + replicas + " to 0 through a manager, and "
                    + "back after");
            journal.add(QuiesceJournal.Entry.scaled(target.containerId(), target.containerName(), plan, runId, service,
                    replicas));
            q.undo().push("scale " + service + " back to " + replicas, () -> {
                q.replaced(target.containerId(), scaleBack(service, replicas, target.containerName()));
                journal.remove(target.containerId());
            });
            q.started();
            scaler.scale(service, 0);
            awaitGone(target.containerId(), service);
            return q;
        } catch (java.io.IOException e) {
            q.close();
            throw new java.io.UncheckedIOException(e.getMessage(), e);
        } catch (RuntimeException e) {
            q.close();
            throw e;
        }
    }

    /** Scales {@code service} back to {@code replicas}; the container of its task that runs on this node. */
    private String scaleBack(String service, int replicas, String was) throws java.io.IOException, InterruptedException {
        scaler.scale(service, replicas);
        Instant until = Instant.now().plus(SWARM_WAIT);
        while (Instant.now().isBefore(until)) {
            Optional<String> running = runningTask(service);
            if (running.isPresent()) {
                return running.get();
            }
            Thread.sleep(1000);
        }
        throw new java.io.IOException("service " + service + " was scaled back to " + replicas + ", but no task of it "
                + "runs on this node after " + SWARM_WAIT.toMinutes() + " min (" + was + " ran here): Swarm may have "
                + "placed it on another node, where this node's volume is not; pin the service to its node "
                + "(docs/swarm.md step 3)");
    }

    /**
     * The running container of a Swarm service's task on this node, if one runs: Swarm starts a new
     * one in place of a container that stopped by itself, so a container id once known may be stale.
     */
    public Optional<String> runningTask(String service) {
        return docker.listContainersCmd().withStatusFilter(List.of("running"))
                .withLabelFilter(java.util.Map.of("com.docker.swarm.service.name", service)).exec().stream()
                .map(com.github.dockerjava.api.model.Container::getId).findFirst();
    }

    /** Work done on a service's data while none of its tasks runs. */
    public interface WhileDown {
        void run() throws Exception;
    }

    /**
     * Runs {@code work} with {@code service} scaled to 0 (its task container {@code taskContainer}
     * on this node stopped and gone), then scales it back to the replicas it had (at least 1) and
     * waits for its task to run here again. For a put-back at the sidecar's start, outside a quiesce.
     * Journalled like a quiesce's scale (under {@code plan} and {@code runId}): if the sidecar dies
     * again before the scale back, the next start scales it back ({@link CrashRecovery}) after its
     * caller's own journal has put the data back. A scale back that fails after the work failed is
     * added to the work's error, not put in its place.
     */
    public void whileScaledToZero(String service, String taskContainer, String plan, String runId, WhileDown work)
            throws Exception {
        int replicas = Math.max(1, scaler.replicas(service));
        journal.add(QuiesceJournal.Entry.scaled(taskContainer, service, plan, runId, service, replicas));
        scaler.scale(service, 0);
        Exception failed = null;
        try {
            awaitGone(taskContainer, service);
            work.run();
        } catch (Exception e) {
            failed = e;
            throw e;
        } finally {
            try {
                scaleBack(service, replicas, taskContainer);
                journal.remove(taskContainer);
            } catch (Exception backFailed) {
                if (failed == null) {
                    throw backFailed;
                }
                failed.addSuppressed(backFailed);
            }
        }
    }

    /**
     * Waits for a scaled-down task's container to stop (Swarm then removes it), and for any other task
     * container of the service on this node: one Swarm started in place of a container that exited
     * (a server that stopped itself) is not the one the target knew.
     */
    private void awaitGone(String containerId, String service) throws java.io.IOException {
        Instant until = Instant.now().plus(SWARM_WAIT);
        while (Instant.now().isBefore(until)) {
            boolean stopped;
            try {
                stopped = !Boolean.TRUE.equals(docker.inspectContainerCmd(containerId).exec().getState().getRunning());
            } catch (com.github.dockerjava.api.exception.NotFoundException gone) {
                stopped = true;
            }
            if (stopped && runningTask(service).isEmpty()) {
                return;
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.IOException("interrupted while " + service + "'s task stopped", e);
            }
        }
        throw new java.io.IOException("service " + service + " was scaled to 0, but its task on this node still runs "
                + "after " + SWARM_WAIT.toMinutes() + " min");
    }

    /** Arms the downtime budget, if anything was frozen: on expiry the copy is aborted, then all resumed. */
    public void budget(Quiesced q, Duration budget, Runnable abortCopy) {
        if (q.holdsAny()) {
            q.budget(budget, abortCopy, timer);
        }
    }

    /** Puts back one journalled container after a crash; false when it was already back. */
    public boolean recover(QuiesceJournal.Entry entry) {
        if (entry.action() == Action.SCALED) {
            return recoverScaled(entry);
        }
        InspectContainerResponse.ContainerState state = docker.inspectContainerCmd(entry.containerId()).exec().getState();
        boolean changed = false;
        if (entry.action() == Action.PAUSED && Boolean.TRUE.equals(state.getPaused())) {
            unpause(entry.containerId());
            changed = true;
        } else if (entry.action() == Action.STOPPED && !Boolean.TRUE.equals(state.getRunning())) {
            start(entry.containerId());
            changed = true;
        }
        journal.remove(entry.containerId());
        return changed;
    }

    /**
     * A Swarm service scaled to 0 and never scaled back: scaled back to the replicas it had, when it
     * is still at 0 (someone may have scaled it since: theirs is left as it is). Asked of a manager,
     * which may not answer yet right after a node's restart: the entry then stays, and the caller
     * asks again (CrashRecovery).
     */
    private boolean recoverScaled(QuiesceJournal.Entry entry) {
        try {
            if (scaler.replicas(entry.service()) != 0) {
                journal.remove(entry.containerId());
                return false;
            }
            scaleBack(entry.service(), entry.replicas(), entry.containerName());
            journal.remove(entry.containerId());
            return true;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while scaling " + entry.service() + " back", e);
        }
    }

    /**
     * runc gives up freezing a container whose processes do not all stop within its wait (seen on a
     * machine under heavy I/O: "OCI runtime pause failed: unable to freeze"); it thaws them and Docker
     * answers 500. The failure is the load's, not the container's, so it is asked again, up to
     * {@link #PAUSE_ATTEMPTS} times, while the container still runs unpaused (seen once; whether the
     * second ask goes through there was not measured).
     */
    private void pauseTryingAgain(String id, String name) {
        for (int attempt = 1; ; attempt++) {
            try {
                docker.pauseContainerCmd(id).exec();
                return;
            } catch (InternalServerErrorException e) {
                if (attempt >= PAUSE_ATTEMPTS || !isRunning(id)) {
                    throw e;
                }
                LOG.warnf("pausing %s failed (%s); asking again in %d s", name, e.getMessage().strip(),
                        PAUSE_AGAIN_AFTER.toSeconds());
                try {
                    Thread.sleep(PAUSE_AGAIN_AFTER.toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private boolean isRunning(String id) {
        var state = docker.inspectContainerCmd(id).exec().getState();
        return Boolean.TRUE.equals(state.getRunning()) && !Boolean.TRUE.equals(state.getPaused());
    }

    private void unpause(String id) {
        var state = docker.inspectContainerCmd(id).exec().getState();
        if (Boolean.TRUE.equals(state.getPaused())) {
            docker.unpauseContainerCmd(id).exec();
        }
    }

    private void start(String id) {
        try {
            docker.startContainerCmd(id).exec();
        } catch (NotModifiedException e) {
            // already running
        }
    }

    @PreDestroy
    void shutdown() {
        timer.shutdownNow();
    }
}
