package org.backrestsidecar.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.backrestsidecar.testing.TestDocker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * Commands run in a real container on the real engine, as the strategies run pg_dump or psql: what
 * they write comes back whole, and an exec whose stream is never ended after the command exited
 * neither holds the run for its whole timeout nor passes as a whole output.
 *
 * <p>About one short exec in 200 has its stream left open by the engine (measured here, with and
 * without a proxy); that cannot be had on demand, so a relay in front of the real engine stands in
 * for it: it passes every byte both ways and never passes on the engine's end of a stream.
 */
// In the end-to-end suite (pom.xml engine.only.tests), beside its chain as the Swarm test is: it needs
// the engine and no sidecar. Its own cases one after the other.
@Execution(ExecutionMode.CONCURRENT)
class ContainerExecTest {
    private static final String NAME = "exec-target";
    private static final Duration LONG = Duration.ofSeconds(600);
    private static String id;
    private static ServerSocket relay;
    private final ContainerExec exec = new ContainerExec(TestDocker.client(), Duration.ofSeconds(1));

    @BeforeAll
    static void start() throws IOException {
        // its own leftover only: it runs in the end-to-end suite, beside the Swarm's containers
        TestDocker.remove(NAME);
        id = TestDocker.start(NAME, Map.of(), TestDocker.IDLE);
        relay = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        daemon(ContainerExecTest::relayEndlessly);
    }

    @AfterAll
    static void remove() throws IOException {
        relay.close();
        TestDocker.remove(NAME);
    }

    @Test
    @Execution(ExecutionMode.SAME_THREAD)
    void theOutputComesBackAsWrittenWithoutTheEndMark() throws IOException {
        // longer than a look at the exec (5 s): a wait that cut the stream there would lose the end
        assertEquals("slow\n", exec.output(id, List.of("sh", "-c", "sleep 8; echo slow"), LONG));
        assertEquals("first\nlast, no newline", exec.output(id, List.of("printf", "first\\nlast, no newline"), LONG));
        assertEquals("", exec.output(id, List.of("true"), LONG));
        IOException failed = assertThrows(IOException.class, () -> exec.output(id,
                List.of("sh", "-c", "echo half; echo broken >&2; exit 3"), LONG));
        assertTrue(failed.getMessage().contains("exited with 3: broken"), failed.getMessage());
    }

    /**
     * A dump into a sink slower than the command (restic waiting on an upload): the command has long
     * exited while what it wrote is still on its way, and none of it is lost or let go.
     */
    @Test
    @Execution(ExecutionMode.SAME_THREAD)
    void aSlowSinkGetsAllOfAStreamLongAfterTheCommandExited() throws IOException {
        int size = 400 * 1024;
        var sink = new ByteArrayOutputStream() {
            @Override
            public synchronized void write(byte[] b, int off, int len) {
                try {
                    Thread.sleep(len / 10); // about 10 kB a second
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                super.write(b, off, len);
            }

            @Override
            public void write(byte[] b) {
                write(b, 0, b.length);
            }
        };
        ExecResult result = exec.run(id, List.of("sh", "-c", "head -c " + size + " /dev/zero | tr '\\0' a"), LONG, sink);
        assertTrue(result.succeeded(), result.failure("the dump"));
        byte[] got = sink.toByteArray();
        assertEquals(size, got.length, "every byte came");
        assertTrue(new String(got, StandardCharsets.US_ASCII).chars().allMatch(c -> c == 'a'), "as written");
    }

    /** The timeout is far longer than the test may take: a wait for it would fail the test run. */
    @Test
    @Execution(ExecutionMode.SAME_THREAD)
    @org.junit.jupiter.api.Timeout(120)
    void anOutputLeftOpenIsTakenWhenItsEndMarkCame() throws IOException {
        try (var docker = new DockerClientProducer("tcp://127.0.0.1:" + relay.getLocalPort()).standalone()) {
            assertEquals("counted 42\n", new ContainerExec(docker, Duration.ofSeconds(1)).output(id,
                    List.of("echo", "counted 42"), LONG));
        }
    }

    @Test
    @Execution(ExecutionMode.SAME_THREAD)
    @org.junit.jupiter.api.Timeout(120)
    void aStreamedRunLeftOpenFailsAsPossiblyCut() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ExecResult result;
        try (var docker = new DockerClientProducer("tcp://127.0.0.1:" + relay.getLocalPort()).standalone()) {
            result = new ContainerExec(docker, Duration.ofSeconds(1)).run(id, List.of("echo", "dumped"), LONG, out);
        }
        assertEquals("dumped\n", out.toString(StandardCharsets.UTF_8));
        assertFalse(result.timedOut(), "the command ended long before its timeout: " + result);
        assertTrue(result.leftOpen() && !result.succeeded(), "a dump whose stream never ended is not taken: " + result);
        assertTrue(result.failure("pg_dump").startsWith("pg_dump exited with 0, but its output stream did not end"),
                result.failure("pg_dump"));
    }

    private static void relayEndlessly() {
        while (!relay.isClosed()) {
            try {
                Socket client = relay.accept();
                SocketChannel engine = SocketChannel.open(UnixDomainSocketAddress.of("/var/run/docker.sock"));
                InputStream fromClient = client.getInputStream();
                OutputStream toClient = client.getOutputStream();
                // the channel's own read and write (its streams would share one lock: a write waits for a read)
                daemon(() -> pass(fromClient::read, buffer -> {
                    while (buffer.hasRemaining()) {
                        engine.write(buffer);
                    }
                }, engine));
                // the engine's end is not passed on: the client waits for one as for a stream left open
                daemon(() -> pass(bytes -> engine.read(java.nio.ByteBuffer.wrap(bytes)),
                        buffer -> toClient.write(buffer.array(), 0, buffer.limit()), null));
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void daemon(Runnable work) {
        Thread thread = new Thread(work, "stream-left-open relay");
        thread.setDaemon(true);
        thread.start();
    }

    private interface Reader {
        int read(byte[] into) throws IOException;
    }

    private interface Writer {
        void write(java.nio.ByteBuffer filled) throws IOException;
    }

    private static void pass(Reader from, Writer to, java.io.Closeable closeAtEnd) {
        byte[] bytes = new byte[8192];
        try {
            for (int n; (n = from.read(bytes)) > 0; ) {
                java.nio.ByteBuffer filled = java.nio.ByteBuffer.wrap(bytes, 0, n);
                filled.limit(n);
                to.write(filled);
            }
            if (closeAtEnd != null) {
                closeAtEnd.close();
            }
        } catch (IOException e) {
            // one side went away: this direction is done
        }
    }
}
