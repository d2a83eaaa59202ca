package org.backrestsidecar.access;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * A change asked again with the same {@value #HEADER} gets the first one's answer, and is not done a
 * second time. A network that drops an answer (a Wi-Fi that changes, a VPN coming up, a proxy
 * reloaded) leaves the asker not knowing whether the backup or restore started: the operator's page
 * sends a fresh key with every change and, when no answer came, asks again with the same key. The
 * sidecar answers a repeat with what it answered first (marked {@value #REPLAYED}), or, while the
 * first is still being answered, with 409 and {@code Retry-After}.
 * <p>
 * A key counts for one caller, one method and one path: another user's request with the same key is
 * a request of its own. Answers are kept {@link #KEPT_FOR} (enough for any asking again; a restart
 * forgets them, as it forgets the jobs it answered with), at most {@link #AT_MOST} of them.
 * The draft standard is the IETF's "The Idempotency-Key HTTP Header Field".
 */
public class RepeatedChanges {
    public static final String HEADER = "Idempotency-Key";
    public static final String REPLAYED = "Idempotent-Replayed";
    static final Duration KEPT_FOR = Duration.ofHours(1);
    static final int AT_MOST = 2000;
    /** A UUID and most keys people make; nothing that could split a log line or a header. */
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_.:-]{8,128}");
    private static final Set<String> READS = Set.of("GET", "HEAD", "OPTIONS");
    private static final String PROPERTY = "backrest-sidecar.repeat-key";

    private final Kept kept = new Kept(Clock.systemUTC());

    /** After the caller is known and allowed (AccessFilter, CrossSiteGuard): a refused request keeps nothing. */
    @ServerRequestFilter(priority = jakarta.ws.rs.Priorities.USER + 100)
    public Response answerARepeat(ContainerRequestContext request) {
        String given = request.getHeaderString(HEADER);
        if (given == null || READS.contains(request.getMethod()) || !request.getUriInfo().getPath().startsWith("/api/")) {
            return null;
        }
        Optional<String> key = key(given);
        if (key.isEmpty()) {
            return ApiError.response(Response.Status.BAD_REQUEST, "the header " + HEADER + " must be 8 to 128 letters, "
                    + "digits or . _ : - (a UUID will do), optionally in double quotes");
        }
        String scope = scope(request, key.get());
        Kept.Seen seen = kept.begin(scope);
        if (seen.answer() != null) {
            Answer first = seen.answer();
            Response.ResponseBuilder again = Response.status(first.status()).entity(first.entity()).header(REPLAYED, "true");
            if (first.type() != null) {
                again.type(first.type());
            }
            if (first.location() != null) {
                again.header(HttpHeaders.LOCATION, first.location());
            }
            return again.build();
        }
        if (seen.pending()) {
            return Response.fromResponse(ApiError.response(Response.Status.CONFLICT, "a request with this " + HEADER
                    + " is still being answered; ask again in a moment")).header(HttpHeaders.RETRY_AFTER, "1").build();
        }
        request.setProperty(PROPERTY, scope);
        return null;
    }

    @ServerResponseFilter
    public void keepTheAnswer(ContainerRequestContext request, ContainerResponseContext response) {
        if (request.getProperty(PROPERTY) instanceof String scope) {
            Object location = response.getHeaders().getFirst(HttpHeaders.LOCATION);
            kept.answered(scope, new Answer(response.getStatus(), response.getEntity(), response.getMediaType(),
                    location == null ? null : location.toString()));
        }
    }

    /** The key as given, without the double quotes of the draft's string form; empty when it is no key. */
    static Optional<String> key(String given) {
        String key = given.strip();
        if (key.length() >= 2 && key.startsWith("\"") && key.endsWith("\"")) {
            key = key.substring(1, key.length() - 1);
        }
        return KEY.matcher(key).matches() ? Optional.of(key) : Optional.empty();
    }

    private static String scope(ContainerRequestContext request, String key) {
        String who = request.getProperty(Caller.PROPERTY) instanceof Caller caller ? caller.who() : "unknown";
        String query = request.getUriInfo().getRequestUri().getRawQuery();
        return who + "\n" + request.getMethod() + "\n" + request.getUriInfo().getPath()
                + (query == null ? "" : "?" + query) + "\n" + key;
    }

    /** What the first request was answered. */
    record Answer(int status, Object entity, MediaType type, String location) {
    }

    /** The answers kept, by scope; pure but for the clock it is given, for the table of cases in its test. */
    static final class Kept {
        /** What a request found: the first one's answer, or the first one still being answered, or neither (go on). */
        record Seen(Answer answer, boolean pending) {
        }

        private record Entry(Instant since, Answer answer) {
        }

        private final Clock clock;
        /** In the order they began, so the oldest go first. */
        private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();

        Kept(Clock clock) {
            this.clock = clock;
        }

        synchronized Seen begin(String scope) {
            Instant now = clock.instant();
            entries.values().removeIf(e -> e.since().plus(KEPT_FOR).isBefore(now));
            Entry entry = entries.get(scope);
            if (entry != null) {
                return new Seen(entry.answer(), entry.answer() == null);
            }
            if (entries.size() >= AT_MOST) {
                // the oldest answered one makes room; when all are still being answered, this one is not kept
                Iterator<Map.Entry<String, Entry>> oldest = entries.entrySet().iterator();
                while (oldest.hasNext()) {
                    if (oldest.next().getValue().answer() != null) {
                        oldest.remove();
                        break;
                    }
                }
                if (entries.size() >= AT_MOST) {
                    return new Seen(null, false);
                }
            }
            entries.put(scope, new Entry(now, null));
            return new Seen(null, false);
        }

        synchronized void answered(String scope, Answer answer) {
            Entry entry = entries.get(scope);
            if (entry != null) {
                entries.put(scope, new Entry(entry.since(), answer));
            }
        }

        synchronized int size() {
            return entries.size();
        }
    }
}
