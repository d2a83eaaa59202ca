package org.backrestsidecar.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The RDB head as Redis 7 writes it (aux fields as plain, integer and LZF strings, then SELECTDB and
 * RESIZEDB); the scenario tests read real RDBs from a real Redis.
 */
class RdbKeyCountTest {

    private static byte[] rdb(int... tail) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("REDIS0011".getBytes(StandardCharsets.US_ASCII));
        out.write(0xFA); // aux "redis-ver" "7.0.15"
        out.write(9);
        out.writeBytes("redis-ver".getBytes(StandardCharsets.US_ASCII));
        out.write(6);
        out.writeBytes("7.0.15".getBytes(StandardCharsets.US_ASCII));
        out.write(0xFA); // aux "ctime" as a 32-bit integer string
        out.write(5);
        out.writeBytes("ctime".getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(new byte[] {(byte) 0xC2, 1, 2, 3, 4});
        out.write(0xFA); // aux with an LZF value: compressed length 3, length 10
        out.write(1);
        out.write('x');
        out.writeBytes(new byte[] {(byte) 0xC3, 3, 10, 9, 9, 9});
        for (int b : tail) {
            out.write(b);
        }
        return out.toByteArray();
    }

    @Test
    void readsTheFirstDatabasesKeyCountFromTheHead() {
        // SELECTDB 0, RESIZEDB 10000 (14-bit length 0x2710) with 3 expiring
        assertEquals(Optional.of(new RdbKeyCount.Count(0, 10000)),
                RdbKeyCount.parse(rdb(0xFE, 0, 0xFB, 0x40 | 0x27, 0x10, 3, 0x00)));
        // a 32-bit length: 1,000,000 keys in database 2
        assertEquals(Optional.of(new RdbKeyCount.Count(2, 1_000_000)),
                RdbKeyCount.parse(rdb(0xFE, 2, 0xFB, 0x80, 0x00, 0x0F, 0x42, 0x40, 0)));
    }

    @Test
    void anEmptyDatasetHasNoKeysAndUnknownDataIsNoCount() {
        assertEquals(Optional.of(new RdbKeyCount.Count(0, 0)), RdbKeyCount.parse(rdb(0xFF)));
        assertEquals(Optional.empty(), RdbKeyCount.parse(rdb(0xF7, 1, 2, 3)), "module aux: not guessed");
        assertEquals(Optional.empty(), RdbKeyCount.parse("NOTREDIS".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void passesEveryByteThroughUnchanged() throws Exception {
        byte[] file = rdb(0xFE, 0, 0xFB, 5, 0, 0xFF);
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (RdbKeyCount counted = new RdbKeyCount(sink)) {
            counted.write(file, 0, 4);
            counted.write(file, 4, file.length - 4);
            assertEquals(Optional.of(new RdbKeyCount.Count(0, 5)), counted.count());
        }
        assertEquals(new String(file, StandardCharsets.ISO_8859_1), sink.toString(StandardCharsets.ISO_8859_1));
    }
}
