package org.backrestsidecar.api;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.backrestsidecar.config.PlanConfig;
import org.backrestsidecar.config.SidecarConfig;
import org.backrestsidecar.restic.Snapshots;
import org.backrestsidecar.restic.ResticException;
import org.backrestsidecar.restic.Snapshot;
import org.backrestsidecar.restic.SnapshotTags;

/** Snapshots as restic lists them, newest first, filtered by plan and target. */
@Path("/api/snapshots")
@Produces(MediaType.APPLICATION_JSON)
public class SnapshotsResource {
    private final SidecarConfig config;
    private final Snapshots snapshots;

    public SnapshotsResource(SidecarConfig config, Snapshots snapshots) {
        this.config = config;
        this.snapshots = snapshots;
    }

    @GET
    public List<Snapshot> list(@QueryParam("plan") String plan, @QueryParam("target") String target)
            throws ResticException {
        List<PlanConfig> plans = plan == null ? config.plans()
                : List.of(config.requirePlan(plan));
        List<Snapshot> out = new ArrayList<>();
        for (PlanConfig p : plans) {
            List<String> tags = new ArrayList<>(List.of(SnapshotTags.planTag(p.id())));
            if (target != null) {
                tags.add(SnapshotTags.targetTag(target));
            }
            try {
                out.addAll(snapshots.snapshots(config.repoOf(p), tags));
            } catch (ResticException e) {
                // a repo not created yet holds no snapshot; that is no error of restic's
                if (!e.noRepository()) {
                    throw e;
                }
            }
        }
        out.sort(Comparator.comparing(Snapshot::time).reversed());
        return out;
    }
}
