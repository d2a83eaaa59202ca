package org.backrestsidecar.api;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The bearer token every {@code /api/} call must carry. It is read from a file (setup generates it,
 * nginx adds it for the users it has authenticated); there is no way to run the API open, so a
 * missing or short token stops start-up.
 */
@ApplicationScoped
public class ApiToken {
    static final int MIN_LENGTH = 24;
    private final byte[] token;

    public ApiToken(@ConfigProperty(name = "sidecar.api.token-file", defaultValue = "/config/api-token") Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new IllegalStateException("the API token file " + file + " cannot be read (" + e.getMessage()
                    + "); create one with 'head -c 32 /dev/urandom | base64 > " + file + "' or run "
                    + "scripts/backrest-setup.sh, and point SIDECAR_API_TOKEN_FILE at it");
        }
        if (text.length() < MIN_LENGTH) {
            throw new IllegalStateException("the API token in " + file + " is " + text.length()
                    + " characters; at least " + MIN_LENGTH + " are required");
        }
        this.token = text.getBytes(StandardCharsets.UTF_8);
    }

    void checkAtStart(@Observes StartupEvent ignored) {
        // constructing the bean is the check: a bad token file stops start-up here, not at the first call
    }

    /** Constant time, so the comparison leaks nothing about how much of a guess was right. */
    boolean accepts(String presented) {
        return presented != null && MessageDigest.isEqual(token, presented.getBytes(StandardCharsets.UTF_8));
    }
}
