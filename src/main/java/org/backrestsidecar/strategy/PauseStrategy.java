package org.backrestsidecar.strategy;

import jakarta.inject.Singleton;
import org.backrestsidecar.discovery.Target;
import org.backrestsidecar.quiesce.Quiesced;
import org.backrestsidecar.quiesce.Quiescer;

/**
 * The container's mounted files, read while the container is paused (frozen, not stopped: its
 * connections and memory survive), within its downtime budget.
 */
@Singleton
public class PauseStrategy extends FileCopyStrategy {
    private final Quiescer quiescer;

    public PauseStrategy(VolumeCopy copy, Quiescer quiescer) {
        super(copy);
        this.quiescer = quiescer;
    }

    @Override
    public String name() {
        return "pause";
    }

    @Override
    Quiesced freeze(Target target, TargetBackup backup) {
        return quiescer.pause(target, backup.tags().plan(), backup.runId());
    }
}
