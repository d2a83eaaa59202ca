package org.backrestsidecar.restic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.testing.LocalRestic;
import org.backrestsidecar.testing.ResticCli;
import org.backrestsidecar.testing.TestDocker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * The sidecar and Backrest (an old config's autoInitialize: a plain {@code restic init} with the same
 * key) creating the same local repo at the same moment, with real restic: whoever wins, the repo
 * that is left opens with the key. Two inits writing into one folder left a config and keys that do
 * not belong together ("config or key is damaged"), which the bundle test met.
 */
// In the end-to-end suite (pom.xml engine.only.tests), beside its chain as the Swarm test is: it needs
// the engine and no sidecar. Its own cases one after the other.
@Execution(ExecutionMode.CONCURRENT)
class InitRaceTest {
    @TempDir
    Path dir;

    @Test
    @Execution(ExecutionMode.SAME_THREAD)
    void aRepoCreatedByTwoAtOnceStillOpens() throws Exception {
        Path key = dir.resolve("key");
        Files.writeString(key, "init-race-key-0123456789abcdef\n");
        for (int round = 0; round < 4; round++) {
            Path path = dir.resolve("repo" + round);
            RepoConfig repo = new RepoConfig("r" + round, path.toString(), key, Map.of());
            Repository repository = new Repository(LocalRestic.command(dir, List.of(repo), List.of()));
            CompletableFuture<String> backrest = CompletableFuture.supplyAsync(() -> {
                try {
                    return TestDocker.run(List.of("sh", "-c", "restic --repo " + path + " --password-file " + key
                            + " init 2>&1 || true"), Map.of());
                } catch (Exception e) {
                    return e.toString();
                }
            });
            repository.ensureInitialized(repo);
            backrest.get();
            String config1 = ResticCli.run(path, key, "cat", "config");
            assertTrue(config1.contains("chunker_polynomial"), "round " + round + ": " + config1);
            assertEquals(Optional.empty(), repository.openProblem(repo), "round " + round);
        }
    }
}
