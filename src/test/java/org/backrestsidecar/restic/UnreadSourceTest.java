package org.backrestsidecar.restic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.backrestsidecar.config.Priority;
import org.backrestsidecar.config.RepoConfig;
import org.backrestsidecar.testing.LocalRestic;
import org.backrestsidecar.testing.ResticCli;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * restic's exit code as the WAL ship acts on it (postgres/wal/Archiver ships a spool again only on exit 3, a
 * source that changed under restic), with real restic: a source it cannot read is exit 3, a wrong
 * key is not; and a WAL spool whose {@code .partial} segment is renamed while restic reads the
 * segments before it, as pg_receivewal does when a segment is full, is exactly that exit 3.
 */
class UnreadSourceTest {
    private static final int SEGMENT = 48 * 1024 * 1024;
    @TempDir
    Path dir;
    private RepoConfig repo;
    private Backup backup;

    @BeforeEach
    void repo() throws Exception {
        Path key = dir.resolve("key");
        Files.writeString(key, "unread-source-test-key-0123456789\n");
        repo = new RepoConfig("r", dir.resolve("repo").toString(), key, Map.of());
        ResticCommand restic = LocalRestic.command(dir, List.of(repo), List.of());
        new Repository(restic).ensureInitialized(repo);
        backup = new Backup(restic, new Forget(restic, new Snapshots(restic)));
    }

    @Test
    void aSourceThatCannotBeReadIsExit3AndAWrongKeyIsNot() throws Exception {
        Path good = Files.writeString(dir.resolve("good.txt"), "read\n");
        // /proc/self/mem is listed as a file of size 0 and fails every read from its start
        ResticException unread = assertThrows(ResticException.class, () -> backup.backupPaths(repo,
                List.of(good, Path.of("/proc/self/mem")), SnapshotTags.ofRun("p", "host", "t", "run-1"), "host", Priority.FULL));
        assertEquals(3, unread.exitCode(), unread.getMessage());
        assertTrue(unread.someSourceUnread(), unread.getMessage());

        Path otherKey = Files.writeString(dir.resolve("other-key"), "not-the-key\n");
        RepoConfig wrong = new RepoConfig("r", repo.uri(), otherKey, Map.of());
        ResticException denied = assertThrows(ResticException.class, () -> backup.backupPaths(wrong,
                List.of(good), SnapshotTags.ofRun("p", "host", "t", "run-1"), "host", Priority.FULL));
        assertFalse(denied.someSourceUnread(), denied.getMessage());
        assertEquals(1, denied.exitCode(), denied.getMessage());
    }

    /**
     * The moment a busy server's ship failed in the side-by-side runs: restic has listed the spool and
     * reads its first segments when the {@code .partial} one is renamed to its full name. restic
     * reads two files at a time in name order, so the rename is made once it holds the first one open.
     */
    @Test
    void aPartialSegmentRenamedWhileResticReadsTheSpoolIsExit3AndTheNextShipHasIt() throws Exception {
        Path spool = Files.createDirectory(dir.resolve("spool"));
        Random random = new Random(7);
        for (int i = 1; i <= 3; i++) {
            segment(spool.resolve(String.format("0000000100000000000000%02X", i)), random);
        }
        Path partial = segment(spool.resolve("000000010000000000000004.partial"), random);
        Path full = spool.resolve("000000010000000000000004");
        Path first = spool.resolve("000000010000000000000001");
        CompletableFuture<Boolean> renamed = CompletableFuture.supplyAsync(() -> renameOnceOpen(first, partial, full));
        ResticException unread = assertThrows(ResticException.class, () -> backup.backupPaths(repo,
                List.of(spool), SnapshotTags.ofRun("p", "host", "t", "run-1"), "host", Priority.FULL));
        assertTrue(renamed.get(), "the rename was made while restic read the first segment");
        assertTrue(unread.someSourceUnread(), unread.getMessage());

        StoredSnapshot again = backup.backupPaths(repo, List.of(spool), SnapshotTags.ofRun("p", "host", "t", "run-1"), "host",
                Priority.FULL);
        String listed = ResticCli.run(Path.of(repo.uri()), repo.keyFile(), "ls", again.id());
        assertTrue(listed.contains(full.toString() + "\n"), listed);
        assertFalse(listed.contains(".partial"), listed);
    }

    private static Path segment(Path file, Random random) throws IOException {
        byte[] block = new byte[1024 * 1024];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int written = 0; written < SEGMENT; written += block.length) {
                random.nextBytes(block);
                out.write(block);
            }
        }
        return file;
    }

    /** Waits for a restic process to hold {@code first} open, then renames; false if it never did. */
    private static boolean renameOnceOpen(Path first, Path partial, Path full) {
        Instant giveUp = Instant.now().plus(Duration.ofMinutes(1));
        try {
            while (Instant.now().isBefore(giveUp)) {
                try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
                    for (Path proc : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                        if (holdsOpen(proc, first)) {
                            Files.move(partial, full);
                            return true;
                        }
                    }
                }
                Thread.sleep(5);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    private static boolean holdsOpen(Path proc, Path file) {
        try (Stream<Path> fds = Files.list(proc.resolve("fd"))) {
            return fds.anyMatch(fd -> {
                try {
                    return Files.readSymbolicLink(fd).equals(file);
                } catch (IOException e) {
                    return false;
                }
            });
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
