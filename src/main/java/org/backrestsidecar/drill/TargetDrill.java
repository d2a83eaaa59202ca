package org.backrestsidecar.drill;

import org.backrestsidecar.progress.Progress;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.discovery.Target;
import org.backrestsidecar.restore.BackupSet;
import org.backrestsidecar.strategy.BackupFacts;

/**
 * How to prove one kind of container's backup restores: restore it into a throwaway container that
 * shares nothing with the live one, check it against the facts recorded at backup time, remove the
 * throwaway on every path.
 */
public interface TargetDrill {

    /**
     * What one drill of one target showed. {@code unproven}: what it could not compare with facts
     * recorded at backup time (a backup made before they were, a run that could not record them),
     * each also among the checks: such a drill passes, and health warns that it proved less.
     */
    record Outcome(double restoreSeconds, List<String> checks, List<String> unproven) {
        public Outcome {
            checks = List.copyOf(checks);
            unproven = List.copyOf(unproven);
        }
    }

    /** A check that could not compare with recorded facts: said among the checks, and kept as unproven. */
    static void unproven(List<String> checks, List<String> unproven, String what) {
        checks.add(what);
        unproven.add(what);
    }

    Set<String> strategies();

    /** Whether it drills this target (by its strategy; a kind may also look at its labels). */
    default boolean handles(Target target) {
        return strategies().contains(target.strategy());
    }

    /**
     * @param facts empty for a backup made before facts were recorded: the restore is still checked
     * @param network where the throwaway goes: {@link DrillNetwork#none()}, or the network of a drill of
     *     the whole plan whose apps start after it; a throwaway that restored well is held there
     *     ({@link DrillNetwork#hold}) for them
     * @throws DrillFailed when the backup does not restore or differs from its facts
     */
    Outcome drill(Target target, RepoConfig repo, BackupSet backup, Optional<BackupFacts> facts, Progress progress,
                  DrillNetwork network) throws Exception;
}
