package org.backrestsidecar.strategy;

import java.util.List;
import org.backrestsidecar.discovery.Target;

/**
 * How a wal-mode Postgres target is backed up in a plan's run: a physical base backup and the facts
 * at its restore point, where a dump-mode one is dumped. postgres/wal/BaseBackups does it and provides this,
 * so that strategy does not reach into wal and the two form no circle (docs/architecture.md).
 */
public interface BaseBackup {
    /** Takes the base backup of {@code target} into {@code backup}, with the facts of {@code databases}. */
    void backUp(Target target, TargetBackup backup, List<String> databases) throws Exception;
}
