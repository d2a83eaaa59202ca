package org.backrestsidecar.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.backrestsidecar.config.AccessConfig;
import org.backrestsidecar.config.DrillConfig;
import org.backrestsidecar.config.NotificationsConfig;
import org.backrestsidecar.config.SidecarConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one view's asks of the other sidecars, against a real HTTP server on 127.0.0.1 answering as a
 * node's sidecar does (GET /api/nodes/self). More asks at once than the asking threads (the page's
 * look and the watch's together, on a swarm of several nodes) must all be answered: with the HTTP
 * client's work on the same threads, none ever was, and every node stayed "down" and every call the
 * page forwarded waited, for good (the Swarm test's page froze on that).
 */
class AllNodesTest {
    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    /** More than AllNodes' eight asking threads. */
    private static final int PEERS = 12;
    @TempDir
    Path state;
    private HttpServer node;
    private ExecutorService serving;
    private AllNodes all;

    @AfterEach
    void stop() {
        if (all != null) {
            all.stop();
        }
        if (node != null) {
            node.stop(0);
            serving.shutdownNow();
        }
    }

    @Test
    void moreAsksAtOnceThanAskingThreadsAreAllAnswered() throws Exception {
        node = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        serving = Executors.newFixedThreadPool(PEERS * 2);
        node.setExecutor(serving);
        node.createContext("/api/nodes/self", exchange -> {
            byte[] body = "{\"node\":\"node2\",\"role\":\"node\",\"state\":\"up\",\"seenAt\":\"2026-11-27T06:00:00Z\"}"
                    .getBytes(StandardCharsets.UTF_8);
            try {
                Thread.sleep(100); // a node's answer takes a moment: the asks overlap
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        node.createContext("/api/plans", exchange -> {
            byte[] body = "[]".getBytes(StandardCharsets.UTF_8);
            // as api/HttpEdge answers a call forwarded for a node of another name (tested on the real one in
            // scenario/ApiAndHealthTest): here, what the forwarded call says it is for
            boolean forHere = "node2".equals(exchange.getRequestHeaders().getFirst(AllNodes.FOR_NODE));
            exchange.sendResponseHeaders(forHere ? 200 : AllNodes.MISDIRECTED, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        node.start();
        // each of the peers' addresses is this one server (a swarm's node sidecars, as Swarm's DNS lists them)
        Peers peers = new Peers(Optional.of(List.of("tasks.sidecar-node")), node.getAddress().getPort()) {
            @Override
            public List<String> addresses() {
                return Collections.nCopies(PEERS, "127.0.0.1");
            }
        };
        SidecarConfig config = new SidecarConfig(state.resolve("sidecar.yml"), "repos", "backup", Optional.empty(),
                ZoneId.of("UTC"), state, Optional.empty(), Optional.empty(), List.of(), List.of(), DrillConfig.DEFAULT,
                NotificationsConfig.DEFAULT, AccessConfig.DEFAULT);
        all = new AllNodes(peers, new KnownNodes(config, JSON), JSON);

        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            // the page's look and the watch's at the same moment
            var page = CompletableFuture.supplyAsync(() -> all.others("repos", Map.of()));
            var watch = CompletableFuture.supplyAsync(() -> all.others("repos", Map.of(), AllNodes.WATCH_WITHIN));
            for (var look : List.of(page, watch)) {
                List<NodeReport> seen = look.join();
                assertEquals(List.of("node2 up"), seen.stream().map(n -> n.node() + " " + n.state()).toList());
            }
            // and a call forwarded to the node, as the page's are when it shows another node
            assertEquals(200, all.forward("node2", "127.0.0.1", "GET", "/api/plans", Map.of(), null).statusCode());
            assertEquals(AllNodes.MISDIRECTED, all.forward("node3", "127.0.0.1", "GET", "/api/plans", Map.of(), null)
                    .statusCode(), "a call meant for another node names it");
        }, "every ask answered, and a forwarded call, with more asks at once than asking threads");
    }
}
