package org.backrestsidecar.strategy;

import jakarta.inject.Singleton;
import org.backrestsidecar.discovery.Target;
import org.backrestsidecar.quiesce.Quiesced;
import org.backrestsidecar.quiesce.Quiescer;
import org.backrestsidecar.volumes.VolumeCopy;

/**
 * The container's mounted files, read while it is stopped. Whatever depends on it (Compose
 * depends_on, {@code network_mode: service:X}, {@code backup.stop.after}) is stopped first and
 * started last; only what was running is started again.
 */
@Singleton
public class StopStrategy extends FileCopyStrategy {
    private final Quiescer quiescer;

    public StopStrategy(VolumeCopy copy, Quiescer quiescer) {
        super(copy);
        this.quiescer = quiescer;
    }

    @Override
    public String name() {
        return "stop";
    }

    @Override
    Quiesced freeze(Target target, TargetBackup backup) {
        return quiescer.stopWithDependants(target, backup.tags().plan(), backup.runId(), backup::note);
    }
}
