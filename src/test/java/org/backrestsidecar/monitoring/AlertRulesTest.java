package org.backrestsidecar.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.backrestsidecar.metrics.BackupMetrics;
import org.backrestsidecar.testing.TestDocker;
import org.junit.jupiter.api.Test;

/**
 * monitoring/ as shipped: the alert rules pass Prometheus' own checker and their unit tests (series
 * in, alerts out, with Debian's promtool), and the rules and the Grafana dashboard ask only for
 * metrics the sidecar exports.
 */
class AlertRulesTest {
    private static final Path RULES = Path.of("monitoring/prometheus/alerts.yml");
    private static final Path DASHBOARD = Path.of("monitoring/grafana/dashboards/backrest-sidecar.json");
    private static final Pattern METRIC = Pattern.compile("\\b(sidecar_[a-z_]+)\\b");

    @Test
    void promtoolChecksTheRulesAndTheirTestsPass() throws Exception {
        String check = TestDocker.run(List.of("promtool", "check", "rules", RULES.toString()), Map.of());
        assertTrue(check.contains("SUCCESS: 15 rules found"), check);
        String tests = TestDocker.run(List.of("promtool", "test", "rules", "monitoring/prometheus/alerts.test.yml"),
                Map.of());
        assertTrue(tests.contains("SUCCESS"), tests);
    }

    @Test
    void everyMetricTheRulesAndTheDashboardUseIsExported() throws Exception {
        Set<String> exported = new TreeSet<>();
        for (Field f : BackupMetrics.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                String name = ((String) f.get(null)).replace('.', '_');
                exported.add(name);
                exported.add(name + "_total");
            }
        }
        Set<String> used = new TreeSet<>(metrics(Files.readString(RULES)));
        JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        assertEquals("prometheus", dashboard.path("panels").get(0).path("datasource").path("uid").asText(),
                "the provisioned data source's uid");
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                used.addAll(metrics(target.path("expr").asText()));
            }
        }
        Set<String> unknown = new TreeSet<>(used);
        unknown.removeAll(exported);
        assertEquals(Set.of(), unknown, "metrics asked for but not exported (exported: " + exported + ")");
        assertTrue(used.size() >= 12, "the dashboard and rules cover the sidecar's metrics: " + used);
    }

    private static Set<String> metrics(String text) {
        Set<String> out = new TreeSet<>();
        Matcher m = METRIC.matcher(text);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }
}
