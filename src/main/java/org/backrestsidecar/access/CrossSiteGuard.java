package org.backrestsidecar.access;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * No other site acts as the operator. nginx adds the sidecar's token to every request of a logged-in
 * browser, so a form on any page the operator opens would carry it too: a call that changes something
 * is refused when the browser says it comes from another site ({@code Sec-Fetch-Site}) or another
 * origin ({@code Origin}), and, when it came through nginx, unless it carries what a form or a simple
 * cross-site request cannot send: the header {@value #MARK} (the page sets it) or a JSON body (a
 * browser asks the sidecar first, and the sidecar allows no other origin). A caller with a token of its
 * own (the command line, a script) is no browser: a browser cannot add a bearer token by itself.
 */
public class CrossSiteGuard {
    /** Any value; what matters is that a cross-site form cannot set a header at all. */
    public static final String MARK = "X-Requested-By";
    private static final Set<String> READS = Set.of("GET", "HEAD", "OPTIONS");
    private static final Set<String> OWN_SITE = Set.of("same-origin", "none");

    /** After {@link AccessFilter#authenticate}, so that a refusal is audited with who asked. */
    @ServerRequestFilter(preMatching = true, priority = jakarta.ws.rs.Priorities.USER + 1)
    public Response refuseOtherSites(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if (!path.startsWith("/api/") || READS.contains(request.getMethod())) {
            return null;
        }
        return why(request.getHeaderString("Sec-Fetch-Site"), request.getHeaderString("Origin"),
                expectedAuthority(request), "nginx".equals(request.getHeaderString(AccessFilter.VIA)),
                request.getHeaderString(MARK), request.getMediaType())
                .map(why -> ApiError.response(Response.Status.FORBIDDEN, why))
                .orElse(null);
    }

    /** Where the browser sent it: the host and port it typed, as nginx passes them on, else Host. */
    private static String expectedAuthority(ContainerRequestContext request) {
        return Optional.ofNullable(request.getHeaderString("X-Forwarded-Host"))
                .or(() -> Optional.ofNullable(request.getHeaderString(HttpHeaders.HOST))).orElse("");
    }

    /** Why a change is refused, or empty when it may go on; pure, for the table of cases in its test. */
    static Optional<String> why(String fetchSite, String origin, String authority, boolean viaNginx, String mark,
                                MediaType type) {
        if (fetchSite != null && !OWN_SITE.contains(fetchSite.strip().toLowerCase(Locale.ROOT))) {
            return Optional.of("refused: this change comes from another site (Sec-Fetch-Site: " + fetchSite.strip()
                    + "); only the sidecar's own page and callers with a token may change anything");
        }
        if (origin != null && !sameAuthority(origin, authority)) {
            return Optional.of("refused: this change comes from another origin (Origin: " + origin.strip()
                    + ", this is " + authority + "); only the sidecar's own page and callers with a token may change anything");
        }
        boolean json = type != null && type.isCompatible(MediaType.APPLICATION_JSON_TYPE);
        if (viaNginx && (mark == null || mark.isBlank()) && !json) {
            return Optional.of("refused: a change through nginx needs the header " + MARK + " (the sidecar's page "
                    + "sends it) or a JSON body, which a form on another site cannot send");
        }
        return Optional.empty();
    }

    private static boolean sameAuthority(String origin, String authority) {
        try {
            URI uri = new URI(origin.strip());
            if (uri.getHost() == null || authority.isBlank()) {
                return false;
            }
            String given = uri.getPort() < 0 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
            return given.equalsIgnoreCase(authority.strip());
        } catch (java.net.URISyntaxException e) {
            return false;
        }
    }
}
