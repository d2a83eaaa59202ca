package org.backrestsidecar.strategy;

import jakarta.inject.Singleton;
import org.backrestsidecar.discovery.Target;
import org.backrestsidecar.quiesce.Quiesced;
import org.backrestsidecar.quiesce.Quiescer;

/**
 * The container's mounted files, read while it is stopped. Whatever depends on it (Compose
 * depends_on, {@code network_mode: service:X}, {@code backup.stop.after}) is stopped first and
 * started last; only what was running is started again. A Swarm task is paused instead.
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
        if (target.swarmTask()) {
            // Swarm takes a stopped task for a failed one and starts a new container in its place,
            // mid-copy and perhaps on another node: the files are read while it is paused instead
            backup.note("paused, not stopped: " + target.swarmService().orElseThrow()
                    + " is a Swarm service, which would replace a stopped task");
            return quiescer.pause(target, backup.tags().plan(), backup.runId());
        }
        return quiescer.stopWithDependants(target, backup.tags().plan(), backup.runId(), backup::note);
    }
}
