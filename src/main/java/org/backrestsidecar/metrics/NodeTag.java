package org.backrestsidecar.metrics;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.backrestsidecar.config.SidecarConfig;
import org.backrestsidecar.config.SwarmRole;

/**
 * In a swarm every metric carries {@code node} (the sidecar's instance), so one Prometheus scraping
 * every task (dns_sd on tasks.sidecar-node) keeps the nodes' series apart. Alone, the series stay as they were.
 */
@ApplicationScoped
public class NodeTag {
    @Produces
    @Singleton
    MeterFilter node(SidecarConfig config, SwarmRole role) {
        return role == SwarmRole.ALL ? new MeterFilter() { } : MeterFilter.commonTags(Tags.of("node", config.instance()));
    }
}
