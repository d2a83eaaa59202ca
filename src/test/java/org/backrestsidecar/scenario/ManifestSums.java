package org.backrestsidecar.scenario;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The sums of a base backup's {@code backup_manifest} as Postgres writes and checks them, so a test
 * can change a file of a stored base backup and its manifest so that they agree (as a bug in what
 * wrote both could), and see what only a page check then finds.
 */
final class ManifestSums {
    private static final Pattern RECORDED = Pattern.compile("\"Manifest-Checksum\": \"([0-9a-f]{64})\"");

    private ManifestSums() {
    }

    /**
     * A file's CRC32C as the manifest holds it: Postgres copies the 32-bit sum's bytes out as they
     * lie in memory (little-endian on the machines we run) and writes them in hex.
     */
    static String crc32c(byte[] bytes, int offset, int length) {
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(bytes, offset, length);
        return HexFormat.of().formatHex(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN)
                .putInt((int) crc.getValue()).array());
    }

    /** The manifest's own SHA-256, over everything up to and including the newline before its last line. */
    static String manifestChecksum(String manifest) throws Exception {
        byte[] bytes = manifest.getBytes(StandardCharsets.UTF_8);
        int newlines = 0;
        int at = bytes.length - 1;
        for (; at >= 0; at--) {
            if (bytes[at] == '\n' && ++newlines == 2) {
                break;
            }
        }
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update(bytes, 0, at + 1);
        return HexFormat.of().formatHex(sha.digest());
    }

    /** The checksum pg_basebackup wrote on the manifest's last line. */
    static String recordedManifestChecksum(String manifest) {
        Matcher m = RECORDED.matcher(manifest);
        if (!m.find()) {
            throw new AssertionError("the manifest has no Manifest-Checksum: " + manifest.substring(
                    Math.max(0, manifest.length() - 200)));
        }
        return m.group(1);
    }
}
