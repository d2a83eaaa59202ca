package org.backrestsidecar.access;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.backrestsidecar.config.SidecarConfig;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Every change asked of the API and every refused request, one JSON line each in
 * {@code stateDir/audit/audit.log}: appended, forced to disk before the answer goes out, never
 * rewritten. A full file is renamed to {@code audit.log.1} (the older ones move up, the oldest beyond
 * {@code keep} is removed), so the log stays bounded and each line stays where it was written.
 */
@ApplicationScoped
public class AuditLog {
    private static final Logger LOG = Logger.getLogger(AuditLog.class);

    /** One line: when, who (and their role), from where, what, and how it ended. */
    public record Entry(Instant at, String who, String role, String from, String method, String path, int status,
                        String outcome, String detail) {
    }

    private final Path dir;
    private final Path current;
    private final ObjectMapper json;
    private final long maxBytes;
    private final int keep;

    public AuditLog(SidecarConfig config, ObjectMapper json,
                    @ConfigProperty(name = "sidecar.audit.max-bytes", defaultValue = "10485760") long maxBytes,
                    @ConfigProperty(name = "sidecar.audit.keep", defaultValue = "10") int keep) {
        this.dir = config.stateDir().resolve("audit");
        this.current = dir.resolve("audit.log");
        this.json = json;
        this.maxBytes = maxBytes;
        this.keep = keep;
    }

    public synchronized void append(Entry entry) {
        try {
            Files.createDirectories(dir);
            if (Files.exists(current) && Files.size(current) >= maxBytes) {
                rotate();
            }
            byte[] line = (json.writeValueAsString(entry) + "\n").getBytes(StandardCharsets.UTF_8);
            try (FileChannel out = FileChannel.open(current, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND)) {
                out.write(ByteBuffer.wrap(line));
                out.force(false);
            }
        } catch (IOException e) {
            LOG.errorf("audit log %s cannot be written (%s); the entry was: %s %s %s by %s: %d", current,
                    e.getMessage(), entry.at(), entry.method(), entry.path(), entry.who(), entry.status());
        }
    }

    /** Entries at or after {@code since}, oldest first, at most {@code limit} (the newest of them). */
    public synchronized List<Entry> read(Instant since, int limit) throws IOException {
        List<Entry> out = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        for (int i = keep; i >= 1; i--) {
            files.add(dir.resolve("audit.log." + i));
        }
        files.add(current);
        for (Path file : files) {
            if (!Files.exists(file)) {
                continue;
            }
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                Entry e = json.readValue(line, Entry.class);
                if (since == null || !e.at().isBefore(since)) {
                    out.add(e);
                }
            }
        }
        out.sort(Comparator.comparing(Entry::at));
        return out.size() > limit ? List.copyOf(out.subList(out.size() - limit, out.size())) : out;
    }

    private void rotate() throws IOException {
        Files.deleteIfExists(dir.resolve("audit.log." + keep));
        for (int i = keep - 1; i >= 1; i--) {
            Path older = dir.resolve("audit.log." + i);
            if (Files.exists(older)) {
                Files.move(older, dir.resolve("audit.log." + (i + 1)));
            }
        }
        Files.move(current, dir.resolve("audit.log.1"));
    }
}
