package org.backrestsidecar.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.backrestsidecar.access.Tokens;
import org.backrestsidecar.config.SidecarConfig;
import org.backrestsidecar.quiesce.ServiceScaler;

/**
 * A service scaled by the sidecar of the stack that runs on a manager, the repos task
 * (compose.swarm.yml.example places it there), asked with this sidecar's own token: a node's sidecar
 * reaches only its own engine, and a worker's engine cannot scale a service.
 */
@ApplicationScoped
public class ScaleThroughManager implements ServiceScaler {
    private final AllNodes nodes;
    private final Tokens tokens;
    private final SidecarConfig config;
    private final ObjectMapper json;

    public ScaleThroughManager(AllNodes nodes, Tokens tokens, SidecarConfig config, ObjectMapper json) {
        this.nodes = nodes;
        this.tokens = tokens;
        this.config = config;
        this.json = json;
    }

    @Override
    public int scale(String service, int replicas) throws IOException {
        return ask(service, "POST", "/replicas", Map.of("replicas", replicas)).path("before").asInt();
    }

    @Override
    public int replicas(String service) throws IOException {
        return ask(service, "GET", "", null).path("now").asInt();
    }

    /** One call about {@code service} to the repos task; its answer, or what it said went wrong. */
    private JsonNode ask(String service, String method, String rest, Object body) throws IOException {
        Map<String, String> auth = Map.of("Authorization", tokens.ownBearer(), "Content-Type", "application/json");
        NodeReport repos = nodes.others(config.instance(), auth, AllNodes.WATCH_WITHIN).stream()
                .filter(n -> "repos".equals(n.role()) && n.up() && n.address() != null)
                .findFirst().orElseThrow(() -> new IOException("no sidecar on a manager answers (the stack's "
                        + "sidecar-repos task), which scales " + service + ": is it running?"));
        try {
            HttpResponse<byte[]> answer = nodes.forward(repos.node(), repos.address(), method, "/api/swarm/services/"
                    + java.net.URLEncoder.encode(service, StandardCharsets.UTF_8).replace("+", "%20") + rest,
                    auth, body == null ? null : json.writeValueAsBytes(body));
            String text = new String(answer.body(), StandardCharsets.UTF_8);
            JsonNode said;
            try {
                said = text.isBlank() ? json.createObjectNode() : json.readTree(text);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                said = json.createObjectNode().put("error", text.strip());
            }
            if (answer.statusCode() != 200) {
                throw new IOException("the repos task answered HTTP " + answer.statusCode() + " about service "
                        + service + ": " + said.path("error").asText(text.strip()));
            }
            return said;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while asking the repos task about " + service, e);
        }
    }
}
