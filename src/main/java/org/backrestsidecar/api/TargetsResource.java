package org.backrestsidecar.api;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import org.backrestsidecar.config.SidecarConfig;
import org.backrestsidecar.config.SwarmRole;
import org.backrestsidecar.discovery.Discovery;
import org.backrestsidecar.discovery.Target;
import org.backrestsidecar.nodes.AllNodes;
import org.backrestsidecar.nodes.NodeReport;
import org.backrestsidecar.restic.ResticException;
import org.backrestsidecar.restore.BackupSets;
import org.backrestsidecar.restore.RestoreRefused;
import org.backrestsidecar.run.RunRegistry;

@Path("/api/targets")
@Produces(MediaType.APPLICATION_JSON)
public class TargetsResource {

    /**
     * A target as an operator reads it: what it is, where it goes, what is wrong with its labels, and
     * how its last backup went ({@code lastOutcome} null while this sidecar has not backed it up);
     * {@code walMode}: a Postgres restored to a moment (GET {name}/window, POST /api/restores with {@code to}).
     */
    public record TargetView(String name, String container, String containerId, String plan, String strategy,
                             String status, List<String> problems, String lastOutcome, Instant lastBackupAt,
                             String lastError, boolean walMode) {
        static TargetView of(Target t, RunRegistry runs) {
            String status = !t.usable() ? "invalid" : t.state();
            var last = t.plan() == null ? java.util.Optional.<RunRegistry.LastResult>empty()
                    : runs.lastResultOf(t.plan(), t.name());
            return new TargetView(t.name(), t.containerName(), t.containerId(), t.plan(), t.strategy(), status,
                    t.problems(), last.map(l -> l.result().outcome().name()).orElse(null),
                    last.map(RunRegistry.LastResult::at).orElse(null), last.map(l -> l.result().error()).orElse(null),
                    t.walMode());
        }
    }

    /**
     * One backup a restore can start from, as the page lists them to pick from.
     *
     * @param snapshot  what {@code POST /api/restores} takes as {@code snapshot} for it
     * @param bytes     what the run read of the target (null when the run is older than the history)
     * @param databases Postgres: the databases it holds a dump of
     * @param globals   Postgres: whether it holds the roles ({@code globals.sql})
     * @param paths     the files it holds (files targets), as the container sees them
     * @param complete  every part of the target was stored (a run cut short is not)
     * @param safety    a restore's safety copy of what was there before it
     */
    public record BackupChoice(String snapshot, String label, Instant time, Long bytes, List<String> databases,
                               boolean globals, List<String> paths, boolean complete, boolean safety) {
    }

    private final Discovery discovery;
    private final RunRegistry runs;
    private final SidecarConfig config;
    private final BackupSets backups;
    private final AllNodes swarm;
    private final ObjectMapper json;
    private final SwarmRole role;

    public TargetsResource(Discovery discovery, RunRegistry runs, SidecarConfig config, BackupSets backups,
                           AllNodes swarm, ObjectMapper json, SwarmRole role) {
        this.role = role;
        this.swarm = swarm;
        this.json = json;
        this.discovery = discovery;
        this.runs = runs;
        this.config = config;
        this.backups = backups;
    }

    /** The target's backups, newest first, with what each holds: what a restore picks from. */
    @GET
    @Path("{name}/backups")
    public List<BackupChoice> backups(@PathParam("name") String name) throws ResticException {
        Target target = discovery.target(name).orElseThrow(() -> new NoSuchElementException("no target " + name));
        if (!target.usable()) {
            throw new RestoreRefused("target " + name + " has label problems: " + String.join("; ", target.problems()));
        }
        var repo = config.repoOf(config.requirePlan(target.plan()));
        String globals = "/" + name + "/globals.sql";
        return backups.list(repo, name).stream().map(b -> new BackupChoice(b.snapshots().get(b.snapshots().size() - 1).id(),
                b.label(), b.time(), b.label().startsWith("run:")
                        ? runs.bytesRead(b.label().substring(4), name).stream().boxed().findFirst().orElse(null) : null,
                b.databases(), b.dumps().contains(globals),
                b.fileSets().stream().flatMap(s -> s.paths().stream()).sorted().toList(), b.complete(), b.safety()))
                .toList();
    }

    /**
     * The targets this sidecar backs up. The repos task of a swarm backs up none: the containers it
     * sees on its node are that node's sidecar's, listed there (not twice in the one view).
     */
    @GET
    public List<TargetView> list() {
        if (!role.backsUp()) {
            return List.of();
        }
        return discovery.targets().stream().map(t -> TargetView.of(t, runs)).toList();
    }

    /** The same as a table for people ({@code backrest-management.sh targets}); in a swarm, every node's. */
    @GET
    @Path("text")
    @Produces(MediaType.TEXT_PLAIN)
    public String table(@Context HttpHeaders headers, @Context ContainerRequestContext request) {
        if (!swarm.inSwarm()) {
            return TargetsTable.render(list(), config.timeZone());
        }
        // in a swarm, every node's, each row naming its node (asked with the caller's credentials)
        List<TargetsTable.OnNode> nodes = new ArrayList<>();
        nodes.add(new TargetsTable.OnNode(config.instance(), true, null, list()));
        for (NodeReport node : swarm.others(config.instance(), Callers.forwardable(headers, request))) {
            List<TargetView> targets = new ArrayList<>();
            if (node.targets() != null) {
                for (var t : node.targets()) {
                    targets.add(json.convertValue(t, TargetView.class));
                }
            }
            nodes.add(new TargetsTable.OnNode(node.node(), node.up(), node.problem(), targets));
        }
        nodes.sort(java.util.Comparator.comparing(TargetsTable.OnNode::node));
        return TargetsTable.renderPerNode(nodes, config.timeZone());
    }
}
