package org.backrestsidecar.postgres.wal;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.backrestsidecar.state.StateFile;

/**
 * One target's WAL on the sidecar's disk, as {@code pg_receivewal} writes it: every segment since the
 * current chain's base backup began, shipped whole into the repo each time (restic stores only what
 * changed), so the chain's newest WAL snapshot alone holds all it needs. Segments before the base
 * are dropped when a new base backup starts a new chain; the server's disk never holds them for us.
 */
final class Spool {
    private static final Pattern SEGMENT = Pattern.compile("[0-9A-F]{24}(\\.partial)?");
    private final Path dir;
    private final Path chainFile;
    private final Path holeFile;
    private final ObjectMapper json;

    /**
     * The base backup a chain of WAL belongs to.
     *
     * @param base         the run that made the base backup
     * @param firstSegment the segment the base backup began in: no older one is needed
     * @param system       the server's system identifier: WAL of another server never joins the chain
     */
    record Chain(String base, String firstSegment, Instant since, String system) {
    }

    Spool(Path stateDir, String target, ObjectMapper json) {
        this.dir = stateDir.resolve("wal").resolve(target);
        this.chainFile = stateDir.resolve("wal").resolve(target + ".chain.json");
        this.holeFile = stateDir.resolve("wal").resolve(target + ".hole");
        this.json = json;
    }

    Path dir() {
        return dir;
    }

    void create() throws IOException {
        Files.createDirectories(dir);
    }

    Optional<Chain> chain() {
        try {
            return Files.exists(chainFile) ? Optional.of(json.readValue(chainFile.toFile(), Chain.class)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** A new chain: a hole before it is closed. */
    void chain(Chain chain) throws IOException {
        StateFile.write(chainFile, json.writeValueAsBytes(chain));
        Files.deleteIfExists(holeFile);
    }

    /**
     * Notes that WAL was lost at {@code since}: on disk, so that a sidecar started after a crash
     * still knows the chain is broken and takes the base backup that closes it.
     */
    void markHole(Instant since) throws IOException {
        if (hole().isEmpty()) {
            Files.createDirectories(holeFile.getParent());
            StateFile.write(holeFile, since.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    /** When the chain lost WAL, while no base backup has closed that hole yet. */
    Optional<Instant> hole() {
        try {
            return Files.exists(holeFile) ? Optional.of(Instant.parse(Files.readString(holeFile).strip())) : Optional.empty();
        } catch (IOException | java.time.format.DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** Forgets the chain: nothing is shipped until a new base backup starts the next one. */
    void endChain() throws IOException {
        Files.deleteIfExists(chainFile);
    }

    /** The segment files (and timeline history files), by name. */
    List<Path> files() throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }

    /** What is there now, by name, size and change time: equal means nothing new to ship. */
    String fingerprint() throws IOException {
        StringBuilder b = new StringBuilder();
        for (Path f : files()) {
            try {
                String line = f.getFileName() + ":" + Files.size(f) + ":" + Files.getLastModifiedTime(f).toMillis();
                b.append(line).append('\n');
            } catch (java.nio.file.NoSuchFileException renamed) {
                // pg_receivewal renamed X.partial to X since the listing: X is in the next look
            }
        }
        return b.toString();
    }

    /**
     * Drops the segments a chain beginning in {@code firstSegment} does not need: older segment
     * numbers, and older timelines'. History files stay: recovery reads them to follow a timeline.
     */
    int trimBefore(String firstSegment) throws IOException {
        int dropped = 0;
        for (Path f : files()) {
            String name = f.getFileName().toString();
            if (SEGMENT.matcher(name).matches() && (name.substring(8, 24).compareTo(firstSegment.substring(8, 24)) < 0
                    || name.substring(0, 8).compareTo(firstSegment.substring(0, 8)) < 0)) {
                Files.delete(f);
                dropped++;
            }
        }
        return dropped;
    }

    /** Empties the folder: after a restore over the live server its old timeline's WAL is no use here. */
    void wipe() throws IOException {
        for (Path f : files()) {
            Files.delete(f);
        }
        endChain();
    }
}
