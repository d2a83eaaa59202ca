package org.backrestsidecar.api;

import org.backrestsidecar.access.ApiError;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import org.backrestsidecar.access.Needs;
import org.backrestsidecar.config.Role;
import org.backrestsidecar.config.SidecarConfig;
import org.backrestsidecar.config.SwarmRole;
import org.backrestsidecar.nodes.AllNodes;
import org.backrestsidecar.nodes.NodeReport;

/**
 * The nodes of a swarm in one view (docs/swarm.md): {@code GET /api/nodes} every node's plans, targets,
 * runs under way and drills, a node that does not answer shown down; {@code /api/nodes/{node}/...} any
 * call of this API made on that node. Alone (no SIDECAR_PEERS) the list holds this sidecar only.
 */
@Path("/api/nodes")
@Produces(MediaType.APPLICATION_JSON)
public class NodesResource {
    private final SidecarConfig config;
    private final SwarmRole role;
    private final AllNodes nodes;
    private final PlansResource plans;
    private final TargetsResource targets;
    private final RunsResource runs;
    private final DrillsResource drills;
    private final ObjectMapper json;

    public NodesResource(SidecarConfig config, SwarmRole role, AllNodes nodes, PlansResource plans,
                         TargetsResource targets, RunsResource runs, DrillsResource drills, ObjectMapper json) {
        this.config = config;
        this.role = role;
        this.nodes = nodes;
        this.plans = plans;
        this.targets = targets;
        this.runs = runs;
        this.drills = drills;
        this.json = json;
    }

    @GET
    public List<NodeReport> all(@Context HttpHeaders headers, @Context ContainerRequestContext request) {
        return gather(headers, request);
    }

    List<NodeReport> gather(HttpHeaders headers, ContainerRequestContext request) {
        return nodes.gather(self(), Callers.forwardable(headers, request));
    }

    /**
     * The view in one line per node, {@code <node> <state> <role>} (e.g. {@code node2 up node}): what the
     * management script counts while a recovered swarm's sidecars come up.
     */
    @GET
    @Path("seen")
    @Produces(MediaType.TEXT_PLAIN)
    public String seen(@Context HttpHeaders headers, @Context ContainerRequestContext request) {
        StringBuilder out = new StringBuilder();
        gather(headers, request).forEach(n -> out.append(n.node()).append(' ').append(n.state()).append(' ')
                .append(n.role()).append('\n'));
        return out.toString();
    }

    /** This sidecar's own part of the view, as a peer asks for it. */
    @GET
    @Path("self")
    public NodeReport self() {
        List<PlansResource.PlanView> planViews = role.backsUp() ? plans.list() : List.of();
        return new NodeReport(config.instance(), role.word(), NodeReport.UP, Instant.now(), null,
                json.valueToTree(planViews), json.valueToTree(targets.list()),
                json.valueToTree(runs.list(null).stream().filter(r -> r.endedAt() == null).toList()),
                json.valueToTree(drills.latest()), StatusTable.render(planViews, Instant.now(), config.timeZone()),
                null);
    }

    @GET
    @StrictQuery.PassesQueryOn
    @Path("{node}/{rest: .+}")
    @Needs(Role.VIEWER)
    public Response getOn(@PathParam("node") String node, @PathParam("rest") String rest, @Context UriInfo uri,
                          @Context HttpHeaders headers, @Context ContainerRequestContext request) {
        return forward(node, "GET", rest, uri, headers, request, null);
    }

    /** The node asked decides by the caller's role (its own @Needs); this one only passes the call on. */
    @POST
    @StrictQuery.PassesQueryOn
    @Path("{node}/{rest: .+}")
    @Needs(Role.VIEWER)
    public Response postOn(@PathParam("node") String node, @PathParam("rest") String rest, @Context UriInfo uri,
                           @Context HttpHeaders headers, @Context ContainerRequestContext request, byte[] body) {
        return forward(node, "POST", rest, uri, headers, request, body);
    }

    private Response forward(String node, String method, String rest, UriInfo uri, HttpHeaders headers,
                             ContainerRequestContext request, byte[] body) {
        Optional<String> address = node.equals(config.instance()) ? Optional.of("127.0.0.1") : nodes.addressOf(node);
        if (address.isEmpty()) {
            gather(headers, request);
            address = nodes.addressOf(node);
        }
        if (address.isEmpty()) {
            List<String> known = new java.util.ArrayList<>(nodes.knownNames());
            known.add(config.instance());
            // right after a deploy the view may not hold every node yet: seen in the Swarm test 30 s after a start
            throw new NoSuchElementException("no node " + node + " (known: " + String.join(", ", known.stream().sorted()
                    .toList()) + "; a node's sidecar joins the view once it answers, within about a minute of its "
                    + "start: `status` lists the nodes seen)");
        }
        String query = uri.getRequestUri().getRawQuery();
        String path = "/api/" + rest + (query == null ? "" : "?" + query);
        String at = address.get();
        java.util.Map<String, String> passed = Callers.forwardable(headers, request);
        try {
            HttpResponse<byte[]> answer;
            String why;
            try {
                answer = nodes.forward(node, at, method, path, passed, body);
                why = "another node's sidecar answers there";
            } catch (java.net.ConnectException | java.net.http.HttpConnectTimeoutException gone) {
                answer = null;
                why = gone.getMessage() == null ? gone.getClass().getSimpleName() : gone.getMessage();
            }
            if (answer != null && answer.statusCode() != AllNodes.MISDIRECTED) {
                return relayed(node, answer);
            }
            // the address known is where the node's sidecar last answered: a sidecar started again (its node
            // restarted, a new task) answers elsewhere, and its old address may be nobody's (seen in the Swarm
            // test right after node3 came back) or another task's. Nothing was done there, so the call goes to
            // the address the nodes give now, if it moved.
            gather(headers, request);
            Optional<String> now = node.equals(config.instance()) ? Optional.empty() : nodes.addressOf(node);
            if (now.isEmpty() || now.get().equals(at)) {
                return ApiError.response(Response.Status.SERVICE_UNAVAILABLE, "node " + node + " does not answer at "
                        + at + ": " + why + "; the nodes name no other address for it");
            }
            at = now.get();
            return relayed(node, nodes.forward(node, at, method, path, passed, body));
        } catch (IOException e) {
            return ApiError.response(Response.Status.SERVICE_UNAVAILABLE, "node " + node + " does not answer at "
                    + at + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ApiError.response(Response.Status.SERVICE_UNAVAILABLE, "interrupted while asking node " + node);
        }
    }

    private static Response relayed(String node, HttpResponse<byte[]> answer) {
        Response.ResponseBuilder out = Response.status(answer.statusCode()).entity(answer.body());
        answer.headers().firstValue(HttpHeaders.CONTENT_TYPE).ifPresent(t -> out.header(HttpHeaders.CONTENT_TYPE, t));
        // a change the node had been asked already (its first answer again), or is still answering
        for (String said : List.of(org.backrestsidecar.access.RepeatedChanges.REPLAYED, HttpHeaders.RETRY_AFTER)) {
            answer.headers().firstValue(said).ifPresent(v -> out.header(said, v));
        }
        // a run or restore started there is followed there: /api/runs/X becomes /api/nodes/N/runs/X
        answer.headers().firstValue(HttpHeaders.LOCATION).map(l -> l.replaceFirst("^(.*?)/api/",
                "$1/api/nodes/" + node + "/")).ifPresent(l -> out.header(HttpHeaders.LOCATION, l));
        return out.build();
    }
}
