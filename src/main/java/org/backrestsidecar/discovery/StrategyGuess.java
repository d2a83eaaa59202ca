package org.backrestsidecar.discovery;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The strategy a container gets when its labels do not name one, from what its image is: a
 * database is dumped or saved by its own tools, never copied live. An image we know to be a
 * database we cannot dump yet gets no guess, and its target says what to write instead.
 */
final class StrategyGuess {
    /** What to do for an image, with the labels the guess implies (e.g. Open WebUI's database). */
    record Guess(String strategy, Map<String, String> options) {
    }

    private StrategyGuess() {
    }

    static Optional<Guess> fromImage(String image) {
        String name = image == null ? "" : image.toLowerCase(Locale.ROOT);
        if (name.matches(".*(mysql|mariadb|mongo|elasticsearch|opensearch|clickhouse|influxdb).*")) {
            return Optional.empty();
        }
        if (name.matches(".*(postgres|postgis|timescaledb|pgvector).*")) {
            return Optional.of(new Guess("postgres", Map.of()));
        }
        if (name.matches(".*(redis|valkey|keydb).*")) {
            return Optional.of(new Guess("redis", Map.of()));
        }
        if (name.contains("open-webui")) {
            return Optional.of(new Guess("sqlite", Map.of("sqlite.paths", "/app/backend/data/webui.db")));
        }
        return Optional.of(new Guess("volume", Map.of()));
    }
}
