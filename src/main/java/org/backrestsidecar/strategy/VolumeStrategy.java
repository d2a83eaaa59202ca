package org.backrestsidecar.strategy;

import jakarta.inject.Singleton;
import org.backrestsidecar.discovery.Target;
import org.backrestsidecar.quiesce.Quiesced;

/**
 * The container's mounted files, read live, with the paths it sees. Right for data that is never
 * rewritten in place, such as Ollama's content-addressed model blobs: restic stores an unchanged
 * blob once, so a second run with the same models adds almost nothing.
 */
@Singleton
public class VolumeStrategy extends FileCopyStrategy {

    public VolumeStrategy(VolumeCopy copy) {
        super(copy);
    }

    @Override
    public String name() {
        return "volume";
    }

    @Override
    Quiesced freeze(Target target, TargetBackup backup) {
        return Quiesced.none();
    }
}
