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
import org.backrestsidecar.run.RunRegistry;
import org.backrestsidecar.run.TargetResult;
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
    private final QuiesceJournal journal;
    private final Quiescer quiescer;
    private final RunRegistry runs;
    private final Helpers helpers;

    private final jakarta.enterprise.event.Event<Recovered> recovered;

    /** What a start-up found left paused or stopped by a sidecar that stopped mid-run, and what it did. */
    public record Recovered(Map<String, List<TargetResult>> byPlan) {
    }

    public CrashRecovery(QuiesceJournal journal, Quiescer quiescer, RunRegistry runs, Helpers helpers,
                         jakarta.enterprise.event.Event<Recovered> recovered) {
        this.recovered = recovered;
        this.journal = journal;
        this.quiescer = quiescer;
        this.runs = runs;
        this.helpers = helpers;
    }

    void recover(@Observes @Priority(1) StartupEvent ignored) {
        helpers.removeLeftovers();
        Map<String, List<TargetResult>> byPlan = new LinkedHashMap<>();
        // newest first, as undo does: a stopped chain restarts its dependency before its dependants
        List<QuiesceJournal.Entry> pending = new ArrayList<>(journal.pending());
        Collections.reverse(pending);
        for (QuiesceJournal.Entry entry : pending) {
            String left = entry.action().name().toLowerCase() + " by run " + entry.runId() + " at " + entry.at();
            TargetResult result;
            try {
                boolean changed = quiescer.recover(entry);
                String message = (changed ? entry.action() == QuiesceJournal.Action.PAUSED ? "unpaused" : "started"
                        : "found already running") + " after the sidecar stopped mid-run (" + left + ")";
                LOG.warnf("crash recovery: container %s %s", entry.containerName(), message);
                result = TargetResult.action(entry.containerName(), "recovery", true, message);
            } catch (RuntimeException e) {
                String message = "could not be put back (" + left + "): " + e.getMessage();
                LOG.errorf("crash recovery: container %s %s", entry.containerName(), message);
                result = TargetResult.action(entry.containerName(), "recovery", false, message);
            }
            byPlan.computeIfAbsent(entry.plan(), p -> new ArrayList<>()).add(result);
        }
        byPlan.forEach(runs::recordRecovery);
        if (!byPlan.isEmpty()) {
            recovered.fire(new Recovered(byPlan));
        }
        Daemons.start("remote-unlock", helpers::unlockRemoteRepos);
    }
}
