package org.backrestsidecar.restic;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.backrestsidecar.docker.TailBuffer;

/**
 * One running restic: stdout and stderr drained on their own threads (so restic never blocks on a
 * full pipe), a deadline, and the way to abort it so that it writes no snapshot.
 */
final class ResticProcess implements AutoCloseable {
    private static final int KEEP = 256 * 1024;
    private final Process process;
    private final String description;
    private final Drain stdout;
    private final Drain stderr;

    ResticProcess(ProcessBuilder builder, String description) throws ResticException {
        this(builder, description, null);
    }

    /** @param stdoutSink where stdout goes (e.g. a file restic dumps), or null to keep its tail */
    ResticProcess(ProcessBuilder builder, String description, OutputStream stdoutSink) throws ResticException {
        this.description = description;
        try {
            this.process = builder.start();
        } catch (IOException e) {
            throw new ResticException("cannot start restic (" + description + "): " + e.getMessage(), e);
        }
        this.stdout = new Drain(process.getInputStream(), 16 * 1024 * 1024, stdoutSink);
        this.stderr = new Drain(process.getErrorStream(), KEEP, null);
    }

    OutputStream stdin() {
        return process.getOutputStream();
    }

    /** Waits for restic to end; a non-zero exit becomes an exception with restic's stderr. */
    String await(Duration timeout) throws ResticException {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                abort();
                throw new ResticException("restic " + description + " did not finish within " + timeout);
            }
            stdout.join();
            stderr.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abort();
            throw new ResticException("interrupted while restic " + description + " ran", e);
        }
        if (stdout.sinkFailure != null) {
            throw new ResticException("restic " + description + ": its output could not be written: "
                    + stdout.sinkFailure.getMessage());
        }
        if (process.exitValue() != 0) {
            throw new ResticException("restic " + description + " failed (exit " + process.exitValue() + "): "
                    + stderr.text().strip());
        }
        return stdout.text();
    }

    int exitCode() {
        return process.exitValue();
    }

    String stderrText() {
        return stderr.text();
    }

    String stdoutText() {
        return stdout.text();
    }

    /**
     * SIGINT first: restic then cancels and removes its lock; only a restic that ignores it is killed.
     * Either way no snapshot is written, because restic writes the snapshot last, after stdin's end.
     */
    void abort() {
        if (!process.isAlive()) {
            return;
        }
        try {
            new ProcessBuilder(List.of("kill", "-INT", Long.toString(process.pid()))).start().waitFor(5, TimeUnit.SECONDS);
            if (process.waitFor(30, TimeUnit.SECONDS)) {
                return;
            }
        } catch (IOException e) {
            // no kill(1) here: fall through to the JVM's own signals
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    @Override
    public void close() {
        abort();
    }

    private static final class Drain extends Thread {
        private final InputStream in;
        private final TailBuffer buffer;
        private final OutputStream sink;
        private volatile IOException sinkFailure;

        Drain(InputStream in, int keep, OutputStream sink) {
            this.in = in;
            this.buffer = new TailBuffer(keep);
            this.sink = sink;
            setDaemon(true);
            setName("restic-output");
            start();
        }

        @Override
        public void run() {
            try (in) {
                if (sink == null) {
                    in.transferTo(buffer);
                    return;
                }
                byte[] chunk = new byte[64 * 1024];
                for (int n; (n = in.read(chunk)) >= 0; ) {
                    try {
                        sink.write(chunk, 0, n);
                    } catch (IOException e) {
                        sinkFailure = e;
                        return; // restic then fails on a closed pipe
                    }
                }
            } catch (IOException e) {
                // the process ended; what was read is kept
            }
        }

        String text() {
            return buffer.text();
        }
    }
}
