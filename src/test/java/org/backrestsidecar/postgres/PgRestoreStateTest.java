package org.backrestsidecar.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.backrestsidecar.restore.SnapshotFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the restarted sidecar reads of a pg_restore it did not see end (PostgresRestore.STATE beside
 * the shell EXIT_KEPT that leaves it), run with the local sh and /proc. A script named pg_restore
 * stands in for the real one: the protocol is between the two shells, and pg_restore's only part
 * is its exit code. The real pg_restore killed mid-restore is crash/RestoreCutOffIT.
 */
class PgRestoreStateTest {
    @TempDir
    Path dir;
    /** Stand-ins that live 300 s: on a loaded machine the checks after their start may take tens of seconds. */
    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stop() {
        // their children (the sleep) first, so no stand-in outlives the test
        started.forEach(p -> p.descendants().forEach(ProcessHandle::destroyForcibly));
        started.forEach(Process::destroyForcibly);
    }

    @Test
    void aPgRestoreThatRunsIsRunningAndItsExitCodeIsReadOnceItEnded() throws Exception {
        Path dump = dump();
        Path release = dir.resolve("release");
        Process shell = wrapper(dump, "while [ ! -e '" + release + "' ]; do sleep 0.05; done; exit 3");
        await(() -> Files.exists(Path.of(dump + PostgresRestore.STARTED_SUFFIX)));
        assertEquals("running", state(dump));
        Files.createFile(release);
        assertEquals(3, shell.waitFor());
        assertEquals("exit 3", state(dump));
    }

    /**
     * The moment the CI runs fell on: pg_restore has ended and its shell has not yet written the exit
     * code. A look for pg_restore there found nothing and called a restore that ended well gone.
     */
    @Test
    void theShellThatStillWritesTheExitCodeIsRunningThoughPgRestoreEnded() throws Exception {
        Path dump = dump();
        // a process with the shell's command line and no pg_restore under it
        Process shell = start("/bin/sh", "-c", "sleep 300; exit 0", dump.toString(), "pg_restore", "-d", "app",
                dump.toString());
        Files.writeString(Path.of(dump + PostgresRestore.STARTED_SUFFIX), shell.pid() + "\n");
        assertEquals("running", state(dump));
        Files.writeString(Path.of(dump + PostgresRestore.EXIT_SUFFIX), "0\n");
        shell.destroyForcibly().waitFor();
        assertEquals("exit 0", state(dump));
    }

    @Test
    void aMarkWithoutItsShellIsGoneAndAnotherProcessUnderItsIdIsNotTheShell() throws Exception {
        Path dump = dump();
        Process shell = start("/bin/sh", "-c", "exit 0", dump.toString(), "pg_restore", dump.toString());
        shell.waitFor();
        Files.writeString(Path.of(dump + PostgresRestore.STARTED_SUFFIX), shell.pid() + "\n");
        assertEquals("gone", state(dump));
        // after a restart of the container its id may be another's, even one that names the dump
        Process other = start("/bin/sh", "-c", "sleep 300; exit 0", dump.toString());
        Files.writeString(Path.of(dump + PostgresRestore.STARTED_SUFFIX), other.pid() + "\n");
        assertEquals("gone", state(dump));
    }

    @Test
    void noMarkIsNotStarted() throws Exception {
        assertEquals("not started", state(dump()));
    }

    /** A mark left empty by an older version's shell: pg_restore itself is looked for, as that version did. */
    @Test
    void anEmptyMarkLooksForPgRestoreItself() throws Exception {
        Path dump = dump();
        Files.writeString(Path.of(dump + PostgresRestore.STARTED_SUFFIX), "");
        assertEquals("gone", state(dump));
        // a shell named pg_restore, run by name as the older shell ran it: its command line begins
        // with pg_restore and names the dump
        Path bin = Files.createDirectory(dir.resolve("bin"));
        Files.createSymbolicLink(bin.resolve("pg_restore"), Path.of("/bin/sh"));
        start("/bin/sh", "-c", "PATH=\"$1:$PATH\"; exec pg_restore -c 'sleep 300; exit 0' \"$0\"", dump.toString(),
                bin.toString());
        await(() -> state(dump).equals("running"));
        assertEquals("running", state(dump));
    }

    /**
     * A dump streamed in parts (restore/SnapshotFiles.streamInParts): the shell feeds pg_restore each
     * part as its mark comes, in order, removing each once read; pg_restore reads the whole dump, ends
     * well, and its exit code is kept. Parts arrive here one at a time, after the shell waits for them.
     */
    @Test
    void aStreamedDumpIsFedPartByPartInOrderAndItsPartsRemoved() throws Exception {
        Path dump = dir.resolve("backrest-sidecar-restore-1234abcd-app.dump");
        Path got = dir.resolve("got");
        Process shell = fedWrapper(dump, 3, "cat > '" + got + "'");
        await(() -> Files.exists(Path.of(dump + PostgresRestore.STARTED_SUFFIX)));
        for (int n = 0; n < 3; n++) {
            assertEquals("running", state(dump), "waits for part " + n);
            Files.writeString(Path.of(dump + SnapshotFiles.PART + n), "part " + n + ";");
            Files.createFile(Path.of(dump + SnapshotFiles.PART_DONE + n));
            int read = n;
            await(() -> !Files.exists(Path.of(dump + SnapshotFiles.PART + read)));
        }
        assertEquals(0, shell.waitFor());
        assertEquals("part 0;part 1;part 2;", Files.readString(got));
        assertEquals("exit 0", state(dump));
        try (var left = Files.list(dir)) {
            assertEquals(List.of(), left.map(p -> p.getFileName().toString())
                    .filter(name -> name.contains(SnapshotFiles.PART) || name.contains(SnapshotFiles.PART_DONE)).toList(),
                    "every part removed once read");
        }
    }

    /**
     * No more parts will come (the sidecar that fed them is gone, its next start puts the abort mark):
     * the reader stops, pg_restore reads a stream cut short and fails, and that exit code is kept.
     * A part not yet marked whole is never read.
     */
    @Test
    void anAbortedStreamCutsPgRestoresInputAndItsFailureIsKept() throws Exception {
        Path dump = dir.resolve("backrest-sidecar-restore-1234abcd-app.dump");
        Path got = dir.resolve("got");
        // a stand-in that fails when its input is shorter than the whole dump
        Process shell = fedWrapper(dump, 2, "cat > '" + got + "'; [ \"$(cat '" + got + "')\" = 'first;second;' ] || exit 1");
        Files.writeString(Path.of(dump + SnapshotFiles.PART + 0), "first;");
        Files.createFile(Path.of(dump + SnapshotFiles.PART_DONE + 0));
        await(() -> !Files.exists(Path.of(dump + SnapshotFiles.PART + 0)));
        Files.writeString(Path.of(dump + SnapshotFiles.PART + 1), "seco");
        assertEquals("running", state(dump), "part 2 is not whole: still waited for");
        Files.createFile(Path.of(dump + SnapshotFiles.ABORT));
        String out = new String(shell.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(1, shell.waitFor(), out);
        assertEquals("first;", Files.readString(got), "only the whole part was read");
        assertEquals("backrest-sidecar: the stream stopped before part 2 of 2", out.strip());
        assertEquals("exit 1", state(dump));
    }

    /** EXIT_KEPT_FED as PostgresRestore runs it for a dump in {@code parts} parts, with the stand-in's body. */
    private Process fedWrapper(Path dump, int parts, String pgRestoreBody) throws Exception {
        Path bin = Files.createDirectories(dir.resolve("wrapper-bin"));
        Path pgRestore = bin.resolve("pg_restore");
        Files.writeString(pgRestore, "#!/bin/sh\n" + pgRestoreBody + "\n");
        pgRestore.toFile().setExecutable(true);
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", PostgresRestore.EXIT_KEPT_FED, dump.toString(),
                "pg_restore", "-d", "app");
        pb.environment().put("PATH", bin + ":/usr/bin:/bin");
        pb.environment().put(SnapshotFiles.PARTS_VARIABLE, Integer.toString(parts));
        Process p = pb.redirectErrorStream(true).start();
        started.add(p);
        return p;
    }

    private Path dump() throws Exception {
        return Files.writeString(dir.resolve("backrest-sidecar-restore-1234abcd-app.dump"), "PGDMP");
    }

    /** EXIT_KEPT as PostgresRestore runs it, with the stand-in pg_restore's body. */
    private Process wrapper(Path dump, String pgRestoreBody) throws Exception {
        Path bin = Files.createDirectories(dir.resolve("wrapper-bin"));
        Path pgRestore = bin.resolve("pg_restore");
        Files.writeString(pgRestore, "#!/bin/sh\n" + pgRestoreBody + "\n");
        pgRestore.toFile().setExecutable(true);
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", PostgresRestore.EXIT_KEPT, dump.toString(),
                "pg_restore", "-d", "app", dump.toString());
        pb.environment().put("PATH", bin + ":/usr/bin:/bin");
        Process p = pb.redirectErrorStream(true).start();
        started.add(p);
        return p;
    }

    private Process start(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        started.add(p);
        return p;
    }

    private static String state(Path dump) throws Exception {
        Process p = new ProcessBuilder("/bin/sh", "-c", PostgresRestore.STATE, dump.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, p.waitFor(), out);
        return out;
    }

    interface Check {
        boolean holds() throws Exception;
    }

    private static void await(Check check) throws Exception {
        Instant giveUp = Instant.now().plus(Duration.ofSeconds(20));
        while (!check.holds()) {
            if (Instant.now().isAfter(giveUp)) {
                throw new AssertionError("not within 20 s");
            }
            Thread.sleep(50);
        }
    }
}
