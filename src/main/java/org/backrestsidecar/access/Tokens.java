package org.backrestsidecar.access;

import org.backrestsidecar.config.Role;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.backrestsidecar.config.AccessConfig;
import org.backrestsidecar.config.SidecarConfig;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The bearer tokens the API accepts. The sidecar's own token (setup generates it; nginx adds it for
 * the users it has authenticated) is the only one whose requests may name a user; further tokens
 * from {@code access.tokens} each have a name and a role. There is no way to run the API open, so a
 * missing or short token stops start-up.
 */
@ApplicationScoped
public class Tokens {
    static final int MIN_LENGTH = 24;
    /** The name of the sidecar's own token in the audit log, when no user is named. */
    public static final String OWN = "api-token";

    /** A token that was presented and known. {@code own}: the one nginx carries. */
    public record Known(String name, Role role, boolean own) {
    }

    private record Entry(Known known, byte[] secret) {
    }

    private final List<Entry> entries = new ArrayList<>();

    public Tokens(@ConfigProperty(name = "sidecar.api.token-file", defaultValue = "/config/api-token") Path file,
                  SidecarConfig config) {
        entries.add(new Entry(new Known(OWN, Role.ADMIN, true), read(file, "SIDECAR_API_TOKEN_FILE")));
        for (AccessConfig.Token t : config.access().tokens()) {
            entries.add(new Entry(new Known(t.name(), t.role(), false), read(t.file(), "access.tokens " + t.name())));
        }
    }

    private static byte[] read(Path file, String setting) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new IllegalStateException("the API token file " + file + " cannot be read (" + e.getMessage()
                    + "); create one with 'head -c 32 /dev/urandom | base64 > " + file + "' or run "
                    + "scripts/backrest-setup.sh, and point " + setting + " at it");
        }
        if (text.length() < MIN_LENGTH) {
            throw new IllegalStateException("the API token in " + file + " is " + text.length()
                    + " characters; at least " + MIN_LENGTH + " are required");
        }
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** The sidecar's own token as a header value: what it shows a peer when no caller is asking. */
    public String ownBearer() {
        return "Bearer " + new String(entries.get(0).secret(), StandardCharsets.UTF_8);
    }

    void checkAtStart(@Observes StartupEvent ignored) {
        // constructing the bean is the check: a bad token file stops start-up here, not at the first call
    }

    /** Constant time per token, so a comparison leaks nothing about how much of a guess was right. */
    Optional<Known> identify(String presented) {
        if (presented == null) {
            return Optional.empty();
        }
        byte[] bytes = presented.getBytes(StandardCharsets.UTF_8);
        Known found = null;
        for (Entry e : entries) {
            if (MessageDigest.isEqual(e.secret(), bytes) && found == null) {
                found = e.known();
            }
        }
        return Optional.ofNullable(found);
    }
}
