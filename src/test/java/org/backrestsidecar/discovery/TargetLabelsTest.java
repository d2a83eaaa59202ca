package org.backrestsidecar.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.backrestsidecar.postgres.PostgresStrategy;
import org.backrestsidecar.strategy.RedisStrategy;
import org.backrestsidecar.strategy.SqliteStrategy;
import org.backrestsidecar.strategy.VolumeStrategy;
import org.backrestsidecar.strategy.Strategies;
import org.junit.jupiter.api.Test;

class TargetLabelsTest {
    private final TargetLabels labels = new TargetLabels("backup", Set.of("critical", "models"),
            Strategies.of(new PostgresStrategy(null, null)));

    @Test
    void aComposeServiceIsNamedAfterItsServiceAndDefaultsToCritical() {
        Target t = labels.parse("abc", "/stack-db-1", "postgres:16", "running", Map.of("backup.enable", "true",
                "backup.strategy", "postgres", "backup.postgres.databases", "app, auth", "backup.timeout", "2h",
                "com.docker.compose.service", "db"));
        assertEquals("db", t.name());
        assertEquals("stack-db-1", t.containerName());
        assertEquals("critical", t.plan());
        assertEquals(Duration.ofHours(2), t.timeout());
        assertEquals(List.of(), t.problems());
        assertEquals("app, auth", t.option("postgres.databases").orElseThrow());
    }

    @Test
    void aSwarmTaskIsNamedAfterItsServiceInTheStackFile() {
        // the labels `docker stack deploy` puts on a task's container (Docker 20.10)
        Target t = labels.parse("abc", "/ai_postgres.1.x3k9", "postgres:16", "running", Map.of("backup.enable", "true",
                "backup.strategy", "postgres", "com.docker.swarm.service.name", "ai_postgres",
                "com.docker.stack.namespace", "ai", "com.docker.swarm.task.id", "x3k9"));
        assertEquals("postgres", t.name(), "the same name as under Compose, so the snapshots go on");
        assertEquals(java.util.Optional.of("ai_postgres"), t.swarmService());
        assertTrue(t.swarmTask());
        assertEquals(java.util.Optional.of("ai"), TargetLabels.project(Map.of("com.docker.stack.namespace", "ai")));
        Target plain = labels.parse("abd", "/solo.1.y", "postgres:16", "running", Map.of("backup.enable", "true",
                "backup.strategy", "postgres", "com.docker.swarm.service.name", "solo"));
        assertEquals("solo", plain.name(), "a service made with docker service create has no stack");
        Target compose = labels.parse("abe", "/x-db-1", "postgres:16", "running", Map.of("backup.enable", "true",
                "backup.strategy", "postgres", "com.docker.compose.service", "db"));
        assertTrue(!compose.swarmTask());
    }

    @Test
    void everyLabelThatCannotBeHonouredIsNamed() {
        Target t = labels.parse("abc", "/db", "postgres:16", "running", Map.of("backup.enable", "yes", "backup.plan", "weekly",
                "backup.strategy", "postgres", "backup.postgres.databases", "app,,auth", "backup.postgres.usr", "x"));
        assertEquals("db", t.name(), "no compose label: the container name");
        String all = String.join("\n", t.problems());
        assertTrue(all.contains("label backup.enable='yes': write true"), all);
        assertTrue(all.contains("label backup.plan='weekly': no such plan (known: critical, models)"), all);
        assertTrue(all.contains("label backup.postgres.databases='app,,auth': '' is not a database name"), all);
        assertTrue(all.contains("label backup.postgres.usr is not a label the sidecar knows for strategy postgres"), all);
    }

    @Test
    void anAppIsStartedInADrillOnlyWhereItsFilesAreRestoredAsTheyWere() {
        record Case(String value, List<String> problems) {
        }
        for (Case c : List.of(
                new Case("false", List.of()),
                new Case("yes", List.of("label backup.drill.start-app='yes': write true or false")),
                new Case("true", List.of("label backup.drill.start-app=true: only a target whose files are restored as "
                        + "they were (pause, sqlite, stop, volume) can have its app started in a drill, not strategy "
                        + "postgres")))) {
            Target t = labels.parse("abc", "/db", "postgres:16", "running", Map.of("backup.enable", "true",
                    "backup.strategy", "postgres", "backup.drill.start-app", c.value()));
            assertEquals(c.problems(), t.problems(), c.value());
        }
    }

    @Test
    void anUnknownStrategyListsTheKnownOnes() {
        Target unknown = labels.parse("a", "/x", "busybox", "running", Map.of("backup.enable", "true",
                "backup.strategy", "mysql"));
        assertEquals(List.of("label backup.strategy='mysql': no such strategy (known: postgres)"), unknown.problems());
    }

    @Test
    void withoutAStrategyLabelTheImageDecides() {
        TargetLabels all = new TargetLabels("backup", Set.of("critical"), Strategies.of(new PostgresStrategy(null, null),
                new RedisStrategy(null), new SqliteStrategy(null, null, null), new VolumeStrategy(null)));
        Map<String, String> enable = Map.of("backup.enable", "true");
        assertEquals("postgres", all.parse("1", "/db", "postgres:16-alpine", "running", enable).strategy());
        assertEquals("redis", all.parse("2", "/cache", "redis:7", "running", enable).strategy());
        Target webui = all.parse("3", "/webui", "ghcr.example/open-webui/open-webui:main", "running", enable);
        assertEquals("sqlite", webui.strategy());
        assertEquals("/app/backend/data/webui.db", webui.option("sqlite.paths").orElseThrow());
        assertEquals(List.of(), webui.problems());
        assertEquals("volume", all.parse("4", "/ollama", "ollama/ollama:0.5", "running", enable).strategy());
        Target mysql = all.parse("5", "/mysql", "mysql:8", "running", enable);
        assertTrue(mysql.problems().get(0).contains("image mysql:8 is a database the sidecar cannot dump: set "
                + "backup.strategy=stop"), mysql.problems().toString());
    }

    @Test
    void replicasOfOneServiceFallBackToTheirContainerNames() {
        Target one = labels.parse("1", "/app-db-1", "postgres", "running", Map.of("backup.enable", "true",
                "backup.strategy", "postgres", "com.docker.compose.service", "db"));
        Target two = labels.parse("2", "/app-db-2", "postgres", "running", Map.of("backup.enable", "true",
                "backup.strategy", "postgres", "com.docker.compose.service", "db"));
        Target other = labels.parse("3", "/cache", "postgres", "running", Map.of("backup.enable", "true",
                "backup.strategy", "postgres", "com.docker.compose.service", "cache"));
        assertEquals(List.of("app-db-1", "app-db-2", "cache"),
                Discovery.uniqueNames(List.of(one, two, other)).stream().map(Target::name).toList());
    }
}
