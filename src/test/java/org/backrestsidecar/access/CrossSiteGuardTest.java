package org.backrestsidecar.access;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jakarta.ws.rs.core.MediaType;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Which changes the guard lets through, as browsers and clients send them. */
class CrossSiteGuardTest {
    private static final MediaType FORM = MediaType.APPLICATION_FORM_URLENCODED_TYPE;
    private static final MediaType JSON = MediaType.APPLICATION_JSON_TYPE;
    private static final MediaType TEXT = MediaType.TEXT_PLAIN_TYPE;

    static Stream<Arguments> cases() {
        return Stream.of(
                // what, Sec-Fetch-Site, Origin, the browser's host, via nginx, X-Requested-By, type, refused because
                Arguments.of("the page's own fetch", "same-origin", "https://backup.example", "backup.example", true,
                        "sidecar-page", JSON, null),
                Arguments.of("the page on a port of its own", "same-origin", "https://backup.example:8443",
                        "backup.example:8443", true, "sidecar-page", null, null),
                Arguments.of("a form on another site", "cross-site", "https://evil.example", "backup.example", true,
                        null, FORM, "another site"),
                Arguments.of("a form on a sibling host", "same-site", "https://evil.backup.example", "backup.example",
                        true, null, FORM, "another site"),
                Arguments.of("a fetch from another site even with the header", "cross-site", "https://evil.example",
                        "backup.example", true, "x", JSON, "another site"),
                Arguments.of("an old browser's form: no Sec-Fetch, another Origin", null, "https://evil.example",
                        "backup.example", true, null, FORM, "another origin"),
                Arguments.of("the same host on another port", null, "https://backup.example:9999", "backup.example",
                        true, "x", null, "another origin"),
                Arguments.of("a sandboxed frame (Origin: null)", null, "null", "backup.example", true, "x", null,
                        "another origin"),
                Arguments.of("a form with no Origin at all, through nginx", null, null, "backup.example", true, null,
                        TEXT, "needs the header"),
                Arguments.of("a text/plain body that reads as JSON", null, null, "backup.example", true, null, TEXT,
                        "needs the header"),
                Arguments.of("curl through nginx with the header", null, null, "backup.example", true, "me", null, null),
                Arguments.of("curl through nginx with a JSON body", null, null, "backup.example", true, null, JSON, null),
                Arguments.of("Sec-Fetch-Site none: typed by the user", "none", null, "backup.example", true, "x", null,
                        null),
                Arguments.of("the command line with its own token", null, null, "127.0.0.1:8080", false, null, null,
                        null),
                Arguments.of("the case of Sec-Fetch-Site does not matter", "Cross-Site", null, "backup.example", true,
                        "x", JSON, "another site"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void refusesOnlyWhatAnotherSiteCouldSend(String what, String fetchSite, String origin, String authority,
                                             boolean viaNginx, String mark, MediaType type, String refusedBecause) {
        Optional<String> why = CrossSiteGuard.why(fetchSite, origin, authority, viaNginx, mark, type);
        if (refusedBecause == null) {
            assertEquals(Optional.empty(), why, what);
        } else {
            assertEquals(true, why.isPresent() && why.get().contains(refusedBecause), what + ": " + why);
        }
    }
}
