package org.backrestsidecar.api;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.backrestsidecar.discovery.Discovery;
import org.backrestsidecar.discovery.Target;

@Path("/api/targets")
@Produces(MediaType.APPLICATION_JSON)
public class TargetsResource {

    /** A target as an operator reads it: what it is, where it goes, and what is wrong with its labels. */
    public record TargetView(String name, String container, String containerId, String plan, String strategy,
                             String status, List<String> problems) {
        static TargetView of(Target t) {
            String status = !t.usable() ? "invalid" : t.state();
            return new TargetView(t.name(), t.containerName(), t.containerId(), t.plan(), t.strategy(), status,
                    t.problems());
        }
    }

    private final Discovery discovery;

    public TargetsResource(Discovery discovery) {
        this.discovery = discovery;
    }

    @GET
    public List<TargetView> list() {
        return discovery.targets().stream().map(TargetView::of).toList();
    }
}
