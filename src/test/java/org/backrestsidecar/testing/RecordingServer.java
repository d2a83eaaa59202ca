package org.backrestsidecar.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A local HTTP server on 127.0.0.1 that records every request exactly as it came (method, path and
 * query, headers, body) and answers what the test tells it to; {@link #down(int)} makes it answer an
 * error status, as a service that is down behind its proxy does.
 */
public class RecordingServer {
    /** One request as received. */
    public record Request(String method, String path, Map<String, List<String>> headers, String body) {
        public String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }
    }

    /** What to answer. */
    public record Answer(int status, String contentType, String body) {
        public static Answer ok(String contentType, String body) {
            return new Answer(200, contentType, body);
        }
    }

    private final HttpServer server;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private volatile int downStatus;

    public RecordingServer(Function<Request, Answer> answers) {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", exchange -> handle(exchange, answers));
        server.start();
    }

    private void handle(HttpExchange exchange, Function<Request, Answer> answers) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Request request = new Request(exchange.getRequestMethod(), exchange.getRequestURI().toString(),
                Map.copyOf(exchange.getRequestHeaders()), body);
        Answer answer;
        if (downStatus != 0) {
            answer = new Answer(downStatus, "text/html", "<html><body>" + downStatus + " Service Unavailable</body></html>");
        } else {
            requests.add(request);
            answer = answers.apply(request);
        }
        byte[] out = answer.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", answer.contentType());
        exchange.sendResponseHeaders(answer.status(), out.length == 0 ? -1 : out.length);
        if (out.length > 0) {
            exchange.getResponseBody().write(out);
        }
        exchange.close();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Requests answered (not those refused while down), oldest first. */
    public List<Request> requests() {
        return new ArrayList<>(requests);
    }

    /** Every request from now on is answered with {@code status} and not recorded; 0: up again. */
    public void down(int status) {
        downStatus = status;
    }

    public void stop() {
        server.stop(0);
    }
}
