package org.backrestsidecar.quiesce;

import org.backrestsidecar.jobs.Daemons;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.backrestsidecar.volumes.Helpers;
import org.jboss.logging.Logger;

/**
 * Before anything else at start-up: containers a previous sidecar paused or stopped and never put
 * back (it was killed mid-run) are resumed, its helper containers removed, and this is reported in
 * the log and as a RECOVERY entry in {@code GET /api/runs}.
 */
@ApplicationScoped
public class CrashRecovery {
    private static final Logger LOG = Logger.getLogger(CrashRecovery.class);
    private static final java.time.Duration SCALE_BACK_EVERY = java.time.Duration.ofSeconds(15);
    private final QuiesceJournal journal;
    private final Quiescer quiescer;
    private final Helpers helpers;

    private final jakarta.enterprise.event.Event<Recovered> recovered;

    /** What a start-up found left paused or stopped by a sidecar that stopped mid-run, and what it did. */
    public record Recovered(Map<String, List<PutBack>> byPlan) {
    }

    /**
     * One container put back (or not), with what was done or why not. run/RunRegistry records them
     * as a RECOVERY run of their plan, notify/EventNotices tells them: both observe {@link Recovered}.
     */
    public record PutBack(String container, boolean succeeded, String message) {
    }

    public CrashRecovery(QuiesceJournal journal, Quiescer quiescer, Helpers helpers,
                         jakarta.enterprise.event.Event<Recovered> recovered) {
        this.recovered = recovered;
        this.journal = journal;
        this.quiescer = quiescer;
        this.helpers = helpers;
    }

    void recover(@Observes @Priority(1) StartupEvent ignored) {
        helpers.removeLeftovers();
        Map<String, List<PutBack>> byPlan = new LinkedHashMap<>();
        // newest first, as undo does: a stopped chain restarts its dependency before its dependants
        List<QuiesceJournal.Entry> pending = new ArrayList<>(journal.pending());
        Collections.reverse(pending);
        for (QuiesceJournal.Entry entry : pending) {
            String left = entry.action().name().toLowerCase() + " by run " + entry.runId() + " at " + entry.at();
            PutBack result;
            if (entry.action() == QuiesceJournal.Action.SCALED) {
                // a manager is asked, which may take minutes to answer after a restart: not on the way to start
                String message = "its Swarm service " + entry.service() + " is scaled back to " + entry.replicas()
                        + " in the background after the sidecar stopped mid-run (" + left + ")";
                LOG.warnf("crash recovery: container %s: %s", entry.containerName(), message);
                byPlan.computeIfAbsent(entry.plan(), p -> new ArrayList<>())
                        .add(new PutBack(entry.containerName(), true, message));
                continue;
            }
            try {
                boolean changed = quiescer.recover(entry);
                String message = (changed ? entry.action() == QuiesceJournal.Action.PAUSED ? "unpaused" : "started"
                        : "found already running") + " after the sidecar stopped mid-run (" + left + ")";
                LOG.warnf("crash recovery: container %s %s", entry.containerName(), message);
                result = new PutBack(entry.containerName(), true, message);
            } catch (RuntimeException e) {
                String message = "could not be put back (" + left + "): " + e.getMessage();
                LOG.errorf("crash recovery: container %s %s", entry.containerName(), message);
                result = new PutBack(entry.containerName(), false, message);
            }
            byPlan.computeIfAbsent(entry.plan(), p -> new ArrayList<>()).add(result);
        }
        if (!byPlan.isEmpty()) {
            recovered.fire(new Recovered(byPlan));
        }
        List<QuiesceJournal.Entry> scaledByTheCrashedRun = journal.pending().stream()
                .filter(e -> e.action() == QuiesceJournal.Action.SCALED).toList();
        if (!scaledByTheCrashedRun.isEmpty()) {
            Daemons.start("swarm-scale-back", () -> scaleBackUntilDone(scaledByTheCrashedRun));
        }
        Daemons.start("remote-unlock", helpers::unlockRemoteRepos);
    }

    /**
     * A Swarm service scaled to 0 is scaled back by a manager, which may not answer yet when a node
     * starts (its own sidecar-repos task restarting too): asked again every {@link #SCALE_BACK_EVERY}
     * until it is done, each new reason logged once. Only what the stopped sidecar left: a restore
     * started since journals its own scale to 0, and scaling that back would start the task under it.
     */
    private void scaleBackUntilDone(List<QuiesceJournal.Entry> scaledByTheCrashedRun) {
        String lastWhy = null;
        while (true) {
            List<QuiesceJournal.Entry> left = stillPending(journal.pending(), scaledByTheCrashedRun);
            if (left.isEmpty()) {
                return;
            }
            for (QuiesceJournal.Entry entry : left) {
                try {
                    boolean changed = quiescer.recover(entry);
                    LOG.warnf("crash recovery: Swarm service %s %s", entry.service(), changed
                            ? "scaled back to " + entry.replicas() + " after the sidecar stopped with it at 0"
                            : "found scaled by someone else since: left as it is");
                } catch (RuntimeException e) {
                    if (!String.valueOf(e.getMessage()).equals(lastWhy)) {
                        LOG.errorf("crash recovery: Swarm service %s is still at 0 replicas (%s); asked again every %d s",
                                entry.service(), e.getMessage(), SCALE_BACK_EVERY.toSeconds());
                        lastWhy = String.valueOf(e.getMessage());
                    }
                }
            }
            try {
                Thread.sleep(SCALE_BACK_EVERY.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The entries of {@code leftByTheCrash} that are still in the journal ({@code pending}), and no others. */
    static List<QuiesceJournal.Entry> stillPending(List<QuiesceJournal.Entry> pending,
                                                  List<QuiesceJournal.Entry> leftByTheCrash) {
        return pending.stream().filter(leftByTheCrash::contains).toList();
    }
}
