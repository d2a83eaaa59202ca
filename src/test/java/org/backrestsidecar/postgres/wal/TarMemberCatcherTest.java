package org.backrestsidecar.postgres.wal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The manifest kept from a base backup's tar stream as it passes to restic: the stream passes
 * unchanged, and the member is caught whole however the stream is cut into writes (pg_basebackup's
 * output comes through the engine in frames of any size).
 */
class TarMemberCatcherTest {
    private static byte[] tar(String manifestName, byte[] manifest) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            member(tar, "PG_VERSION", "17\n".getBytes(StandardCharsets.US_ASCII));
            member(tar, "base/5/16388", new byte[8192 * 3 + 17]);
            member(tar, "base/5/" + "x".repeat(120), new byte[700]); // a long name: a pax header before it
            member(tar, "pg_wal/000000010000000000000003", new byte[1 << 16]);
            if (manifestName != null) {
                member(tar, manifestName, manifest);
            }
        }
        return bytes.toByteArray();
    }

    private static void member(TarArchiveOutputStream tar, String name, byte[] content) throws Exception {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(content.length);
        tar.putArchiveEntry(e);
        tar.write(content);
        tar.closeArchiveEntry();
    }

    @ParameterizedTest(name = "{0} in writes of {1} bytes, limit {2}")
    @CsvSource(delimiter = '|', value = {
            "backup_manifest   | 1     | 1048576 | caught",
            "backup_manifest   | 511   | 1048576 | caught",
            "backup_manifest   | 512   | 1048576 | caught",
            "backup_manifest   | 4099  | 1048576 | caught",
            "backup_manifest   | 65536 | 1048576 | caught",
            "backup_manifest   | 4099  | 100     | none",   // larger than the limit: not kept
            "base/backup_manifest | 4099 | 1048576 | none", // another file of that name
            "''                | 4099  | 1048576 | none",   // no manifest (pg_basebackup before 13)
    })
    void theManifestIsCaughtWholeAndTheStreamPassesUnchanged(String name, int chunk, long limit, String expect)
            throws Exception {
        byte[] manifest = ("{ \"PostgreSQL-Backup-Manifest-Version\": 2,\n\"Files\": [\n" + "{ \"Path\": \"x\" },\n".repeat(300)
                + "] }\n").getBytes(StandardCharsets.UTF_8);
        byte[] stream = tar(name.isEmpty() ? null : name, manifest);
        ByteArrayOutputStream passed = new ByteArrayOutputStream();
        TarMemberCatcher catcher = new TarMemberCatcher(passed, "backup_manifest", limit);
        for (int i = 0; i < stream.length; i += chunk) {
            catcher.write(stream, i, Math.min(chunk, stream.length - i));
        }
        assertArrayEquals(stream, passed.toByteArray(), "the stream passes unchanged");
        if (expect.equals("caught")) {
            assertArrayEquals(manifest, catcher.caught().orElseThrow());
        } else {
            assertEquals(Optional.empty(), catcher.caught());
        }
    }
}
