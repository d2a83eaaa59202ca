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
    private final DockerClient docker;
    private final QuiesceJournal journal;
    private final SidecarConfig config;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(Daemons.named("downtime-budget"));

    public Quiescer(DockerClient docker, QuiesceJournal journal, SidecarConfig config) {
        this.docker = docker;
        this.config = config;
        this.journal = journal;
    }

    public Quiesced pause(Target target, String plan, String runId) {
        Quiesced q = new Quiesced();
        try {
            if (isRunning(target.containerId())) {
                journal.add(new QuiesceJournal.Entry(target.containerId(), target.containerName(), Action.PAUSED, plan,
                        runId, Instant.now()));
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
                journal.add(new QuiesceJournal.Entry(c.id(), c.name(), Action.STOPPED, plan, runId, Instant.now()));
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
        List<ContainerNode> all = docker.listContainersCmd().withShowAll(true).exec().stream()
                .map(c -> ContainerNode.of(c, config.labelPrefix())).toList();
        ContainerNode self = all.stream().filter(c -> c.id().equals(target.containerId())).findFirst()
                .orElseThrow(() -> new IllegalStateException("container " + target.containerName() + " is gone"));
        List<ContainerNode> stops = StopOrder.stopOrder(self, all);
        order.accept("stop order: " + String.join(" -> ", stops.stream().map(ContainerNode::name).toList())
                + "; start order is the reverse");
        return stop(stops, plan, runId);
    }

    /** Arms the downtime budget, if anything was frozen: on expiry the copy is aborted, then all resumed. */
    public void budget(Quiesced q, Duration budget, Runnable abortCopy) {
        if (q.holdsAny()) {
            q.budget(budget, abortCopy, timer);
        }
    }

    /** Puts back one journalled container after a crash; false when it was already back. */
    public boolean recover(QuiesceJournal.Entry entry) {
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
