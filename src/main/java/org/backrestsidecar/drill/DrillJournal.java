package org.backrestsidecar.drill;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.backrestsidecar.config.SidecarConfig;
import org.backrestsidecar.state.StateFile;
import org.jboss.logging.Logger;

/**
 * Each target's latest drill, kept in the state folder ({@code drills.json}) so that a restart
 * neither forgets a failed drill nor makes a stale one look fresh.
 */
@ApplicationScoped
public class DrillJournal {
    private static final Logger LOG = Logger.getLogger(DrillJournal.class);
    private static final TypeReference<Map<String, DrillResult>> MAP = new TypeReference<>() {
    };
    private final Path file;
    private final ObjectMapper json;
    private final Map<String, DrillResult> latest;

    public DrillJournal(SidecarConfig config, ObjectMapper json) {
        this.file = config.stateDir().resolve("drills.json");
        this.json = json;
        this.latest = read();
    }

    private Map<String, DrillResult> read() {
        if (!Files.exists(file)) {
            return new LinkedHashMap<>();
        }
        try {
            return new LinkedHashMap<>(json.readValue(file.toFile(), MAP));
        } catch (IOException e) {
            LOG.warnf("the drill journal %s cannot be read (%s); drills start afresh", file, e.getMessage());
            return new LinkedHashMap<>();
        }
    }

    public synchronized void record(DrillResult result) {
        latest.put(result.plan() + "/" + result.target(), result);
        try {
            StateFile.write(file, json.writeValueAsBytes(latest));
        } catch (IOException e) {
            LOG.warnf("the drill journal %s cannot be written: %s", file, e.getMessage());
        }
    }

    /** Every target's latest drill, plan by plan. */
    public synchronized List<DrillResult> latest() {
        return latest.values().stream().sorted(Comparator.comparing(DrillResult::plan)
                .thenComparing(DrillResult::target)).toList();
    }

    public synchronized List<DrillResult> latestOf(String plan) {
        return latest().stream().filter(r -> r.plan().equals(plan)).toList();
    }
}
