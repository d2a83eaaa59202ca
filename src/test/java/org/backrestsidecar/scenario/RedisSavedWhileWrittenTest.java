package org.backrestsidecar.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.backrestsidecar.testing.ResticCli;
import org.backrestsidecar.testing.SidecarApi;
import org.backrestsidecar.testing.SidecarStack;
import org.backrestsidecar.testing.TestDocker;
import org.junit.jupiter.api.Test;

/**
 * A password-protected Redis with 10,000 keys is saved while a writer keeps writing; the RDB comes
 * back in a fresh Redis with every key that existed at the save.
 */
@QuarkusTest
@QuarkusTestResource(SidecarStack.class)
class RedisSavedWhileWrittenTest {
    private static final String SERVER = "mkdir -p /data && exec redis-server --dir /data --save '' --appendonly no "
            + "--requirepass \"$REDIS_PASSWORD\"";

    @Test
    void rdbRestoresEveryKeyPresentAtTheSave() throws Exception {
        String redis = TestDocker.container("redis").env("REDIS_PASSWORD=redis-test-secret")
                .labels(Map.of("backup.enable", "true", "backup.plan", "redis", "backup.strategy", "redis",
                        "backup.redis.password-env", "REDIS_PASSWORD", "com.docker.compose.service", "redis"))
                .start(SERVER);
        try {
            TestDocker.await("redis to answer", Duration.ofSeconds(30), () -> cli(redis, "PING").equals("PONG"));
            TestDocker.exec(redis, "sh", "-c", "for i in $(seq 1 10000); do echo \"SET key:$i value-$i\"; done "
                    + "| REDISCLI_AUTH=\"$REDIS_PASSWORD\" redis-cli --pipe").out();
            assertEquals("10000", cli(redis, "DBSIZE"));
            // the writer: new keys and a counter, all through the backup
            TestDocker.execDetached(redis, "sh", "-c", "i=0; while [ $i -lt 100000 ]; do i=$((i+1)); "
                    + "REDISCLI_AUTH=\"$REDIS_PASSWORD\" redis-cli SET live:$i $i >/dev/null; done");

            JsonPath run = SidecarApi.runPlan("redis");
            assertEquals("SUCCEEDED", run.getString("state"), run.prettify());
            assertTrue(Integer.parseInt(cli(redis, "DBSIZE")) > 10000, "the writer was writing");

            Path work = Files.createTempDirectory("bsc-redis");
            Path rdb = work.resolve("dump.rdb");
            ResticCli.dump(SidecarStack.repo("models"), SidecarStack.key("models"), "latest", "/redis/dump.rdb", rdb);
            assertTrue(Files.size(rdb) > 100_000, "an RDB of 10,000 keys, not " + Files.size(rdb) + " bytes");

            // a fresh Redis that starts on the restored file (copied in before it starts)
            String fresh = TestDocker.container("redis-restored")
                    .create("exec redis-server --dir /tmp --dbfilename dump.rdb --save '' --appendonly no");
            TestDocker.copyInto(fresh, rdb, "/tmp");
            TestDocker.client().startContainerCmd(fresh).exec();
            TestDocker.await("restored redis to load", Duration.ofSeconds(30),
                    () -> TestDocker.exec(fresh, "redis-cli", "PING").out().equals("PONG"));
            assertEquals("10000", TestDocker.exec(fresh, "sh", "-c", "redis-cli --scan --pattern 'key:*' | wc -l").out());
            assertEquals("value-1", TestDocker.exec(fresh, "redis-cli", "GET", "key:1").out());
            assertEquals("value-10000", TestDocker.exec(fresh, "redis-cli", "GET", "key:10000").out());
        } finally {
            TestDocker.remove("redis");
            TestDocker.remove("redis-restored");
        }
    }

    static String cli(String container, String... args) {
        String[] command = new String[args.length + 4];
        command[0] = "sh";
        command[1] = "-c";
        command[2] = "REDISCLI_AUTH=\"$REDIS_PASSWORD\" exec redis-cli \"$@\"";
        command[3] = "redis-cli";
        System.arraycopy(args, 0, command, 4, args.length);
        return TestDocker.exec(container, command).out();
    }
}
