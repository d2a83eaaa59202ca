package org.backrestsidecar.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The ports the tests' servers get: never one twice, never one an outgoing connection could be holding. */
class FreePortsTest {
    @Test
    void portsAreDistinctBindableAndBelowTheEphemeralRange() throws Exception {
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            int port = FreePorts.next();
            assertTrue(seen.add(port), "port " + port + " given twice");
            assertTrue(port > 1024 && port < FreePorts.ephemeralFrom(), "port " + port + " is in the ephemeral range, from "
                    + FreePorts.ephemeralFrom());
        }
        int port = FreePorts.next();
        try (ServerSocket s = new ServerSocket(port)) {
            assertEquals(port, s.getLocalPort());
        }
    }
}
