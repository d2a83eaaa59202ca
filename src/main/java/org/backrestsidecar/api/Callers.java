package org.backrestsidecar.api;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.backrestsidecar.access.Caller;

/** The caller the access filter found for this request. */
final class Callers {
    /**
     * What a call passed on to another node carries of the caller: who it is, as that node would see it
     * directly, and the change's {@code Idempotency-Key}, so that the node that acts knows a change
     * asked again through another sidecar (or through this one after it restarted and forgot it).
     */
    private static final List<String> FORWARDED = List.of(HttpHeaders.AUTHORIZATION, "X-Sidecar-Via",
            "X-Remote-User", "X-Real-IP", HttpHeaders.CONTENT_TYPE, org.backrestsidecar.access.CrossSiteGuard.MARK,
            org.backrestsidecar.access.RepeatedChanges.HEADER);

    private Callers() {
    }

    static Caller of(ContainerRequestContext request) {
        return request.getProperty(Caller.PROPERTY) instanceof Caller c ? c : Caller.unknown("unknown");
    }

    /** The caller's headers for a call made on its behalf to another node's sidecar. */
    static Map<String, String> forwardable(HttpHeaders headers, ContainerRequestContext request) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : FORWARDED) {
            Optional.ofNullable(headers.getHeaderString(name)).ifPresent(v -> out.put(name, v));
        }
        out.putIfAbsent("X-Real-IP", of(request).from());
        return out;
    }
}
