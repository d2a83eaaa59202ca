package org.backrestsidecar.strategy;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Set;
import org.backrestsidecar.discovery.Target;
import org.backrestsidecar.quiesce.Quiescer;
import org.backrestsidecar.volumes.VolumeCopy;

/**
 * The container's mounted files, read while the container is paused (frozen, not stopped: its
 * connections and memory survive), within its downtime budget.
 */
@ApplicationScoped
public class PauseStrategy implements BackupStrategy {
    private final VolumeCopy copy;
    private final Quiescer quiescer;

    public PauseStrategy(VolumeCopy copy, Quiescer quiescer) {
        this.copy = copy;
        this.quiescer = quiescer;
    }

    @Override
    public String name() {
        return "pause";
    }

    @Override
    public boolean needsRunningContainer() {
        return false;
    }

    @Override
    public Set<String> optionKeys() {
        return Set.of("paths");
    }

    @Override
    public void backUp(Target target, TargetBackup backup) throws Exception {
        copy.copy(target, backup, copy.paths(target), List.of(),
                t -> quiescer.pause(t, backup.tags().plan(), backup.runId()));
    }
}
