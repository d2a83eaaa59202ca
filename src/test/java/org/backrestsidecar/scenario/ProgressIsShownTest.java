package org.backrestsidecar.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.common.http.TestHTTPResource;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.backrestsidecar.testing.PostgresContainer;
import org.backrestsidecar.testing.SidecarApi;
import org.backrestsidecar.testing.SidecarStack;
import org.backrestsidecar.testing.TestDocker;
import org.junit.jupiter.api.Test;

/**
 * A dump under way is shown as it goes: in the API (bytes done, the total the target's previous run
 * read, rate and time left) and as the progress line of {@code backrest-management.sh backup}. The
 * dump is held mid-stream by stopping pg_dump (SIGSTOP) in the real Postgres container, and let go.
 */
@QuarkusTest
@QuarkusTestResource(SidecarStack.class)
class ProgressIsShownTest {
    @TestHTTPResource("/")
    URL sidecar;

    @Test
    void aDumpUnderWayShowsItsBytesAgainstThePreviousRunInTheApiAndTheCli() throws Exception {
        PostgresContainer pg = PostgresContainer.start("pg-follow",
                SidecarStack.labels("pg-follow", "following", "backup.postgres.databases", "shop"));
        Path cliOut = Files.createTempFile("cli", ".out");
        Process cli = null;
        try {
            pg.sql("postgres", "CREATE DATABASE shop");
            pg.sql("shop", "CREATE TABLE orders (id int PRIMARY KEY, note text); INSERT INTO orders SELECT g, "
                    + "md5(random()::text) || md5(random()::text) || md5(g::text) FROM generate_series(1, 300000) g");
            JsonPath first = SidecarApi.runPlan("following");
            assertEquals("SUCCEEDED", first.getString("state"), first.prettify());
            assertNull(first.get("progress"), "an ended run shows no progress");
            long previous = first.getLong("targets.find { it.target == 'pg-follow' }.bytesRead");
            assertTrue(previous > 1_000_000, "the dump's size was recorded: " + previous);

            // the operator's command, piped into a file as cron would
            Path token = Files.createTempFile("token", "");
            Files.writeString(token, SidecarStack.API_TOKEN);
            ProcessBuilder pb = new ProcessBuilder("bash", "scripts/backrest-management.sh", "backup", "following")
                    .redirectErrorStream(true).redirectOutput(cliOut.toFile());
            pb.environment().putAll(Map.of("SIDECAR_URL", sidecar.toString().replaceFirst("/$", ""),
                    "SIDECAR_API_TOKEN_FILE", token.toString()));
            cli = pb.start();

            String pgDump = awaitPgDump(pg);
            TestDocker.exec(pg.id(), "kill", "-STOP", pgDump);
            // let it write a little at a time until some of the dump has passed
            Map<String, Object> progress = progress();
            for (int i = 0; i < 100 && (progress == null || ((Number) progress.get("bytesDone")).longValue() < 65536); i++) {
                TestDocker.exec(pg.id(), "kill", "-CONT", pgDump);
                Thread.sleep(100);
                TestDocker.exec(pg.id(), "kill", "-STOP", pgDump);
                Thread.sleep(500);
                progress = progress();
            }
            assertNotNull(progress);
            Thread.sleep(2500); // a rate needs two seconds behind it
            progress = progress();
            long done = ((Number) progress.get("bytesDone")).longValue();
            assertEquals("backing up pg-follow", progress.get("item"));
            assertTrue(done >= 65536 && done < previous, done + " of " + previous);
            assertEquals(previous, ((Number) progress.get("bytesTotal")).longValue(), "the total is what the previous run read");
            assertEquals("previous run", progress.get("totalFrom"));
            assertNotNull(progress.get("bytesPerSecond"), String.valueOf(progress));
            assertNotNull(progress.get("secondsLeft"), String.valueOf(progress));
            double percent = ((Number) progress.get("percent")).doubleValue();
            assertTrue(percent > 0 && percent < 100, String.valueOf(progress));
            assertTrue(((String) progress.get("line")).startsWith("backing up pg-follow: ")
                    && ((String) progress.get("line")).contains(" of ~"), String.valueOf(progress));

            TestDocker.exec(pg.id(), "kill", "-CONT", pgDump);
            assertTrue(cli.waitFor(3, TimeUnit.MINUTES));
            String out = Files.readString(cliOut, StandardCharsets.UTF_8);
            assertEquals(0, cli.exitValue(), out);
            List<String> lines = out.lines().toList();
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("backing up pg-follow: ") && l.contains(" of ~")),
                    "piped, the progress comes as plain lines: " + out);
            assertTrue(out.stripTrailing().endsWith("run of plan following SUCCEEDED"), out);
            assertTrue(out.chars().noneMatch(c -> c == '\r' || c == 27), "no terminal control codes in a pipe: " + out);
        } finally {
            if (cli != null) {
                cli.destroy();
            }
            TestDocker.exec(pg.id(), "sh", "-c", "pkill -CONT pg_dump; true");
            pg.remove();
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> progress() {
        List<Map<String, Object>> runs = RestAssured.get("/api/runs?plan=following").jsonPath().getList("$");
        return runs.stream().filter(r -> r.get("endedAt") == null).findFirst()
                .map(r -> (Map<String, Object>) r.get("progress")).orElse(null);
    }

    private static String awaitPgDump(PostgresContainer pg) {
        String[] pid = new String[1];
        TestDocker.await("pg_dump to start", Duration.ofMinutes(2), () -> {
            pid[0] = TestDocker.exec(pg.id(), "sh", "-c",
                    "for p in /proc/[0-9]*; do [ \"$(cat $p/comm 2>/dev/null)\" = pg_dump ] && basename $p; done; true")
                    .out().strip();
            return !pid[0].isEmpty();
        });
        return pid[0].lines().findFirst().orElseThrow();
    }
}
