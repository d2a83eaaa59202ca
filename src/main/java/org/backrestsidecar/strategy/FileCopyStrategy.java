package org.backrestsidecar.strategy;

import java.util.List;
import java.util.Set;
import org.backrestsidecar.discovery.Target;
import org.backrestsidecar.quiesce.Quiesced;

/**
 * The strategies that store a container's mounted files as they are; they differ only in what holds
 * the container still while restic reads (nothing, a pause, a stop). Subclasses are {@code @Singleton}:
 * a client proxy would need a no-argument constructor this class does not have.
 */
abstract class FileCopyStrategy implements BackupStrategy {
    private final VolumeCopy copy;

    FileCopyStrategy(VolumeCopy copy) {
        this.copy = copy;
    }

    /** Pauses or stops what must hold still; an empty {@link Quiesced} for a live copy. */
    abstract Quiesced freeze(Target target, TargetBackup backup);

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
        copy.copy(target, backup, copy.paths(target), List.of(), t -> freeze(t, backup));
    }
}
