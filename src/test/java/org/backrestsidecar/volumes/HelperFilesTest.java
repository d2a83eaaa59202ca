package org.backrestsidecar.volumes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.backrestsidecar.config.RepoConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a helper container is given to reach a remote primary as the sidecar does. */
class HelperFilesTest {
    @TempDir
    Path dir;

    @Test
    void theKeyAndEveryFileAnOptionNamesAtTheSamePath() throws Exception {
        Path key = Files.writeString(dir.resolve("critical.key"), "secret");
        Path ssh = Files.writeString(dir.resolve("repo-ssh"), "private key");
        RepoConfig repo = new RepoConfig("critical", "sftp:restic@repo:/data/critical", key, Map.of(), Map.of(),
                Map.of("sftp.command", "ssh -i " + ssh + " -p 2222 -F /no/such/ssh_config -o UserKnownHostsFile=/dev/null -o IdentityFile="
                        + ssh + " restic@repo -s sftp", "sftp.connections", "5"), List.of());
        // /dev/null is no file to hand over, and a path that is not here (the server's) is left alone
        assertEquals(Map.of("tmp/backrest-sidecar.key", key, ssh.toString().substring(1), ssh),
                Helpers.helperFiles(repo));
    }

    @Test
    void aRepoWithoutOptionsGivesOnlyItsKey() throws Exception {
        Path key = Files.writeString(dir.resolve("models.key"), "secret");
        RepoConfig repo = new RepoConfig("models", "/repos/models", key, Map.of());
        assertEquals(Map.of("tmp/backrest-sidecar.key", key), Helpers.helperFiles(repo));
    }
}
