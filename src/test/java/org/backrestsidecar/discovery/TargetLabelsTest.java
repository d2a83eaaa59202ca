package org.backrestsidecar.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.backrestsidecar.strategy.PostgresStrategy;
import org.backrestsidecar.strategy.Strategies;
import org.junit.jupiter.api.Test;

class TargetLabelsTest {
    private final TargetLabels labels = new TargetLabels("backup", Set.of("critical", "models"),
            Strategies.of(new PostgresStrategy(null)));

    @Test
    void aComposeServiceIsNamedAfterItsServiceAndDefaultsToCritical() {
        Target t = labels.parse("abc", "/stack-db-1", "running", Map.of("backup.enable", "true",
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
    void everyLabelThatCannotBeHonouredIsNamed() {
        Target t = labels.parse("abc", "/db", "running", Map.of("backup.enable", "yes", "backup.plan", "weekly",
                "backup.strategy", "postgres", "backup.postgres.databases", "app,,auth", "backup.postgres.usr", "x"));
        assertEquals("db", t.name(), "no compose label: the container name");
        String all = String.join("\n", t.problems());
        assertTrue(all.contains("label backup.enable='yes': write true"), all);
        assertTrue(all.contains("label backup.plan='weekly': no such plan (known: critical, models)"), all);
        assertTrue(all.contains("label backup.postgres.databases='app,,auth': '' is not a database name"), all);
        assertTrue(all.contains("label backup.postgres.usr is not a label the sidecar knows for strategy postgres"), all);
    }

    @Test
    void aMissingOrUnknownStrategyListsTheKnownOnes() {
        Target missing = labels.parse("a", "/x", "running", Map.of("backup.enable", "true"));
        assertEquals(List.of("label backup.strategy is missing: say how to back this container up (known: postgres)"),
                missing.problems());
        Target unknown = labels.parse("a", "/x", "running", Map.of("backup.enable", "true", "backup.strategy", "mysql"));
        assertEquals(List.of("label backup.strategy='mysql': no such strategy (known: postgres)"), unknown.problems());
    }

    @Test
    void replicasOfOneServiceFallBackToTheirContainerNames() {
        Target one = labels.parse("1", "/app-db-1", "running", Map.of("backup.enable", "true",
                "backup.strategy", "postgres", "com.docker.compose.service", "db"));
        Target two = labels.parse("2", "/app-db-2", "running", Map.of("backup.enable", "true",
                "backup.strategy", "postgres", "com.docker.compose.service", "db"));
        Target other = labels.parse("3", "/cache", "running", Map.of("backup.enable", "true",
                "backup.strategy", "postgres", "com.docker.compose.service", "cache"));
        assertEquals(List.of("app-db-1", "app-db-2", "cache"),
                Discovery.uniqueNames(List.of(one, two, other)).stream().map(Target::name).toList());
    }
}
