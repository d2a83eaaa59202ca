package org.backrestsidecar.docker;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Keeps only the last {@code keep} bytes written: enough of a chatty command's output to report. */
public final class TailBuffer extends OutputStream {
    private final int keep;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();

    public TailBuffer(int keep) {
        this.keep = keep;
    }

    @Override
    public synchronized void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        if (buffer.size() + len > keep) {
            byte[] all = buffer.toByteArray();
            buffer.reset();
            int from = Math.max(0, all.length - keep / 2);
            buffer.write(all, from, all.length - from);
        }
        buffer.write(b, off, len);
    }

    public synchronized String text() {
        return buffer.toString(StandardCharsets.UTF_8);
    }
}
