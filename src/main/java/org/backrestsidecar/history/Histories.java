package org.backrestsidecar.history;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.function.Function;
import org.backrestsidecar.config.SidecarConfig;

/** Opens each kind's {@link History} under the state folder's {@code history/}. */
@ApplicationScoped
public class Histories {
    private final SidecarConfig config;
    private final ObjectMapper json;

    public Histories(SidecarConfig config, ObjectMapper json) {
        this.config = config;
        this.json = json;
    }

    /** @param kind the file's name: {@code history/<kind>.json} */
    public <T> History<T> open(String kind, Class<T> type, Function<T, String> id, Function<T, Instant> at) {
        return new History<>(config.stateDir().resolve("history").resolve(kind + ".json"), json, type, id, at,
                Clock.systemUTC());
    }
}
