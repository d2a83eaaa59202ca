package org.backrestsidecar.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Who may do what through the API.
 *
 * @param users        role of each user nginx authenticates (unlisted users are viewers)
 * @param tokens       further API tokens, each with a name (shown in the audit log) and a role
 */
public record AccessConfig(Map<String, Role> users, List<Token> tokens) {
    /** Setup's one login, {@code admin}, keeps doing everything it did before roles existed. */
    public static final AccessConfig DEFAULT = new AccessConfig(Map.of("admin", Role.ADMIN), List.of());

    public AccessConfig {
        users = Map.copyOf(users);
        tokens = List.copyOf(tokens);
    }

    public Role roleOf(String user) {
        return users.getOrDefault(user, Role.VIEWER);
    }

    public record Token(String name, Path file, Role role) {
    }
}
