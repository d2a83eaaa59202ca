package org.backrestsidecar.nodes;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.backrestsidecar.config.SidecarConfig;
import org.backrestsidecar.state.StateFile;
import org.jboss.logging.Logger;

/**
 * Every node this sidecar has seen answer, with what it last said ({@code stateDir/nodes.json}), so
 * that a node whose task is gone (Swarm's DNS no longer names it) is shown down, with its plans
 * turning late, instead of silently missing from the view. Forgotten only by {@link #forget}.
 */
@ApplicationScoped
public class KnownNodes {
    private static final Logger LOG = Logger.getLogger(KnownNodes.class);
    private final Path file;
    private final ObjectMapper json;
    private final Map<String, NodeReport> nodes = new TreeMap<>();

    public KnownNodes(SidecarConfig config, ObjectMapper json) {
        this.file = config.stateDir().resolve("nodes.json");
        this.json = json;
        try {
            if (Files.exists(file)) {
                nodes.putAll(json.readValue(file.toFile(), new TypeReference<Map<String, NodeReport>>() { }));
            }
        } catch (IOException e) {
            LOG.warnf("the nodes seen before (%s) cannot be read, starting without them: %s", file, e.getMessage());
        }
    }

    /** Remembers what a node said; written to disk when a node is new or changed its address. */
    public synchronized void seen(NodeReport report) {
        NodeReport before = nodes.put(report.node(), report);
        if (before == null || !java.util.Objects.equals(before.address(), report.address())) {
            LOG.infof("node %s (%s) answers at %s", report.node(), report.role(), report.address());
            save();
        }
    }

    public synchronized List<NodeReport> all() {
        return List.copyOf(nodes.values());
    }

    /** A node taken out of the swarm for good: no longer shown down. */
    public synchronized boolean forget(String node) {
        boolean was = nodes.remove(node) != null;
        save();
        return was;
    }

    private void save() {
        try {
            StateFile.write(file, json.writeValueAsBytes(nodes));
        } catch (IOException e) {
            LOG.warnf("cannot keep the nodes seen in %s: %s", file, e.getMessage());
        }
    }
}
