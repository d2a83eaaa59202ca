package org.backrestsidecar.access;

import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import java.time.Instant;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * Writes the audit line of every API request that asks for a change (anything but GET and HEAD) and
 * of every refused one (401, 403), whatever its method, once its answer is known.
 */
public class AuditFilter {
    private final AuditLog audit;

    public AuditFilter(AuditLog audit) {
        this.audit = audit;
    }

    @ServerResponseFilter
    public void record(ContainerRequestContext request, ContainerResponseContext response) {
        String path = request.getUriInfo().getPath();
        if (!path.startsWith("/api/")) {
            return;
        }
        int status = response.getStatus();
        boolean reading = HttpMethod.GET.equals(request.getMethod()) || HttpMethod.HEAD.equals(request.getMethod());
        if (reading && status != 401 && status != 403) {
            return;
        }
        Caller caller = request.getProperty(Caller.PROPERTY) instanceof Caller c ? c : Caller.unknown("unknown");
        String outcome = status == 401 ? "unauthenticated" : status == 403 ? "forbidden"
                : status < 400 ? "accepted" : "refused";
        String detail = response.getEntity() instanceof ApiError e ? e.error() : null;
        if (response.getHeaders().containsKey(RepeatedChanges.REPLAYED)) {
            detail = "asked again with the same " + RepeatedChanges.HEADER + ": answered as the first time, nothing done again";
        }
        String query = request.getUriInfo().getRequestUri().getRawQuery();
        audit.append(new AuditLog.Entry(Instant.now(), caller.who(), caller.role() == null ? null : caller.role().id(),
                caller.from(), request.getMethod(), path + (query == null ? "" : "?" + query), status, outcome, detail));
    }
}
