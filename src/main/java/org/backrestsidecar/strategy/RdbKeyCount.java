package org.backrestsidecar.strategy;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Optional;

/**
 * Passes an RDB file through and reads the key count Redis wrote into its head: RESIZEDB, the size
 * of the first database's table at the moment of the fork, exact even while clients were writing
 * (DBSIZE before or after the save could not be). Only the head is kept, never the file.
 */
public final class RdbKeyCount extends FilterOutputStream {
    private static final int HEAD = 1 << 20;
    private final byte[] head = new byte[HEAD];
    private int kept;

    /** The first database's number and key count. */
    public record Count(long database, long keys) {
    }

    public RdbKeyCount(OutputStream out) {
        super(out);
    }

    @Override
    public void write(int b) throws IOException {
        if (kept < HEAD) {
            head[kept++] = (byte) b;
        }
        out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        int take = Math.min(len, HEAD - kept);
        if (take > 0) {
            System.arraycopy(b, off, head, kept, take);
            kept += take;
        }
        out.write(b, off, len);
    }

    /** The count, or empty when the head holds something this reader does not know (module data). */
    public Optional<Count> count() {
        return parse(Arrays.copyOf(head, kept));
    }

    static Optional<Count> parse(byte[] rdb) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(rdb))) {
            byte[] magic = new byte[9];
            in.readFully(magic);
            if (!new String(magic, 0, 5, java.nio.charset.StandardCharsets.US_ASCII).equals("REDIS")) {
                return Optional.empty();
            }
            while (true) {
                int op = in.readUnsignedByte();
                switch (op) {
                    case 0xFA -> { // AUX field: name, value
                        skipString(in);
                        skipString(in);
                    }
                    case 0xF5 -> skipString(in); // a function library (Redis 7)
                    case 0xFF -> {
                        return Optional.of(new Count(0, 0)); // no database holds a key
                    }
                    case 0xFE -> {
                        long db = length(in);
                        if (in.readUnsignedByte() != 0xFB) {
                            return Optional.empty();
                        }
                        return Optional.of(new Count(db, length(in)));
                    }
                    default -> {
                        return Optional.empty();
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** RDB's length encoding; -1 - kind for the special string encodings. */
    private static long length(DataInputStream in) throws IOException {
        int b = in.readUnsignedByte();
        return switch (b >> 6) {
            case 0 -> b & 0x3F;
            case 1 -> ((long) (b & 0x3F) << 8) | in.readUnsignedByte();
            case 2 -> b == 0x80 ? Integer.toUnsignedLong(in.readInt()) : in.readLong();
            default -> -1 - (b & 0x3F);
        };
    }

    private static void skipString(DataInputStream in) throws IOException {
        long len = length(in);
        if (len >= 0) {
            in.skipNBytes(len);
            return;
        }
        switch ((int) (-1 - len)) {
            case 0 -> in.skipNBytes(1);
            case 1 -> in.skipNBytes(2);
            case 2 -> in.skipNBytes(4);
            case 3 -> { // LZF: compressed length, then the uncompressed one, then the data
                long compressed = length(in);
                length(in);
                in.skipNBytes(compressed);
            }
            default -> throw new IOException("unknown string encoding");
        }
    }
}
