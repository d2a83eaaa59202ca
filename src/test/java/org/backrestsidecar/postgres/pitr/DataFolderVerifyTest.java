package org.backrestsidecar.postgres.pitr;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The drill's verification of a laid-down base backup, run with the local sh, on the two cases it
 * must pass with a reason rather than fail the drill: a base without a manifest (made before
 * Postgres 13) and an image without pg_verifybackup. What pg_verifybackup itself finds is proven
 * against a real base backup with a changed file in scenario/RestoresToAMomentTest.
 */
class DataFolderVerifyTest {
    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("no manifest", false, "the base backup holds no manifest (made before Postgres 13): "
                        + "its files not verified"),
                Arguments.of("no pg_verifybackup in the image", true, "the image has no pg_verifybackup: the files of "
                        + "the base backup not verified"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void passesSayingWhyNothingWasVerified(String name, boolean manifest, String said, @TempDir Path pgdata)
            throws Exception {
        Files.writeString(pgdata.resolve("PG_VERSION"), "15\n");
        if (manifest) {
            Files.writeString(pgdata.resolve("backup_manifest"), "{}\n");
        }
        // an empty PATH: what the script runs besides pg_verifybackup is built into sh
        Path bin = Files.createDirectory(pgdata.resolve("pgsql_tmp.empty-bin"));
        ProcessBuilder pb = new ProcessBuilder(List.of("/bin/sh", "-c", DataFolder.VERIFY)).redirectErrorStream(true);
        pb.environment().put("PATH", bin.toString());
        pb.environment().put("PGDATA", pgdata.toString());
        pb.environment().put("ASIDE", DataFolder.ASIDE_PREFIX + "drill");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, p.waitFor(), out);
        assertEquals(said, out);
    }
}
