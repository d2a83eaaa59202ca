package org.backrestsidecar.nodes;

import org.backrestsidecar.jobs.Daemons;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The one view of a swarm: this sidecar's own report and every peer's, asked in parallel, and every
 * node seen before that did not answer, shown down. A call meant for another node is forwarded to
 * it with the caller's own credentials, so that node decides what the caller may do, as if asked
 * directly.
 */
@ApplicationScoped
public class AllNodes {
    private static final Logger LOG = Logger.getLogger(AllNodes.class);
    /** A node that does not answer within this is shown down rather than holding the page up. */
    static final Duration ASK_WITHIN = Duration.ofSeconds(2);
    /**
     * Asked in the background (nodes/NodesWatch, the repos task's lookout), a peer has longer: a sidecar
     * just started, or busy restoring on a shared CPU, was seen to take over 2 s, and must not be told
     * as lost, nor be missed as a node, for that.
     */
    public static final Duration WATCH_WITHIN = Duration.ofSeconds(10);
    /** Forwarded calls (a restore's dry run reads the repo) may take longer. */
    static final Duration FORWARD_WITHIN = Duration.ofSeconds(60);
    /**
     * A forwarded call's connection gets longer than a look's 800 ms: on a busy overlay network a lost
     * SYN is sent again by TCP after 1 s and 3 s, and a user's restore forwarded to its node failed
     * under CI's load with "connect timed out" at 800 ms. A look at every node must stay quick; a
     * command a user typed may wait a few seconds more.
     */
    static final Duration FORWARD_CONNECT_WITHIN = Duration.ofSeconds(5);
    /** Connections tried for a forwarded call: a connection that timed out sent nothing, so trying again is safe. */
    static final int FORWARD_CONNECTS = 3;
    /** The header a forwarded call names its node in; a sidecar of another name answers {@link #MISDIRECTED}. */
    public static final String FOR_NODE = "X-Sidecar-For-Node";
    public static final int MISDIRECTED = 421;
    private final Peers peers;
    private final KnownNodes known;
    private final ObjectMapper json;
    private final ExecutorService asking = Executors.newFixedThreadPool(8, Daemons.named("ask-nodes"));
    private final HttpClient http;
    private final HttpClient forwarding;
    private final Map<String, String> failing = new ConcurrentHashMap<>();

    public AllNodes(Peers peers, KnownNodes known, ObjectMapper json) {
        this.peers = peers;
        this.known = known;
        this.json = json;
        // The client's own executor (the JDK's default), never `asking`: each ask blocks a thread of
        // `asking` in send(), and send() finishes its exchange on the client's executor, so with the two
        // shared, eight asks at once (the page's look and the watch's) left no thread to finish any of
        // them, nor to fire their timeouts: they never ended, every node seemed down from then on, and
        // every forwarded call waited for good (nodes/AllNodesTest).
        this.http = HttpClient.newBuilder()
                // plain HTTP/1.1: no h2c upgrade on the first call, nor an HTTP/2 connection kept for the next
                .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofMillis(800)).build();
        this.forwarding = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1).connectTimeout(FORWARD_CONNECT_WITHIN).build();
    }

    @PreDestroy
    void stop() {
        asking.shutdownNow();
    }

    public boolean inSwarm() {
        return peers.any();
    }

    /**
     * Every node, by name: {@code self} first asked of nobody, the peers over HTTP with {@code headers}
     * (the caller's Authorization and nginx's user headers), the ones that are gone from what was known.
     */
    public List<NodeReport> gather(NodeReport self, Map<String, String> headers) {
        List<NodeReport> all = new ArrayList<>(List.of(self));
        others(self.node(), headers).forEach(all::add);
        all.sort(Comparator.comparing(NodeReport::node));
        return all;
    }

    /** Every node but {@code self}: the peers that answered, and those known before that did not, down. */
    public List<NodeReport> others(String self, Map<String, String> headers) {
        return others(self, headers, ASK_WITHIN);
    }

    /** As {@link #others(String, Map)}, each peer given {@code within} to answer. */
    public List<NodeReport> others(String self, Map<String, String> headers, Duration within) {
        List<CompletableFuture<Optional<NodeReport>>> asked = new ArrayList<>();
        for (String address : peers.addresses()) {
            asked.add(CompletableFuture.supplyAsync(() -> ask(address, headers, within), asking));
        }
        List<NodeReport> all = new ArrayList<>();
        Set<String> answered = new HashSet<>(Set.of(self));
        for (var f : asked) {
            Optional<NodeReport> report = f.join();
            if (report.isPresent() && answered.add(report.get().node())) {
                known.seen(report.get());
                all.add(report.get());
            }
        }
        for (NodeReport before : known.all()) {
            if (!answered.contains(before.node())) {
                all.add(before.down("not answering since " + before.seenAt()
                        + " (no task of the sidecar runs there, or the node is gone)"));
            }
        }
        return all;
    }

    private Optional<NodeReport> ask(String address, Map<String, String> headers, Duration within) {
        try {
            HttpResponse<byte[]> response = send(address, "GET", "/api/nodes/self", headers, null, within);
            if (response.statusCode() != 200) {
                return failed(address, "answered HTTP " + response.statusCode());
            }
            NodeReport report = json.readValue(response.body(), NodeReport.class).at(address);
            if (failing.remove(address) != null) {
                LOG.infof("the sidecar at %s (%s) answers again", address, report.node());
            }
            return Optional.of(report);
        } catch (IOException e) {
            return failed(address, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** Told once per address and reason: a peer down for hours is not a line a minute. */
    private Optional<NodeReport> failed(String address, String why) {
        if (!why.equals(failing.put(address, why))) {
            LOG.warnf("the sidecar at %s does not answer: %s", address, why);
        }
        return Optional.empty();
    }

    /** Where {@code node} last answered, when it is known and was not marked gone. */
    public Optional<String> addressOf(String node) {
        return known.all().stream().filter(n -> n.node().equals(node)).map(NodeReport::address).findFirst();
    }

    public List<String> knownNames() {
        return known.all().stream().map(NodeReport::node).toList();
    }

    /**
     * One call to node {@code node}'s sidecar at {@code address}, as the caller made it to this one. The
     * call names the node it is meant for ({@link #FOR_NODE}): a sidecar of another name refuses it with
     * 421 (api/HttpEdge), since an address a node's sidecar had may be another task's now (a task started
     * again elsewhere on the overlay network takes a freed address), and the call must not act there.
     */
    public HttpResponse<byte[]> forward(String node, String address, String method, String pathAndQuery,
                                        Map<String, String> headers, byte[] body) throws IOException, InterruptedException {
        Map<String, String> named = new java.util.LinkedHashMap<>(headers);
        named.put(FOR_NODE, node);
        for (int attempt = 1; ; attempt++) {
            try {
                return send(forwarding, address, method, pathAndQuery, named, body, FORWARD_WITHIN);
            } catch (java.net.http.HttpConnectTimeoutException e) {
                if (attempt == FORWARD_CONNECTS) {
                    throw e;
                }
                LOG.warnf("a call forwarded to %s found no connection within %d s; trying again (%d of %d)", address,
                        FORWARD_CONNECT_WITHIN.toSeconds(), attempt + 1, FORWARD_CONNECTS);
            }
        }
    }

    private HttpResponse<byte[]> send(String address, String method, String pathAndQuery, Map<String, String> headers,
                                      byte[] body, Duration within) throws IOException, InterruptedException {
        return send(http, address, method, pathAndQuery, headers, body, within);
    }

    private HttpResponse<byte[]> send(HttpClient client, String address, String method, String pathAndQuery,
                                      Map<String, String> headers, byte[] body, Duration within)
            throws IOException, InterruptedException {
        String host = address.contains(":") ? "[" + address + "]" : address;
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + host + ":" + peers.port()
                        + pathAndQuery))
                .timeout(within)
                .method(method, body == null || body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }
}
