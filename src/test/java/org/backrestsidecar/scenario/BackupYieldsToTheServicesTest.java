package org.backrestsidecar.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.github.dockerjava.api.model.Container;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.backrestsidecar.testing.PostgresContainer;
import org.backrestsidecar.testing.SidecarApi;
import org.backrestsidecar.testing.SidecarStack;
import org.backrestsidecar.testing.TestDocker;
import org.junit.jupiter.api.Test;

/**
 * A plan at the default priority (low) gives way to the services: the server process that dumps
 * the database and pg_dump itself run at nice 19 in SCHED_IDLE, restic at nice 19, and the helper that reads a volume
 * runs at the least CPU weight. The dump is held on a table lock the test takes, so every process is
 * looked at while it exists, then let go; the backup still succeeds.
 */
@QuarkusTest
@QuarkusTestResource(SidecarStack.class)
class BackupYieldsToTheServicesTest {
    private static final int SCHED_IDLE = 5;

    @Test
    void aLowPriorityBackupRunsItsProcessesAtNice19AndItsHelpersAtTheLeastWeight() throws Exception {
        PostgresContainer pg = PostgresContainer.start("pg-yield",
                SidecarStack.labels("pg-yield", "yielding", "backup.postgres.databases", "shop"));
        TestDocker.container("files-yield").volume("/srv/data")
                .labels(SidecarStack.serviceLabels("files-yield", "yielding", "volume"))
                .start("head -c 2000000 /dev/urandom > /srv/data/blob && " + TestDocker.IDLE);
        Set<Integer> helperShares = ConcurrentHashMap.newKeySet();
        Thread watcher = watchHelpers("files-yield", helperShares);
        try {
            pg.sql("postgres", "CREATE DATABASE shop");
            pg.sql("shop", "CREATE TABLE orders (id int PRIMARY KEY, item text); "
                    + "INSERT INTO orders SELECT g, 'item ' || g FROM generate_series(1, 1000) g");
            String before = pg.checksum("shop", "orders");
            // A holds the table: the sidecar's counting session waits on it
            lock(pg, "test-lock-a");
            String run = SidecarApi.startRun("yielding");

            int counting = awaitWaitingBackend(pg, "application_name = 'psql'");
            assertEquals(19, nice(pg, counting), "the session that counts the rows runs at nice 19");
            assertEquals(SCHED_IDLE, policy(pg, counting), "the session that counts the rows runs in SCHED_IDLE");
            // B queues behind the counting session, so pg_dump (which comes after the counts) waits on B
            lock(pg, "test-lock-b");
            pg.sql("postgres", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'test-lock-a'");
            int dumping = awaitWaitingBackend(pg, "application_name = 'backrest-sidecar-dump'");
            assertEquals(19, nice(pg, dumping), "the server process serving pg_dump runs at nice 19");
            assertEquals(SCHED_IDLE, policy(pg, dumping), "the server process serving pg_dump runs in SCHED_IDLE");
            int pgDump = Integer.parseInt(TestDocker.exec(pg.id(), "sh", "-c",
                    "for p in /proc/[0-9]*; do [ \"$(cat $p/comm)\" = pg_dump ] && basename $p; done; true").out().strip());
            assertEquals(19, nice(pg, pgDump), "pg_dump runs at nice 19");
            assertEquals(SCHED_IDLE, policy(pg, pgDump), "pg_dump runs in SCHED_IDLE");
            String restic = resticStat("pg-yield/shop.dump").orElseThrow(() -> new AssertionError("no restic reads the dump"));
            assertEquals(19, statField(restic, 19), "restic reading the dump runs at nice 19");
            assertEquals(SCHED_IDLE, statField(restic, 41), "restic reading the dump runs in SCHED_IDLE");
            pg.sql("postgres", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'test-lock-b'");

            JsonPath done = SidecarApi.awaitRun(run, Duration.ofMinutes(3));
            assertEquals("SUCCEEDED", done.getString("state"), done.prettify());
            assertEquals(Set.of(2), helperShares, "the volume's helper ran at the least CPU weight (cpu_shares 2)");
            assertEquals(before, pg.checksum("shop", "orders"), "the backup changed nothing");
        } finally {
            watcher.interrupt();
            pg.remove();
            TestDocker.remove("files-yield");
        }
    }

    /**
     * A wal-mode target's base backup yields as the dump does: pg_basebackup and the WAL sender that
     * reads the data files for it. The spread checkpoint it starts with writes the table's dirty pages
     * at about ten a second, which holds both processes long enough to be looked at.
     */
    @Test
    void aLowPriorityBaseBackupRunsPgBasebackupAndItsWalSenderAtNice19() throws Exception {
        PostgresContainer pg = PostgresContainer.startOfficialLike("pg-yield-wal",
                SidecarStack.labels("pg-yield-wal", "yielding", "backup.postgres.mode", "wal"));
        try {
            pg.sql("postgres", "CREATE TABLE notes (id int, body text); "
                    + "INSERT INTO notes SELECT g, repeat('n', 200) FROM generate_series(1, 12000) g");
            String before = pg.checksum("postgres", "notes");
            String run = SidecarApi.startRun("yielding");
            String query = "SELECT pid FROM pg_stat_activity WHERE application_name = 'backrest-sidecar-base'";
            TestDocker.await("the WAL sender of the base backup", Duration.ofMinutes(2),
                    () -> !pg.sql("postgres", query).isBlank());
            int sender = Integer.parseInt(pg.sql("postgres", query).lines().findFirst().orElseThrow().strip());
            TestDocker.await("the WAL sender lowered", Duration.ofSeconds(10), () -> nice(pg, sender) == 19);
            assertEquals(SCHED_IDLE, policy(pg, sender), "the WAL sender serving pg_basebackup runs in SCHED_IDLE");
            int client = Integer.parseInt(TestDocker.exec(pg.id(), "sh", "-c",
                    "for p in /proc/[0-9]*; do [ \"$(cat $p/comm)\" = pg_basebackup ] && basename $p; done; true")
                    .out().strip());
            assertEquals(19, nice(pg, client), "pg_basebackup runs at nice 19");
            assertEquals(SCHED_IDLE, policy(pg, client), "pg_basebackup runs in SCHED_IDLE");

            JsonPath done = SidecarApi.awaitRun(run, Duration.ofMinutes(5));
            assertEquals("SUCCEEDED", done.getString("state"), done.prettify());
            assertEquals(before, pg.checksum("postgres", "notes"), "the backup changed nothing");
        } finally {
            pg.remove();
            try {
                TestDocker.client().removeContainerCmd("backrest-sidecar-wal-pg-yield-wal").withForce(true).exec();
            } catch (RuntimeException e) {
                // the archiver removed it already
            }
        }
    }

    /** Starts a session that holds an exclusive lock on orders until it is terminated. */
    private static void lock(PostgresContainer pg, String appName) {
        TestDocker.execDetached(pg.id(), "env", "PGAPPNAME=" + appName, "psql", "-U", "postgres", "-d", "shop", "-c",
                "BEGIN; LOCK TABLE orders IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(600); COMMIT;");
        TestDocker.await(appName + " to hold or wait for its lock", Duration.ofSeconds(30), () -> !pg.sql("postgres",
                "SELECT pid FROM pg_stat_activity WHERE application_name = '" + appName + "'").isBlank());
    }

    private static int awaitWaitingBackend(PostgresContainer pg, String which) {
        String query = "SELECT pid FROM pg_stat_activity WHERE " + which + " AND wait_event_type = 'Lock'";
        TestDocker.await("a backend with " + which + " waiting on the lock", Duration.ofMinutes(2),
                () -> !pg.sql("postgres", query).isBlank());
        return Integer.parseInt(pg.sql("postgres", query).lines().findFirst().orElseThrow().strip());
    }

    /** A process's nice value, field 19 of /proc/PID/stat (after the command name in parentheses). */
    private static int nice(PostgresContainer pg, int pid) {
        return statField(TestDocker.exec(pg.id(), "cat", "/proc/" + pid + "/stat").out(), 19);
    }

    /** A process's scheduling policy, field 41 of /proc/PID/stat: 5 is SCHED_IDLE. */
    private static int policy(PostgresContainer pg, int pid) {
        return statField(TestDocker.exec(pg.id(), "cat", "/proc/" + pid + "/stat").out(), 41);
    }

    /** Field {@code n} (1-based, as proc(5) numbers them) of a /proc/PID/stat line. */
    private static int statField(String stat, int n) {
        return Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[n - 3]);
    }

    /** The /proc stat line of the restic (a child of this JVM: the sidecar runs in it) storing {@code file}. */
    private static Optional<String> resticStat(String file) throws Exception {
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path proc : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String cmdline = Files.readString(proc.resolve("cmdline")).replace('\0', ' ');
                    if (cmdline.startsWith("restic ") && cmdline.contains("--stdin-filename " + file)) {
                        return Optional.of(Files.readString(proc.resolve("stat")));
                    }
                } catch (java.io.IOException gone) {
                    // a process that ended while we looked
                }
            }
        }
        return Optional.empty();
    }

    /** Records the CPU weight of every helper the sidecar starts for {@code target}. */
    private static Thread watchHelpers(String target, Set<Integer> shares) {
        Thread t = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    List<Container> helpers = TestDocker.client().listContainersCmd()
                            .withLabelFilter(Map.of("backrest-sidecar.target", target)).exec();
                    for (Container c : helpers) {
                        Integer cpu = TestDocker.client().inspectContainerCmd(c.getId()).exec().getHostConfig()
                                .getCpuShares();
                        shares.add(cpu == null ? 0 : cpu);
                    }
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    // a helper removed between the list and the inspect
                }
            }
        }, "helper-watch");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
