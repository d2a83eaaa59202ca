package org.backrestsidecar.progress;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * restic {@code backup --json} prints a status line every so often, e.g.
 * {@code {"message_type":"status","percent_done":0.4,"total_files":3,"total_bytes":1048576,"bytes_done":419430}}
 * ({@code total_bytes} grows while restic still scans, and is missing for stdin). Those lines become the progress of the part
 * under way; everything still goes on to {@code alsoTo}, where the summary is looked for.
 */
final class ResticStatusLines extends OutputStream {
    private static final Pattern DONE = Pattern.compile("\"bytes_done\":(\\d+)");
    private static final Pattern TOTAL = Pattern.compile("\"total_bytes\":(\\d+)");
    private static final int LONGEST_LINE = 64 * 1024;
    private final Progress progress;
    private final OutputStream alsoTo;
    private final StringBuilder line = new StringBuilder();

    ResticStatusLines(Progress progress, OutputStream alsoTo) {
        this.progress = progress;
        this.alsoTo = alsoTo;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
        alsoTo.write(b, off, len);
        String text = new String(b, off, len, StandardCharsets.ISO_8859_1);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n') {
                read(line);
                line.setLength(0);
            } else if (line.length() < LONGEST_LINE) {
                line.append(c);
            }
        }
    }

    private void read(CharSequence status) {
        if (!status.toString().startsWith("{\"message_type\":\"status\"")) {
            return;
        }
        Matcher done = DONE.matcher(status);
        Matcher total = TOTAL.matcher(status);
        long bytesDone = done.find() ? Long.parseLong(done.group(1)) : 0;
        long bytesTotal = total.find() ? Long.parseLong(total.group(1)) : -1;
        progress.resticStatus(bytesDone, bytesTotal);
    }

    @Override
    public void flush() throws IOException {
        alsoTo.flush();
    }
}
