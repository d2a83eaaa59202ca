package org.backrestsidecar.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import org.backrestsidecar.config.AccessConfig;
import org.backrestsidecar.config.DrillConfig;
import org.backrestsidecar.config.NotificationsConfig;
import org.backrestsidecar.config.PlanConfig;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.config.SidecarConfig;
import org.backrestsidecar.restic.QuickKeys;
import org.backrestsidecar.restic.ResticCommand;

/**
 * The sidecar's restic runner over local repos, for the tests of restic itself (retention, init
 * races, exit codes): real restic, with the config a sidecar with only these repos and plans has.
 */
public final class LocalRestic {
    private LocalRestic() {
    }

    /** @param dir where the sidecar's config and state would be */
    public static ResticCommand command(Path dir, List<RepoConfig> repos, List<PlanConfig> plans) {
        return new ResticCommand(config(dir, repos, plans), new ObjectMapper());
    }

    /** As the sidecar's own: each local repo with a long key gets its quick key (restic/QuickKeys). */
    public static ResticCommand withQuickKeys(Path dir, List<RepoConfig> repos, boolean quickKeys) {
        return withQuickKeys(dir, repos, new QuickKeys(quickKeys));
    }

    /** With the test's own {@link QuickKeys}, to ask it what it knows. */
    public static ResticCommand withQuickKeys(Path dir, List<RepoConfig> repos, QuickKeys quickKeys) {
        return new ResticCommand(config(dir, repos, List.of()), new ObjectMapper(), null, quickKeys, "2m");
    }

    private static SidecarConfig config(Path dir, List<RepoConfig> repos, List<PlanConfig> plans) {
        return new SidecarConfig(dir.resolve("sidecar.yml"), "host", "backup", Optional.empty(),
                ZoneId.of("UTC"), dir.resolve("state"), Optional.empty(), Optional.empty(), repos, plans,
                DrillConfig.DEFAULT, NotificationsConfig.DEFAULT, AccessConfig.DEFAULT);
    }
}
