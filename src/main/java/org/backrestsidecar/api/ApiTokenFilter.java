package org.backrestsidecar.api;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Every {@code /api/} request needs {@code Authorization: Bearer <token>}; anything else is 401 with
 * a JSON reason. Health and metrics ({@code /q/...}) are not resources here and stay open.
 */
public class ApiTokenFilter {
    private final ApiToken token;

    public ApiTokenFilter(ApiToken token) {
        this.token = token;
    }

    @ServerRequestFilter(preMatching = true)
    public Response check(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if (!path.startsWith("/api/") && !path.equals("/api")) {
            return null;
        }
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        String presented = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).strip() : null;
        if (token.accepts(presented)) {
            return null;
        }
        return Response.fromResponse(ApiError.response(Response.Status.UNAUTHORIZED, presented == null
                        ? "this API needs 'Authorization: Bearer <token>' (the token file of the sidecar)"
                        : "the bearer token is not this sidecar's"))
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"backrest-sidecar\"").build();
    }
}
