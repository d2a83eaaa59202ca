package org.backrestsidecar.drill;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which entrypoint runs a drill's own command in a container like the target's. */
class ThrowawaysTest {
    @Test
    void aComposeShellWrapperGivesWayToTheImagesEntrypoint() {
        // the bundle's Redis: the wrapper would run its own redis-server line and ignore ours
        assertEquals(List.of("docker-entrypoint.sh"), Throwaways.entrypointFor(List.of("sh", "-c",
                "exec docker-entrypoint.sh redis-server --appendonly no --requirepass \"$REDIS_PASSWORD\"")));
        assertEquals(List.of(""), Throwaways.entrypointFor(List.of("/bin/bash", "-c", "exec my-server --flag")));
    }

    @Test
    void anImagesOwnEntrypointStays() {
        assertEquals(List.of("docker-entrypoint.sh"), Throwaways.entrypointFor(List.of("docker-entrypoint.sh")));
        assertEquals(List.of("/usr/bin/tini", "--"), Throwaways.entrypointFor(List.of("/usr/bin/tini", "--")));
    }
}
