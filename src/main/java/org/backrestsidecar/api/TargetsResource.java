package org.backrestsidecar.api;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.util.List;
import org.backrestsidecar.config.SidecarConfig;
import org.backrestsidecar.discovery.Discovery;
import org.backrestsidecar.discovery.Target;
import org.backrestsidecar.run.RunRegistry;

@Path("/api/targets")
@Produces(MediaType.APPLICATION_JSON)
public class TargetsResource {

    /**
     * A target as an operator reads it: what it is, where it goes, what is wrong with its labels, and
     * how its last backup went ({@code lastOutcome} null while this sidecar has not backed it up).
     */
    public record TargetView(String name, String container, String containerId, String plan, String strategy,
                             String status, List<String> problems, String lastOutcome, Instant lastBackupAt,
                             String lastError) {
        static TargetView of(Target t, RunRegistry runs) {
            String status = !t.usable() ? "invalid" : t.state();
            var last = t.plan() == null ? java.util.Optional.<RunRegistry.LastResult>empty()
                    : runs.lastResultOf(t.plan(), t.name());
            return new TargetView(t.name(), t.containerName(), t.containerId(), t.plan(), t.strategy(), status,
                    t.problems(), last.map(l -> l.result().outcome().name()).orElse(null),
                    last.map(RunRegistry.LastResult::at).orElse(null), last.map(l -> l.result().error()).orElse(null));
        }
    }

    private final Discovery discovery;
    private final RunRegistry runs;
    private final SidecarConfig config;

    public TargetsResource(Discovery discovery, RunRegistry runs, SidecarConfig config) {
        this.discovery = discovery;
        this.runs = runs;
        this.config = config;
    }

    @GET
    public List<TargetView> list() {
        return discovery.targets().stream().map(t -> TargetView.of(t, runs)).toList();
    }

    /** The same as a table for people ({@code backrest-management.sh targets}). */
    @GET
    @Path("text")
    @Produces(MediaType.TEXT_PLAIN)
    public String table() {
        return TargetsTable.render(list(), config.timeZone());
    }
}
