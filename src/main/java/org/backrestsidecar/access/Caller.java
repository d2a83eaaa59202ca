package org.backrestsidecar.access;

import org.backrestsidecar.config.Role;
/**
 * Who is asking: the user nginx authenticated, or the name of the token; their role; and the
 * address the request came from (the browser's, as nginx saw it, when it came through nginx).
 */
public record Caller(String who, Role role, String from) {
    /** The request property under which the filter leaves the caller for resources and the audit log. */
    public static final String PROPERTY = "backrest-sidecar.caller";

    public static Caller unknown(String from) {
        return new Caller("unknown", null, from);
    }
}
