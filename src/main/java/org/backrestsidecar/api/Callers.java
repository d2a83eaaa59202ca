package org.backrestsidecar.api;

import jakarta.ws.rs.container.ContainerRequestContext;
import org.backrestsidecar.access.Caller;

/** The caller the access filter found for this request. */
final class Callers {
    private Callers() {
    }

    static Caller of(ContainerRequestContext request) {
        return request.getProperty(Caller.PROPERTY) instanceof Caller c ? c : Caller.unknown("unknown");
    }
}
