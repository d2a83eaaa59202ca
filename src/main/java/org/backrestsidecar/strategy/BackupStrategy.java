package org.backrestsidecar.strategy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.backrestsidecar.discovery.Target;

/**
 * One way of getting a consistent copy of one kind of container into restic. Adding a kind of
 * container is one class implementing this, annotated {@code @ApplicationScoped}.
 */
public interface BackupStrategy {

    /** The value of {@code backup.strategy} that selects it. */
    String name();

    /** The label keys it reads, after the prefix (e.g. {@code postgres.databases}). */
    Set<String> optionKeys();

    /** Problems with the target's label values, as "key: what is wrong"; checked at discovery. */
    default List<String> check(Map<String, String> options) {
        return List.of();
    }

    /**
     * Whether the target must be running: true for strategies that run commands in it; file copies
     * also work on a stopped (or someone else's paused) container and leave it as it is.
     */
    default boolean needsRunningContainer() {
        return true;
    }

    /**
     * Copies the target into its plan's repo through {@code backup}. A part that fails is recorded
     * with {@link TargetBackup#failed} and the rest still copied; an exception fails the whole target.
     */
    void backUp(Target target, TargetBackup backup) throws Exception;
}
