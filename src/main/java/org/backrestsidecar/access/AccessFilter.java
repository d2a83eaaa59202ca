package org.backrestsidecar.access;

import org.backrestsidecar.config.Role;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.util.Optional;
import org.backrestsidecar.config.SidecarConfig;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Every {@code /api/} request needs {@code Authorization: Bearer <token>} (else 401), and a role
 * that allows what it asks (else 403). Requests carrying the sidecar's own token and nginx's
 * {@code X-Sidecar-Via: nginx} act as the user nginx names in {@code X-Remote-User}, with that user's
 * role. Health and metrics ({@code /q/...}) are not resources here and stay open.
 */
public class AccessFilter {
    /** nginx sets these; on any other token they are ignored, so they cannot be used to pose as someone. */
    static final String VIA = "X-Sidecar-Via";
    static final String USER = "X-Remote-User";
    static final String REAL_IP = "X-Real-IP";

    private final Tokens tokens;
    private final SidecarConfig config;

    public AccessFilter(Tokens tokens, SidecarConfig config) {
        this.tokens = tokens;
        this.config = config;
    }

    @ServerRequestFilter(preMatching = true)
    public Response authenticate(ContainerRequestContext request, HttpServerRequest connection) {
        String path = request.getUriInfo().getPath();
        if (!path.startsWith("/api/") && !path.equals("/api")) {
            return null;
        }
        String address = connection.remoteAddress() == null ? "unknown" : connection.remoteAddress().hostAddress();
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        String presented = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).strip() : null;
        Optional<Tokens.Known> token = tokens.identify(presented);
        if (token.isEmpty()) {
            request.setProperty(Caller.PROPERTY, Caller.unknown(address));
            return Response.fromResponse(ApiError.response(Response.Status.UNAUTHORIZED, presented == null
                            ? "this API needs 'Authorization: Bearer <token>' (the token file of the sidecar)"
                            : "the bearer token is not this sidecar's"))
                    .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"backrest-sidecar\"").build();
        }
        Caller caller;
        if (token.get().own() && "nginx".equals(request.getHeaderString(VIA))) {
            String user = Optional.ofNullable(request.getHeaderString(USER)).filter(u -> !u.isBlank()).orElse("anonymous");
            String from = Optional.ofNullable(request.getHeaderString(REAL_IP)).filter(a -> !a.isBlank()).orElse(address);
            caller = new Caller(user, config.access().roleOf(user), from);
        } else {
            caller = new Caller(token.get().name(), token.get().role(), address);
        }
        request.setProperty(Caller.PROPERTY, caller);
        return null;
    }

    @ServerRequestFilter
    public Response authorize(ContainerRequestContext request, ResourceInfo resource) {
        if (!(request.getProperty(Caller.PROPERTY) instanceof Caller caller) || caller.role() == null) {
            return null;
        }
        Role needed = needed(request.getMethod(), resource);
        if (caller.role().allows(needed)) {
            return null;
        }
        return ApiError.response(Response.Status.FORBIDDEN, caller.who() + " has role " + caller.role().id()
                + "; this needs " + needed.id());
    }

    static Role needed(String method, ResourceInfo resource) {
        Needs needs = resource == null || resource.getResourceMethod() == null ? null
                : resource.getResourceMethod().getAnnotation(Needs.class);
        if (needs != null) {
            return needs.value();
        }
        return HttpMethod.GET.equals(method) || HttpMethod.HEAD.equals(method) ? Role.VIEWER : Role.ADMIN;
    }
}
