package org.backrestsidecar.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A tar is sent to the Docker API only once its first bytes are ready (ContainerFiles.putTar): the
 * proxy answers 408 to a body that starts more than 10 s after its headers. Each case: how long the
 * content waits before it begins, how much it has; the call may go once the first 64 kB are there, or
 * all of a smaller content.
 */
class FirstBytesTest {
    record Case(String why, long delayMillis, int size) {
    }

    @Test
    void theCallWaitsForTheFirstBytesOrTheEnd() throws Exception {
        for (Case c : List.of(
                new Case("a base backup whose restic starts late", 600, 3 * ContainerFiles.FIRST_BYTES),
                new Case("a small file, all of it", 300, 100),
                new Case("nothing at all", 200, 0))) {
            PipedInputStream in = new PipedInputStream(1 << 20);
            PipedOutputStream out = new PipedOutputStream(in);
            Thread writer = new Thread(() -> {
                try (out) {
                    Thread.sleep(c.delayMillis());
                    out.write(new byte[c.size()]);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            long start = System.nanoTime();
            writer.start();
            ContainerFiles.awaitFirstBytes(in, writer, c.why());
            assertTrue((System.nanoTime() - start) / 1_000_000 >= c.delayMillis(), c.why() + ": not before it began");
            assertTrue(in.available() >= Math.min(c.size(), ContainerFiles.FIRST_BYTES),
                    c.why() + ": " + in.available() + " bytes ready");
            assertEquals(c.size(), in.readAllBytes().length, c.why() + ": every byte still there to send");
            writer.join();
        }
    }
}
