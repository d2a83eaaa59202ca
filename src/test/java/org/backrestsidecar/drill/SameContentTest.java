package org.backrestsidecar.drill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** A drill's content comparison: what it says when every table matches, and which table it names when one does not. */
class SameContentTest {

    static Stream<Arguments> cases() {
        Map<String, Long> dumped = Map.of("public.items", 11L, "shop.\"Orders\"", 22L);
        return Stream.of(
                Arguments.of("the same rows", dumped, dumped,
                        "database app: the content of 2 tables matches what was dumped (a sum of every row's text)"),
                Arguments.of("one row changed", dumped, Map.of("public.items", 11L, "shop.\"Orders\"", 23L),
                        "FAILED database app restores with other content: shop.\"Orders\" holds other rows than were dumped"),
                Arguments.of("a table missing", dumped, Map.of("public.items", 11L),
                        "FAILED database app restores with other content: shop.\"Orders\" is missing"),
                Arguments.of("a table added", Map.of("public.items", 11L), dumped,
                        "FAILED database app restores with other content: shop.\"Orders\" was not in the backup"),
                Arguments.of("one table", Map.of("public.items", 11L), Map.of("public.items", 11L),
                        "database app: the content of 1 table matches what was dumped (a sum of every row's text)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void saysWhatItFound(String name, Map<String, Long> recorded, Map<String, Long> restored, String said) {
        if (said.startsWith("FAILED ")) {
            DrillFailed failed = assertThrows(DrillFailed.class, () -> Counts.sameContent("database app", recorded, restored));
            assertEquals(said.substring("FAILED ".length()), failed.getMessage());
        } else {
            assertEquals(said, assertDoesNotFail(recorded, restored));
        }
    }

    private static String assertDoesNotFail(Map<String, Long> recorded, Map<String, Long> restored) {
        try {
            return Counts.sameContent("database app", recorded, restored);
        } catch (DrillFailed e) {
            throw new AssertionError("failed: " + e.getMessage(), e);
        }
    }
}
