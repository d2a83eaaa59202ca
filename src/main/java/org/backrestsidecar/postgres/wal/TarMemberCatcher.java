package org.backrestsidecar.postgres.wal;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Passes a tar stream through unchanged and keeps a copy of one member's content on the way: the
 * {@code backup_manifest} pg_basebackup writes at the end of a base backup sent to stdout. Storing it
 * beside the base lets the next incremental backup be taken against it without reading the whole
 * base back out of the repo. Reads ustar headers (what the server and pg_basebackup write); any
 * other member is only counted past. A member larger than {@code limit} is not kept.
 */
final class TarMemberCatcher extends FilterOutputStream {
    private static final int BLOCK = 512;
    private final String wanted;
    private final long limit;
    private final byte[] header = new byte[BLOCK];
    private int headerFill;
    /** Bytes of the current member's data (padded to whole blocks) still to pass; 0: a header comes next. */
    private long dataLeft;
    /** Bytes of the current member's content (not padding) still to pass. */
    private long contentLeft;
    private ByteArrayOutputStream catching;
    private byte[] caught;
    private boolean ended;

    TarMemberCatcher(OutputStream out, String wanted, long limit) {
        super(out);
        this.wanted = wanted;
        this.limit = limit;
    }

    /** The member's content, when the stream held it whole (and within the limit). */
    Optional<byte[]> caught() {
        return Optional.ofNullable(caught);
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        int i = off;
        int end = off + len;
        while (i < end && !ended) {
            if (dataLeft > 0) {
                int n = (int) Math.min(dataLeft, end - i);
                if (catching != null && contentLeft > 0) {
                    catching.write(b, i, (int) Math.min(n, contentLeft));
                }
                contentLeft = Math.max(0, contentLeft - n);
                dataLeft -= n;
                i += n;
                if (dataLeft == 0 && catching != null) {
                    caught = catching.toByteArray();
                    catching = null;
                }
                continue;
            }
            int n = Math.min(BLOCK - headerFill, end - i);
            System.arraycopy(b, i, header, headerFill, n);
            headerFill += n;
            i += n;
            if (headerFill == BLOCK) {
                headerFill = 0;
                readHeader();
            }
        }
    }

    private void readHeader() {
        boolean zero = true;
        for (byte x : header) {
            if (x != 0) {
                zero = false;
                break;
            }
        }
        if (zero) {
            ended = true; // the end-of-archive blocks
            return;
        }
        long size = size();
        contentLeft = size;
        dataLeft = (size + BLOCK - 1) / BLOCK * BLOCK;
        byte type = header[156];
        boolean file = type == '0' || type == 0;
        catching = file && name().equals(wanted) && size <= limit ? new ByteArrayOutputStream((int) size) : null;
        if (catching != null && size == 0) {
            caught = new byte[0];
            catching = null;
        }
    }

    private String name() {
        String name = text(0, 100);
        boolean ustar = text(257, 5).equals("ustar");
        String prefix = ustar ? text(345, 155) : "";
        String full = prefix.isEmpty() ? name : prefix + "/" + name;
        return full.startsWith("./") ? full.substring(2) : full;
    }

    private long size() {
        if ((header[124] & 0x80) != 0) {
            long v = 0; // base-256, for members of 8 GiB and more
            for (int i = 125; i < 136; i++) {
                v = (v << 8) | (header[i] & 0xff);
            }
            return v;
        }
        String octal = text(124, 12).strip();
        return octal.isEmpty() ? 0 : Long.parseLong(octal, 8);
    }

    private String text(int from, int length) {
        int end = from;
        while (end < from + length && header[end] != 0) {
            end++;
        }
        return new String(header, from, end - from, StandardCharsets.US_ASCII);
    }
}
