package org.backrestsidecar.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Docker API proxy's JSON reader (docker-proxy/docker-api.lua), run by Lua 5.3 (the version
 * haproxy embeds) on one string each: what it reads must be the bytes Docker's Go decoder reads, or
 * the body is refused. A service update may hold any text its spec holds (a label "notes — café ☕"),
 * sent as UTF-8 or as {@code \}u escapes; a create stays printable ASCII; Docker's own answers are
 * read whole. The proxy judging real bodies is docker/ThroughSocketProxyTest and, for service
 * updates, swarm/SwarmBacksUpEachNodeIT.
 */
class ProxyJudgeJsonTest {
    private static final String REPLACEMENT = "\uFFFD";

    static Stream<Arguments> strings() {
        return Stream.of(
                // a service update: text as Go reads it
                read("service-update", bytes("\"notes — café ☕\""), "notes — café ☕"),
                read("service-update", ascii("\"notes \\u2014 caf\\u00e9 \\u2615\""), "notes — café ☕"),
                read("service-update", ascii("\"\\u00E9\""), "é"),
                read("service-update", ascii("\"\\ud83d\\udcbe\""), "\uD83D\uDCBE"),
                read("service-update", bytes("\"\uD83D\uDCBE\""), "\uD83D\uDCBE"),
                read("service-update", ascii("\"\\u003c\\u0026\\u003e\""), "<&>"),
                // Go: a surrogate without its pair is U+FFFD, and what follows is read on its own
                read("service-update", ascii("\"\\ud83d\""), REPLACEMENT),
                read("service-update", ascii("\"\\udcbe\""), REPLACEMENT),
                read("service-update", ascii("\"\\ud83d\\u0041\""), REPLACEMENT + "A"),
                read("service-update", ascii("\"\\ud83dx\""), REPLACEMENT + "x"),
                read("service-update", ascii("\"\\udcbe\\ud83d\""), REPLACEMENT + REPLACEMENT),
                // Go would read these bytes as U+FFFD: no byte-for-byte comparison could hold, refused
                refused("service-update", raw(0x22, 0xff, 0x22), "not UTF-8"),
                refused("service-update", raw(0x22, 0xc0, 0xaf, 0x22), "not UTF-8"),
                refused("service-update", raw(0x22, 0xed, 0xa0, 0x80, 0x22), "not UTF-8"),
                refused("service-update", raw(0x22, 0xe2, 0x82, 0x22), "not UTF-8"),
                refused("service-update", raw(0x22, 0xf4, 0x90, 0x80, 0x80, 0x22), "not UTF-8"),
                refused("service-update", raw(0x22, 0x01, 0x22), "control character"),
                refused("service-update", ascii("\"\\u00g9\""), "broken \\u escape"),
                // a create, an exec, a connect: printable ASCII, no escape outside it (no ſ for s)
                refused("strict", bytes("\"café\""), "printable ASCII"),
                refused("strict", ascii("\"Bind\\u017f\""), "outside ASCII"),
                read("strict", ascii("\"\\u0041\""), "A"),
                // Docker's answers, read as Go reads them
                read("answer", ascii("\"caf\\u00e9 \\ud83d\\udcbe\""), "café \uD83D\uDCBE"),
                read("answer", raw(0x22, 0x61, 0xff, 0x62, 0x22), "a" + REPLACEMENT + "b"));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("strings")
    void theProxyReadsAStringAsDockerDoesOrRefusesIt(String mode, String body, byte[] sent, String expected)
            throws Exception {
        String answer = decode(mode, sent);
        if (expected.startsWith("refused: ")) {
            assertTrue(answer.startsWith("refused: ") && answer.contains(expected.substring(9)),
                    "expected a refusal naming '" + expected.substring(9) + "', got: " + answer);
        } else {
            assertEquals(HexFormat.of().formatHex(expected.getBytes(StandardCharsets.UTF_8)), answer);
        }
    }

    /**
     * A key given twice, ignoring case: Go's last one wins, so the judge refuses it, but for a key
     * given null both times (Go's no-op, twice), as docker-java writes a network create's EnableIPv6.
     */
    @org.junit.jupiter.api.Test
    void aKeyGivenTwiceIsRefusedUnlessItIsNullBothTimes() throws Exception {
        record Case(String body, String answer) {
        }
        for (Case c : java.util.List.of(
                new Case("{\"EnableIPv6\":null,\"enableIPv6\":null,\"Name\":\"n\"}", "an object of EnableIPv6,Name"),
                new Case("{\"EnableIPv6\":null,\"enableIPv6\":true}", "refused: the key enableIPv6 given twice"),
                new Case("{\"Internal\":true,\"internal\":null}", "refused: the key internal given twice"),
                new Case("{\"Internal\":false,\"Internal\":false}", "refused: the key Internal given twice"),
                new Case("{\"Privileged\":null,\"PRIVILEGED\":true}", "refused: the key PRIVILEGED given twice"))) {
            String answer = decode("strict", ascii(c.body()));
            assertTrue(answer.startsWith(c.answer()), c.body() + " -> " + answer);
        }
    }

    private static String decode(String mode, byte[] body) throws Exception {
        Process lua = new ProcessBuilder("lua5.3", resource("docker-proxy/decode.lua"),
                Path.of("docker-proxy/docker-api.lua").toAbsolutePath().toString(), mode)
                .redirectErrorStream(true).start();
        lua.getOutputStream().write(body);
        lua.getOutputStream().close();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        lua.getInputStream().transferTo(out);
        assertTrue(lua.waitFor(30, TimeUnit.SECONDS), "lua5.3 did not end");
        return out.toString(StandardCharsets.UTF_8).strip();
    }

    private static String resource(String name) throws Exception {
        return Path.of(ProxyJudgeJsonTest.class.getClassLoader().getResource(name).toURI()).toString();
    }

    private static Arguments read(String mode, byte[] body, String expected) {
        return Arguments.of(mode, shown(body), body, expected);
    }

    private static Arguments refused(String mode, byte[] body, String why) {
        return Arguments.of(mode, shown(body), body, "refused: " + why);
    }

    private static String shown(byte[] body) {
        return HexFormat.of().formatHex(body);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] raw(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }
}
