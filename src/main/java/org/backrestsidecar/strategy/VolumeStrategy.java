package org.backrestsidecar.strategy;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Set;
import org.backrestsidecar.discovery.Target;
import org.backrestsidecar.quiesce.Quiesced;
import org.backrestsidecar.volumes.VolumeCopy;

/**
 * The container's mounted files, read live, with the paths it sees. Right for data that is never
 * rewritten in place, such as Ollama's content-addressed model blobs: restic stores an unchanged
 * blob once, so a second run with the same models adds almost nothing.
 */
@ApplicationScoped
public class VolumeStrategy implements BackupStrategy {
    private final VolumeCopy copy;

    public VolumeStrategy(VolumeCopy copy) {
        this.copy = copy;
    }

    @Override
    public String name() {
        return "volume";
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
        copy.copy(target, backup, copy.paths(target), List.of(), t -> Quiesced.none());
    }
}
