package org.backrestsidecar.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.dockerjava.transport.DockerHttpClient;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A Swarm service's replicas, set through a manager's engine. The spec is read and sent back as the
 * engine wrote it, with only {@code Mode.Replicated.Replicas} changed: docker-java's model of a spec
 * would drop what it does not know, and the engine would take that as a change of the service (a
 * rolling update); the Docker API proxy refuses any other change (docker-proxy/docker-api.lua).
 */
@ApplicationScoped
public class SwarmServices {
    /** Swarm's own label of a stack's services, set by {@code docker stack deploy}. */
    public static final String STACK_LABEL = "com.docker.stack.namespace";
    private static final int UPDATE_ATTEMPTS = 3;
    private final DockerHttpClient http;
    private final ObjectMapper json;

    /** What the sidecar may not scale, said to the caller as it is. */
    public static final class Refused extends RuntimeException {
        public Refused(String message) {
            super(message);
        }
    }

    public SwarmServices(DockerHttpClient http, ObjectMapper json) {
        this.http = http;
        this.json = json;
    }

    /**
     * Sets {@code service}'s replicas to {@code replicas}, when it is a replicated service of
     * {@code stack} whose containers carry {@code enableLabel}; its replicas before (unchanged when
     * they were already so).
     *
     * @throws Refused     a service of another stack, not labelled for backup, global, or not there
     * @throws IOException the engine did not answer, is not a manager, or refused the update
     */
    public int setReplicas(String service, int replicas, String stack, String enableLabel) throws IOException {
        for (int attempt = 1; ; attempt++) {
            JsonNode found = inspect(service);
            ObjectNode replicated = scalable(found, service, stack, enableLabel);
            int before = replicated.path("Replicas").asInt(1);
            if (before == replicas) {
                return before;
            }
            replicated.put("Replicas", replicas);
            long version = found.path("Version").path("Index").asLong();
            String path = "/services/" + found.path("ID").asText() + "/update?version=" + version;
            try (DockerHttpClient.Response r = http.execute(DockerHttpClient.Request.builder()
                    .method(DockerHttpClient.Request.Method.POST).path(path)
                    .headers(Map.of("Content-Type", "application/json"))
                    // bytes, not a stream: sent with a Content-Length, as the proxy judges only a whole body
                    // (a stream goes in chunks, which it refuses)
                    .bodyBytes(json.writeValueAsBytes(found.path("Spec"))).build())) {
                String said = read(r.getBody());
                if (r.getStatusCode() == 200) {
                    return before;
                }
                // another update came between our read and ours: read again and try once more
                if (said.contains("update out of sequence") && attempt < UPDATE_ATTEMPTS) {
                    continue;
                }
                throw new IOException("scaling service " + service + " to " + replicas + " failed: HTTP "
                        + r.getStatusCode() + " " + said.strip());
            }
        }
    }

    /** The replicas {@code service} is set to, with the same checks as {@link #setReplicas}. */
    public int replicas(String service, String stack, String enableLabel) throws IOException {
        return scalable(inspect(service), service, stack, enableLabel).path("Replicas").asInt(1);
    }

    /** The service's {@code Mode.Replicated}, when the sidecar may scale it. */
    static ObjectNode scalable(JsonNode found, String service, String stack, String enableLabel) {
        JsonNode spec = found.path("Spec");
        String itsStack = spec.path("Labels").path(STACK_LABEL).asText("");
        if (!itsStack.equals(stack)) {
            throw new Refused("service " + service + " is not one of this stack's (" + stack + "), but "
                    + (itsStack.isEmpty() ? "of no stack" : "of stack " + itsStack));
        }
        JsonNode enabled = spec.path("TaskTemplate").path("ContainerSpec").path("Labels").path(enableLabel);
        if (enabled.isMissingNode() || "false".equals(enabled.asText())) {
            throw new Refused("service " + service + " has no " + enableLabel + " label on its containers: "
                    + "the sidecar scales only the services it backs up");
        }
        JsonNode replicated = spec.path("Mode").path("Replicated");
        if (!replicated.isObject()) {
            throw new Refused("service " + service + " is not replicated (" + spec.path("Mode") + "): only a "
                    + "replicated service can be scaled to 0 and back");
        }
        return (ObjectNode) replicated;
    }

    /** The service as the engine shows it ({@code ID}, {@code Version}, {@code Spec}). */
    JsonNode inspect(String service) throws IOException {
        String path = "/services/" + URLEncoder.encode(service, StandardCharsets.UTF_8);
        try (DockerHttpClient.Response r = http.execute(DockerHttpClient.Request.builder()
                .method(DockerHttpClient.Request.Method.GET).path(path).build())) {
            String said = read(r.getBody());
            if (r.getStatusCode() == 404) {
                throw new Refused("service " + service + " does not exist");
            }
            if (r.getStatusCode() != 200) {
                // 503 "This node is not a swarm manager": the caller asks the one that is
                throw new IOException("reading service " + service + " failed: HTTP " + r.getStatusCode() + " "
                        + said.strip());
            }
            return json.readTree(said);
        }
    }

    private static String read(InputStream body) throws IOException {
        return body == null ? "" : new String(body.readAllBytes(), StandardCharsets.UTF_8);
    }
}
