package org.backrestsidecar.docker;

import com.github.dockerjava.transport.DockerHttpClient;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.apache.hc.core5.http.NoHttpResponseException;

/**
 * Sends a request once more when the connection it went out on had been closed by the other side
 * while it sat idle in the pool. docker-socket-proxy (haproxy, {@code timeout http-keep-alive 10s})
 * closes a keep-alive connection after 10 idle seconds; docker-java's pool never checks an idle
 * connection before reuse, and HttpClient retries only idempotent methods by itself. So the first
 * POST after any quiet spell longer than 10 s (a helper's create after a long dump) failed with
 * "failed to respond". No response byte at all means the proxy never took the request, so sending it
 * again cannot do it twice; nor can a request whose write met the closed connection ("Broken pipe").
 * Requests whose body is a stream we cannot replay (hijacked stdin, a piped archive) are not sent
 * again: the first attempt has read from it, so a second would send a cut or closed body (seen as
 * "Pipe closed" writing a drill's globals.sql). A body held in memory is sent again from its start.
 * After a burst of calls the pool holds several idle connections, all closed by the proxy after its
 * 10 s, and each is handed out in turn: so a request is sent again until it goes out
 * on a live one, at most once per connection the pool can hold (a CI run's pg_dump exec met two
 * closed connections in a row and failed "failed to respond" when only one retry was made).
 */
final class ClosedIdleConnectionRetry implements DockerHttpClient {
    private final DockerHttpClient http;
    private final int attempts;

    /** @param pooled the most connections the pool holds: a request is sent at most once more per each */
    ClosedIdleConnectionRetry(DockerHttpClient http, int pooled) {
        this.http = http;
        this.attempts = pooled + 1;
    }

    @Override
    public Response execute(Request request) {
        InputStream body = request.body();
        // bytes in memory can be read again from their start; any other stream only once
        ByteArrayInputStream inMemory = body instanceof ByteArrayInputStream bytes ? bytes : null;
        boolean replayable = body == null || inMemory != null;
        if (inMemory != null) {
            inMemory.mark(0);
        }
        for (int attempt = 1; ; attempt++) {
            try {
                return http.execute(request);
            } catch (RuntimeException e) {
                if (request.hijackedInput() != null || !replayable || !closedBeforeAnswer(e) || attempt >= attempts) {
                    throw e;
                }
                if (inMemory != null) {
                    inMemory.reset();
                }
            }
        }
    }

    private static boolean closedBeforeAnswer(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof NoHttpResponseException) {
                return true;
            }
            // over a unix socket (the Swarm stack's proxy) the write into the closed connection fails
            // first: the proxy had closed it, so it never read this request
            // (a SocketException over TCP, a plain IOException from the unix socket's channel)
            if (cause instanceof IOException && cause.getMessage() != null
                    && cause.getMessage().contains("Broken pipe")) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() throws IOException {
        http.close();
    }
}
