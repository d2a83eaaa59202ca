package org.backrestsidecar.restic;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The key file format against a key restic 0.14 wrote itself (`restic init` with the tests' cheap
 * key, then `restic cat masterkey`): opened here, it gives restic's master key; sealed here, it opens
 * again; anything else is refused with the reason. That restic itself opens a key sealed here is
 * QuickKeysTest's (real restic on a real repo).
 */
class RepoKeyFileTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** keys/af958b9d… of a repo restic 0.14 made with the password below. */
    static final String RESTIC_WROTE = "{\"created\":\"2026-11-30T16:45:47.205810877Z\",\"username\":\"root\",\"hostname\":\"vm\","
            + "\"kdf\":\"scrypt\",\"N\":4096,\"r\":8,\"p\":3,\"salt\":\"1DbS6PF1AzREe3OBq7gw6ol2pDATng74eCRShwbBr+Hyb2Uz1Bas8f1bYlwqzMdpb08PIfkV2RGslUeSKZ25wg==\","
            + "\"data\":\"mp35oYSJ/SPUSGHFnkrtKrrmJ90vouZOTgM1WkkGWP0AcAn7LO3quqfW5M8+/OYp1oTv6pL4p3Xpwf0oDhu2wpN0Ab4UunGPPYMHWNc8WrMBYsJsQkJKI69l3qiYDn5/OkC0DwwkVSIpicOvuqlcXs7qGT9y7YUjnZVoFZ7hbqZCWP0/j8bk3lhrdfBpkpLMYENRHMpMRdCQPbRseuHCyg==\"}";
    static final String ITS_NAME = "af958b9d7ec0240e38b8661d662177c82bcbd849d2d886c1ca02f4323edcdddb";
    static final String PASSWORD = "fixture-password-for-the-repo-key-file-test";

    @Test
    void aKeyResticWroteOpensToResticsMasterKey() throws Exception {
        JsonNode master = JSON.readTree(RepoKeyFile.parse(bytes(RESTIC_WROTE)).open(PASSWORD));
        assertEquals("I49kZuSx8axlz9qmrtDMmQ==", master.path("mac").path("k").asText());
        assertEquals("HgSJDESDWARcBDsP3A+zBw==", master.path("mac").path("r").asText());
        assertEquals("OHSLdqazBTQuNMnn3FMWwp9DluVAH4tNDBIsiAx1GSc=", master.path("encrypt").asText());
        assertEquals(ITS_NAME, RepoKeyFile.id(bytes(RESTIC_WROTE)), "restic names a key file by the SHA-256 of its bytes");
        assertEquals(new RepoKeyFile.Cost(4096, 8, 3), RepoKeyFile.parse(bytes(RESTIC_WROTE)).cost());
    }

    @Test
    void aSealedKeyOpensWithItsPasswordOnly() throws Exception {
        byte[] master = RepoKeyFile.parse(bytes(RESTIC_WROTE)).open(PASSWORD);
        byte[] sealed = RepoKeyFile.seal(master, PASSWORD, QuickKeys.QUICK, "backrest-sidecar", "host", Instant.EPOCH);
        RepoKeyFile quick = RepoKeyFile.parse(sealed);
        assertArrayEquals(master, quick.open(PASSWORD));
        assertEquals(QuickKeys.QUICK, quick.cost());
        assertEquals("backrest-sidecar", quick.username());
        assertEquals(RepoKeyFile.NotOpened.Why.WRONG_PASSWORD,
                assertThrows(RepoKeyFile.NotOpened.class, () -> quick.open(PASSWORD + "x")).why());
        // two seals of one master key differ (salt and IV are new each time)
        assertEquals(false, java.util.Arrays.equals(sealed,
                RepoKeyFile.seal(master, PASSWORD, QuickKeys.QUICK, "backrest-sidecar", "host", Instant.EPOCH)));
    }

    /** Each row changes one field of restic's key file; what it is refused as. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "a byte of the sealed master key changed | data    | flip:20       | WRONG_PASSWORD",
        "a byte of the tag changed               | data    | flip:-1       | WRONG_PASSWORD",
        "another salt                            | salt    | flip:0        | WRONG_PASSWORD",
        "another KDF                             | kdf     | text:argon2id | MALFORMED",
        "N not a power of two                    | N       | int:4095      | MALFORMED",
        "N of one                                | N       | int:1         | MALFORMED",
        "p of zero                               | p       | int:0         | MALFORMED",
        "a salt of 32 bytes                      | salt    | short:32      | MALFORMED",
        "data shorter than IV and tag            | data    | short:20      | MALFORMED",
        "salt not base64                         | salt    | text:*not*    | MALFORMED",
    })
    void aChangedKeyFileIsRefusedWithItsReason(String why, String field, String change, String refused) throws Exception {
        ObjectNode key = (ObjectNode) JSON.readTree(RESTIC_WROTE);
        String how = change.substring(0, change.indexOf(':'));
        String arg = change.substring(change.indexOf(':') + 1);
        switch (how) {
            case "flip" -> {
                byte[] b = Base64.getDecoder().decode(key.path(field).asText());
                int at = Integer.parseInt(arg);
                b[at < 0 ? b.length + at : at] ^= 1;
                key.put(field, Base64.getEncoder().encodeToString(b));
            }
            case "short" -> key.put(field, Base64.getEncoder().encodeToString(
                    java.util.Arrays.copyOf(Base64.getDecoder().decode(key.path(field).asText()), Integer.parseInt(arg))));
            case "int" -> key.put(field, Integer.parseInt(arg));
            default -> key.put(field, arg);
        }
        RepoKeyFile.NotOpened e = assertThrows(RepoKeyFile.NotOpened.class,
                () -> RepoKeyFile.parse(JSON.writeValueAsBytes(key)).open(PASSWORD), why);
        assertEquals(RepoKeyFile.NotOpened.Why.valueOf(refused), e.why(), why + ": " + e.getMessage());
    }

    @ParameterizedTest(name = "[{0}]")
    @CsvSource(delimiter = '|', value = {"''", "not json", "[]", "{}", "{\"kdf\":\"scrypt\"}"})
    void whatIsNoKeyFileIsMalformed(String file) {
        assertEquals(RepoKeyFile.NotOpened.Why.MALFORMED,
                assertThrows(RepoKeyFile.NotOpened.class, () -> RepoKeyFile.parse(bytes(file))).why());
    }

    @Test
    void thePasswordIsTheFilesTextTrimmedAsResticTrimsIt() {
        assertEquals("abc def", RepoKeyFile.password("  abc def\n"));
        assertEquals("abc", RepoKeyFile.password("abc\r\n\t"));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
