package org.backrestsidecar.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for the servers a test starts on 127.0.0.1.
 * <ul>
 *   <li>No port is given twice in one test run: the kernel may hand the same free port to two asks in
 *       a row (the first socket was closed again), and nginx then refused two listens on one port
 *       ("a duplicate default server").</li>
 *   <li>Ports are taken below the kernel's ephemeral range ({@code ip_local_port_range}), from which
 *       every outgoing connection gets its own port: a port found free there was taken by a
 *       connection of a test running beside before the sidecar started on it (ci30: RestoreCutOffIT's
 *       sidecar met "Port 36567 seems to be in use" while IncrementalBaseBackupsIT ran beside it).</li>
 * </ul>
 */
public final class FreePorts {
    private static final Set<Integer> GIVEN = ConcurrentHashMap.newKeySet();
    /** The ports tried: this many below the ephemeral range, above the well-known and registered ones most hosts listen on. */
    private static final int SPAN = 10_000;

    private FreePorts() {
    }

    public static int next() throws IOException {
        int below = ephemeralFrom();
        int from = below - SPAN;
        for (int attempt = 0; from > 1024 && attempt < 1000; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(from, below);
            if (!GIVEN.contains(port) && free(port) && GIVEN.add(port)) {
                return port;
            }
        }
        // a kernel whose ephemeral range starts low: any port it says is free
        while (true) {
            try (ServerSocket s = new ServerSocket(0)) {
                if (GIVEN.add(s.getLocalPort())) {
                    return s.getLocalPort();
                }
            }
        }
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket(port)) {
            return true;
        } catch (IOException taken) {
            return false;
        }
    }

    /** The first port of the kernel's ephemeral range (Linux's default 32768 when it cannot be read). */
    static int ephemeralFrom() {
        try {
            // readAllLines: Files.readString gives one byte of a /proc file (whose size is 0)
            return Integer.parseInt(String.join(" ", Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))).strip()
                    .split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 32768;
        }
    }
}
