package org.backrestsidecar.config;

import java.util.Locale;
import java.util.Optional;

/** What a user or token may do: each role may do all that the ones before it may. */
public enum Role {
    /** read everything: plans, runs, snapshots, health, audit */
    VIEWER,
    /** also start backups, drills and repo checks */
    OPERATOR,
    /** also restore and send test notifications */
    ADMIN;

    public boolean allows(Role needed) {
        return compareTo(needed) >= 0;
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Role> byId(String id) {
        for (Role r : values()) {
            if (r.id().equals(id)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }
}
