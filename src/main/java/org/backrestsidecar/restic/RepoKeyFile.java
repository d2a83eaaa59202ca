package org.backrestsidecar.restic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.generators.SCrypt;
import org.bouncycastle.crypto.macs.Poly1305;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * One file of a restic repo's {@code keys/}, as restic 0.14 reads and writes it
 * (internal/repository/key.go, internal/crypto): JSON naming the KDF (scrypt) and its parameters, a
 * 64-byte salt, and {@code data}: a 16-byte IV, the repo's master key (restic's own JSON of it)
 * encrypted with AES-256-CTR, and a Poly1305-AES tag over the ciphertext. The 64 bytes scrypt derives
 * from the password are the AES key, then the MAC's AES key {@code k}, then its Poly1305 {@code r}.
 * The file's name in {@code keys/} is the SHA-256 of its bytes. Pure: no file or process here.
 */
public final class RepoKeyFile {
    /** scrypt's cost: N (a power of two), r and p, as restic stores them. */
    public record Cost(int n, int r, int p) {
        /** Within what restic accepts (simple-scrypt's checks) and scrypt needs (N a power of two). */
        boolean valid() {
            return n > 1 && Integer.bitCount(n) == 1 && r >= 1 && p >= 1 && (long) r * p < (1L << 30)
                    && r <= Integer.MAX_VALUE / 256 && n <= Integer.MAX_VALUE / 128 / r;
        }
    }

    /** Why a key file did not give the master key. */
    public static final class NotOpened extends Exception {
        public enum Why { WRONG_PASSWORD, MALFORMED }

        private final Why why;

        NotOpened(Why why, String message) {
            super(message);
            this.why = why;
        }

        public Why why() {
            return why;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SALT_BYTES = 64;
    private static final int IV_BYTES = 16;
    private static final int TAG_BYTES = 16;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String username;
    private final String hostname;
    private final Cost cost;
    private final byte[] salt;
    private final byte[] data;

    private RepoKeyFile(String username, String hostname, Cost cost, byte[] salt, byte[] data) {
        this.username = username;
        this.hostname = hostname;
        this.cost = cost;
        this.salt = salt;
        this.data = data;
    }

    /** The file's bytes as restic wrote them. */
    public static RepoKeyFile parse(byte[] file) throws NotOpened {
        try {
            JsonNode key = JSON.readTree(file);
            if (key == null || !"scrypt".equals(key.path("kdf").asText())) {
                throw new NotOpened(NotOpened.Why.MALFORMED, "not a restic key file with scrypt as its KDF");
            }
            Cost cost = new Cost(key.path("N").asInt(), key.path("r").asInt(), key.path("p").asInt());
            byte[] salt = Base64.getDecoder().decode(key.path("salt").asText());
            byte[] data = Base64.getDecoder().decode(key.path("data").asText());
            if (!cost.valid() || salt.length != SALT_BYTES || data.length <= IV_BYTES + TAG_BYTES) {
                throw new NotOpened(NotOpened.Why.MALFORMED, "a restic key file whose scrypt cost, salt or data restic would refuse");
            }
            return new RepoKeyFile(key.path("username").asText(), key.path("hostname").asText(), cost, salt, data);
        } catch (IOException | IllegalArgumentException e) {
            throw new NotOpened(NotOpened.Why.MALFORMED, "not a restic key file: " + e.getMessage());
        }
    }

    public Cost cost() {
        return cost;
    }

    public String username() {
        return username;
    }

    public String hostname() {
        return hostname;
    }

    /** The repo's master key (restic's JSON of it), if {@code password} is this key's. */
    public byte[] open(String password) throws NotOpened {
        byte[] derived = derive(password, salt, cost);
        byte[] iv = Arrays.copyOfRange(data, 0, IV_BYTES);
        byte[] sealed = Arrays.copyOfRange(data, IV_BYTES, data.length - TAG_BYTES);
        byte[] tag = Arrays.copyOfRange(data, data.length - TAG_BYTES, data.length);
        if (!MessageDigest.isEqual(tag, tag(derived, iv, sealed))) {
            throw new NotOpened(NotOpened.Why.WRONG_PASSWORD, "the password does not open this key");
        }
        return ctr(derived, iv, sealed);
    }

    /** A new key file holding {@code master} under {@code password}, derived at {@code cost}. */
    public static byte[] seal(byte[] master, String password, Cost cost, String username, String hostname,
                              Instant created) {
        if (!cost.valid()) {
            throw new IllegalArgumentException("scrypt cost " + cost + " is not one restic accepts");
        }
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        byte[] iv = new byte[IV_BYTES];
        do {
            RANDOM.nextBytes(iv);
        } while (Arrays.equals(iv, new byte[IV_BYTES])); // restic refuses an all-zero nonce
        byte[] derived = derive(password, salt, cost);
        byte[] sealed = ctr(derived, iv, master);
        byte[] tag = tag(derived, iv, sealed);
        byte[] data = new byte[IV_BYTES + sealed.length + TAG_BYTES];
        System.arraycopy(iv, 0, data, 0, IV_BYTES);
        System.arraycopy(sealed, 0, data, IV_BYTES, sealed.length);
        System.arraycopy(tag, 0, data, IV_BYTES + sealed.length, TAG_BYTES);
        ObjectNode key = JSON.createObjectNode();
        key.put("created", created.toString());
        key.put("username", username);
        key.put("hostname", hostname);
        key.put("kdf", "scrypt");
        key.put("N", cost.n());
        key.put("r", cost.r());
        key.put("p", cost.p());
        key.put("salt", Base64.getEncoder().encodeToString(salt));
        key.put("data", Base64.getEncoder().encodeToString(data));
        try {
            return JSON.writeValueAsBytes(key);
        } catch (IOException e) {
            throw new IllegalStateException("a key file could not be written as JSON", e);
        }
    }

    /** The name restic gives the file in {@code keys/}: the SHA-256 of its bytes. */
    public static String id(byte[] file) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(file));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** restic reads the password file and trims white space around it (Go's strings.TrimSpace). */
    public static String password(String fileText) {
        return fileText.strip();
    }

    private static byte[] derive(String password, byte[] salt, Cost cost) {
        return SCrypt.generate(password.getBytes(StandardCharsets.UTF_8), salt, cost.n(), cost.r(), cost.p(), 64);
    }

    /** AES-256-CTR with the derived key's first 32 bytes, the IV as the first counter block (Go's cipher.NewCTR). */
    private static byte[] ctr(byte[] derived, byte[] iv, byte[] input) {
        try {
            Cipher aes = Cipher.getInstance("AES/CTR/NoPadding");
            aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(derived, 0, 32, "AES"), new IvParameterSpec(iv));
            return aes.doFinal(input);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-CTR is missing from this JVM", e);
        }
    }

    /** Poly1305-AES: r from the derived key's last 16 bytes, s the IV encrypted with AES-128 under its bytes 32-47. */
    private static byte[] tag(byte[] derived, byte[] iv, byte[] sealed) {
        byte[] s;
        try {
            Cipher aes = Cipher.getInstance("AES/ECB/NoPadding");
            aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(derived, 32, 16, "AES"));
            s = aes.doFinal(iv);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES is missing from this JVM", e);
        }
        byte[] key = new byte[32];
        System.arraycopy(derived, 48, key, 0, 16); // BouncyCastle clamps r as restic's maskKey does
        System.arraycopy(s, 0, key, 16, 16);
        Poly1305 mac = new Poly1305();
        mac.init(new KeyParameter(key));
        mac.update(sealed, 0, sealed.length);
        byte[] out = new byte[TAG_BYTES];
        mac.doFinal(out, 0);
        return out;
    }
}
