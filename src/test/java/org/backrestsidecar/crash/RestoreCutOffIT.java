package org.backrestsidecar.crash;

import static org.backrestsidecar.testing.PackagedSidecar.awaitReady;
import static org.backrestsidecar.testing.PackagedSidecar.freePort;
import static org.backrestsidecar.testing.PackagedSidecar.get;
import static org.backrestsidecar.testing.PackagedSidecar.post;
import static org.backrestsidecar.testing.PackagedSidecar.postJson;
import static org.backrestsidecar.testing.PackagedSidecar.start;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.backrestsidecar.testing.PackagedSidecar;
import org.backrestsidecar.testing.TestDocker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A Redis restore cut off mid-copy: the packaged sidecar, a real process, is killed with SIGKILL
 * while it writes a 120 MB RDB of random values over the live one (the test follows the restore's
 * phase and kills it once "writing" shows, then checks the RDB in place is indeed cut short).
 * Started again, it writes the safety copy back before the container is started, so Redis loads
 * whole data, the data from before the restore, and the restore's record says so. Before this,
 * Redis aborted on the cut-off RDB and stayed down.
 */
class RestoreCutOffIT {
    private static final String APP = "cut-redis";
    private static final ObjectMapper JSON = new ObjectMapper();
    private Process sidecar;

    @AfterEach
    void cleanUp() {
        if (sidecar != null) {
            sidecar.destroyForcibly();
        }
        TestDocker.remove(APP);
    }

    @Test
    void aRedisRestoreKilledMidCopyLeavesRedisRunningOnTheDataFromBefore() throws Exception {
        Path root = Files.createTempDirectory("bsc-cut");
        Files.writeString(root.resolve("cut.key"), "cut-test-key-0123456789abcdef\n");
        PackagedSidecar.writeToken(root);
        PackagedSidecar.buildImage();
        Path config = root.resolve("sidecar.yml");
        Files.writeString(config, """
                instance: cut-host
                stateDir: %s
                repos:
                  - id: cut
                    uri: %s
                    keyFile: %s
                plans:
                  - id: cut
                    schedule: "0 2 * * *"
                """.formatted(root.resolve("state"), root.resolve("repo"), root.resolve("cut.key")));
        String redis = TestDocker.container(APP).volume("/data")
                .labels(Map.of("backup.enable", "true", "backup.plan", "cut", "backup.strategy", "redis",
                        "com.docker.compose.service", APP))
                .start("mkdir -p /data && exec redis-server --dir /data --save '' --appendonly no");
        TestDocker.await("redis to answer", Duration.ofSeconds(30), () -> cli(redis, "PING").equals("PONG"));
        // random values: an RDB that does not compress, large enough that writing it takes a while
        TestDocker.exec(redis, "sh", "-c", "for i in $(seq 1 120); do head -c 1000000 /dev/urandom "
                + "| redis-cli -x SET big:$i >/dev/null; done").out();
        assertEquals("120", cli(redis, "DBSIZE"));

        int port = freePort();
        sidecar = start(config, port, root.resolve("first.log"));
        awaitReady(port);
        post(port, "/api/plans/cut/runs");
        TestDocker.await("the backup", Duration.ofMinutes(5), () -> ask(() -> JSON.readTree(
                get(port, "/api/runs?plan=cut")).path(0).path("state").asText().equals("SUCCEEDED")));

        // the data from before the restore: other keys, which the backup does not hold
        TestDocker.exec(redis, "sh", "-c", "redis-cli FLUSHALL >/dev/null && for i in $(seq 1 30); do head -c 100000 "
                + "/dev/urandom | redis-cli -x SET small:$i >/dev/null; done && redis-cli SET marker before-restore").out();
        String digestBefore = digest(redis);

        String id = JSON.readTree(postJson(port, "/api/restores", "{\"target\":\"" + APP + "\",\"confirm\":\"" + APP
                + "\"}")).path("id").asText();
        // aimed at the copy: killed once 20 MB of the 120 have been written over the live RDB
        // (asked every 10 ms: the copy itself takes about a second)
        long until = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        JsonNode now = JSON.readTree(get(port, "/api/restores/" + id));
        while (!(now.path("phase").asText().startsWith("writing") && now.path("progress").path("bytesDone").asLong() > 20_000_000L)) {
            assertTrue(System.nanoTime() < until && now.path("endedAt").isMissingNode() | now.path("endedAt").isNull(),
                    "the restore was seen writing before it ended: " + now);
            Thread.sleep(10);
            now = JSON.readTree(get(port, "/api/restores/" + id));
        }
        sidecar.destroyForcibly().waitFor();
        Thread.sleep(500);
        assertTrue(!TestDocker.state(redis).running(), "killed mid-restore, Redis is still stopped");
        long cut = Long.parseLong(TestDocker.run(java.util.List.of("docker", "run", "--rm", "--volumes-from", redis,
                TestDocker.IMAGE, "stat", "-c", "%s", "/data/dump.rdb"), Map.of()).strip());
        assertTrue(cut > 10_000_000L && cut < 120_000_000L, "the RDB in place was cut off mid-copy: " + cut + " bytes");

        sidecar = start(config, port, root.resolve("second.log"));
        awaitReady(port);
        TestDocker.await("redis to run again", Duration.ofSeconds(60), () -> TestDocker.state(redis).running()
                && cli(redis, "PING").equals("PONG"));
        assertEquals("before-restore", cli(redis, "GET", "marker"));
        assertEquals("31", cli(redis, "DBSIZE"));
        assertEquals(digestBefore, digest(redis), "every key as before the restore, byte for byte");

        JsonNode record = JSON.readTree(get(port, "/api/restores/" + id));
        assertEquals("FAILED", record.path("state").asText(), record.toString());
        assertTrue(record.path("rolledBack").asBoolean(), record.toString());
        assertTrue(record.path("error").asText().contains("the safety copy")
                && record.path("error").asText().contains("holds the data from before the restore"), record.toString());
        assertTrue(Files.readString(root.resolve("second.log")).contains("cut off"), "the log says what was done");
        assertEquals("[]", Files.readString(root.resolve("state/restores-under-way.json")).strip(),
                "nothing left under way");
    }

    private static String cli(String container, String... args) {
        String[] command = new String[args.length + 1];
        command[0] = "redis-cli";
        System.arraycopy(args, 0, command, 1, args.length);
        return TestDocker.exec(container, command).out().strip();
    }

    /** A digest of every key and value, as Redis itself computes it (the keys' values are random bytes). */
    private static String digest(String container) {
        return TestDocker.exec(container, "sh", "-c", "for k in $(redis-cli --scan | sort); do printf '%s ' \"$k\"; "
                + "redis-cli --no-raw GET \"$k\" | md5sum; done | md5sum").out().strip();
    }

    private interface Check {
        boolean get() throws Exception;
    }

    private static boolean ask(Check check) {
        try {
            return check.get();
        } catch (Exception e) {
            return false;
        }
    }
}
