package org.backrestsidecar.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** A call's query read as written, or refused with what the call takes. */
class StrictQueryTest {
    private static final Map<String, Class<?>> CHECKS = Map.of("data", boolean.class);
    private static final Map<String, Class<?>> AUDIT = new TreeMap<>(Map.of("since", String.class, "limit", int.class));

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of(CHECKS, Map.of("data", List.of("true")), null),
                Arguments.of(CHECKS, Map.of("data", List.of("false")), null),
                Arguments.of(CHECKS, Map.of(), null),
                Arguments.of(CHECKS, Map.of("data", List.of("maybe")), "query parameter 'data' must be true or false, not 'maybe'"),
                Arguments.of(CHECKS, Map.of("data", List.of("TRUE")), "query parameter 'data' must be true or false, not 'TRUE'"),
                Arguments.of(CHECKS, Map.of("data", List.of("")), "query parameter 'data' must be true or false, not ''"),
                Arguments.of(CHECKS, Map.of("data", List.of("true", "false")), "query parameter 'data' is given 2 times; give it once"),
                Arguments.of(CHECKS, Map.of("dat", List.of("true")), "unknown query parameter 'dat'; this call takes data"),
                Arguments.of(Map.of(), Map.of("x", List.of("1")), "unknown query parameter 'x'; this call takes none"),
                Arguments.of(AUDIT, Map.of("limit", List.of("20")), null),
                Arguments.of(AUDIT, Map.of("limit", List.of("lots")), "query parameter 'limit' must be a whole number, not 'lots'"),
                Arguments.of(AUDIT, Map.of("since", List.of("2026-11-01T00:00:00Z")), null));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void readsTheQueryAsWrittenOrSaysWhy(Map<String, Class<?>> takes, Map<String, List<String>> query, String refused) {
        assertEquals(Optional.ofNullable(refused), StrictQuery.why(takes, query));
    }
}
