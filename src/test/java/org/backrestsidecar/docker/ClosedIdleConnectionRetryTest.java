package org.backrestsidecar.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.transport.DockerHttpClient;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hc.core5.http.NoHttpResponseException;
import org.junit.jupiter.api.Test;

/**
 * When a request is sent again. The pool stands in here as a client that fails a given number of
 * times the way httpclient5 fails on a pooled connection the proxy had closed ("failed to respond":
 * NoHttpResponseException, wrapped as docker-java wraps it); the real proxy closes idle connections
 * after 10 s, which no test can line up two of deterministically.
 */
class ClosedIdleConnectionRetryTest {
    private static final DockerHttpClient.Response OK = new DockerHttpClient.Response() {
        public int getStatusCode() {
            return 201;
        }

        public Map<String, List<String>> getHeaders() {
            return Map.of();
        }

        public InputStream getBody() {
            return new ByteArrayInputStream(new byte[0]);
        }

        public void close() {
        }
    };

    /** Fails with {@code failure} the first {@code closed} times, then answers; records each body sent. */
    private static final class Pool implements DockerHttpClient {
        private final int closed;
        private final RuntimeException failure;
        final List<String> sent = new ArrayList<>();

        Pool(int closed, RuntimeException failure) {
            this.closed = closed;
            this.failure = failure;
        }

        @Override
        public Response execute(Request request) {
            // a streamed body is read as the client would write it, then the connection turns out closed
            InputStream body = request.body();
            try {
                sent.add(body != null ? new String(body.readAllBytes()) : new String(request.bodyBytes()));
            } catch (java.io.IOException e) {
                sent.add("unreadable: " + e.getMessage());
            }
            if (sent.size() <= closed) {
                throw failure;
            }
            return OK;
        }

        @Override
        public void close() {
        }
    }

    private static RuntimeException closedWhileIdle() {
        return new RuntimeException(new NoHttpResponseException("127.0.0.1:32781 failed to respond"));
    }

    private static DockerHttpClient.Request post(InputStream hijacked) {
        return DockerHttpClient.Request.builder().method(DockerHttpClient.Request.Method.POST)
                .path("/exec/abc/start").bodyBytes("{\"Detach\":false}".getBytes()).hijackedInput(hijacked).build();
    }

    @Test
    void aRequestGoesOutAgainPastEveryClosedConnectionWithTheSameBody() {
        Pool pool = new Pool(3, closedWhileIdle());
        assertSame(OK, new ClosedIdleConnectionRetry(pool, 50).execute(post(null)));
        assertEquals(List.of("{\"Detach\":false}", "{\"Detach\":false}", "{\"Detach\":false}", "{\"Detach\":false}"),
                pool.sent, "three closed connections, then a live one");
    }

    @Test
    void aBrokenPipeOnTheWriteCountsAsClosedToo() {
        Pool pool = new Pool(2, new UncheckedIOException(new SocketException("Broken pipe")));
        assertSame(OK, new ClosedIdleConnectionRetry(pool, 50).execute(post(null)));
        assertEquals(3, pool.sent.size());
    }

    @Test
    void atMostOnceMorePerConnectionThePoolHolds() {
        Pool pool = new Pool(100, closedWhileIdle());
        assertThrows(RuntimeException.class, () -> new ClosedIdleConnectionRetry(pool, 4).execute(post(null)));
        assertEquals(5, pool.sent.size());
    }

    @Test
    void otherFailuresAndHijackedStreamsAreNotSentAgain() {
        Pool refused = new Pool(1, new RuntimeException(new java.net.ConnectException("Connection refused")));
        assertThrows(RuntimeException.class, () -> new ClosedIdleConnectionRetry(refused, 50).execute(post(null)));
        assertEquals(1, refused.sent.size());
        Pool hijacked = new Pool(1, closedWhileIdle());
        assertThrows(RuntimeException.class, () -> new ClosedIdleConnectionRetry(hijacked, 50)
                .execute(post(new ByteArrayInputStream(new byte[1]))));
        assertEquals(1, hijacked.sent.size(), "a stdin stream cannot be sent twice");
    }

    private static DockerHttpClient.Request putArchive(InputStream tar) {
        return DockerHttpClient.Request.builder().method(DockerHttpClient.Request.Method.PUT)
                .path("/containers/abc/archive?path=/tmp").body(tar).build();
    }

    @Test
    void anArchiveHeldInMemoryGoesOutAgainWholeFromItsStart() {
        Pool pool = new Pool(2, closedWhileIdle());
        assertSame(OK, new ClosedIdleConnectionRetry(pool, 50).execute(putArchive(
                new ByteArrayInputStream("globals.sql's tar".getBytes()))));
        assertEquals(List.of("globals.sql's tar", "globals.sql's tar", "globals.sql's tar"), pool.sent,
                "each attempt read the whole body, never the rest of what the one before read");
    }

    @Test
    void aStreamedArchiveIsNotSentAgainCutOrClosed() throws Exception {
        Pool pool = new Pool(1, closedWhileIdle());
        java.io.PipedInputStream in = new java.io.PipedInputStream();
        try (java.io.PipedOutputStream out = new java.io.PipedOutputStream(in)) {
            out.write("a base backup's tar".getBytes());
        }
        RuntimeException failed = assertThrows(RuntimeException.class,
                () -> new ClosedIdleConnectionRetry(pool, 50).execute(putArchive(in)));
        assertEquals(1, pool.sent.size(), "what the first attempt read cannot be read again: " + pool.sent);
        assertTrue(failed.getCause() instanceof NoHttpResponseException, "the first attempt's own error: " + failed);
    }
}
