package org.backrestsidecar.restic;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.backrestsidecar.docker.TailBuffer;
import org.jboss.logging.Logger;

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
    private final Duration unreachableAfter;
    private final Instant started = Instant.now();
    private static final Logger LOG = Logger.getLogger(ResticProcess.class);

    /**
     * @param stdoutSink       where stdout goes (e.g. a file restic dumps), or null to keep its tail
     * @param unreachableAfter how long restic may keep retrying a failing backend before it is stopped
     */
    ResticProcess(ProcessBuilder builder, String description, OutputStream stdoutSink, Duration unreachableAfter)
            throws ResticException {
        this.description = description;
        this.unreachableAfter = unreachableAfter;
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
            Instant deadline = Instant.now().plus(timeout);
            BackendWatch backend = new BackendWatch();
            while (!process.waitFor(1, TimeUnit.SECONDS)) {
                if (Instant.now().isAfter(deadline)) {
                    abort();
                    throw new ResticException("restic " + description + " did not finish within " + timeout);
                }
                Optional<String> unreachable = backend.failingLongerThan(unreachableAfter, stderr.text());
                if (unreachable.isPresent()) {
                    abort();
                    String said = "restic " + description + " stopped: its repository's backend kept failing for "
                            + unreachableAfter + " (" + unreachable.get() + ")";
                    if (lockWentAway(unreachable.get())) {
                        throw ResticException.lockedOut(said + "; that was another restic's lock, gone as it was "
                                + "read: the backend is fine, and the command is run again");
                    }
                    throw new ResticException(said);
                }
            }
            stdout.join();
            stderr.join();
            // what each restic of a run costs: bench/fixed-cost.sh reads these lines
            long took = Duration.between(started, Instant.now()).toMillis();
            LOG.debugf("restic %s took %d ms", description, took);
            backend.retried(stderr.text()).ifPresent(retries -> LOG.infof(
                    "restic %s took %d s and retried its backend %s", description, took / 1000, retries));
        } catch (InterruptedException e) {
            // abort first, interrupted again after: with the flag set abort's waits would end at once and
            // restic be killed before it removed its lock (the sidecar stopping, a node drained)
            abort();
            Thread.currentThread().interrupt();
            throw new ResticException("interrupted while restic " + description + " ran", e);
        }
        if (stdout.sinkFailure != null) {
            throw new ResticException("restic " + description + ": its output could not be written: "
                    + stdout.sinkFailure.getMessage());
        }
        if (process.exitValue() != 0) {
            throw new ResticException("restic " + description + " failed (exit " + process.exitValue() + "): "
                    + stderr.text().strip(), process.exitValue());
        }
        return stdout.text();
    }

    /**
     * Whether restic's retry line is its read of another restic's lock file that was removed after
     * restic listed it: restic 0.14 retries that read ten times (its backoff from 0.5 s, growing by 1.5:
     * about a minute; later versions give up on a missing file), though the backend is fine and the
     * lock it waited on is gone. Only a streak longer than the watch's limit is acted on, so a shorter
     * one is waited out: stopping restic at the first such line and running it again was tried, and
     * looped where locks come and go every few seconds (a {@code cat lock} of a lock already gone never
     * succeeds; docs/testing.md "A restic that stands a minute").
     */
    static boolean lockWentAway(String retryLine) {
        String said = retryLine.toLowerCase(java.util.Locale.ROOT);
        return said.contains("load(<lock/") && (said.contains("no such file") || said.contains("does not exist")
                || said.contains("not found"));
    }

    /**
     * restic retries a backend that fails (a remote server gone, a link down) for up to 15 minutes,
     * holding whatever waits for it. A streak of "retrying" lines, each within a minute and a half of
     * the last, that has lasted longer than the limit means the backend is gone.
     */
    private static final class BackendWatch {
        private static final String RETRYING = "returned error, retrying after";
        private static final Duration QUIET_ENDS_STREAK = Duration.ofSeconds(90);
        private int seen;
        private Instant streakStart;
        private Instant lastRetry;

        /**
         * How often restic retried and its first such line, when it did: a command that stood a minute
         * says why in the log (a lock file gone as it was read, a slow remote).
         */
        Optional<String> retried(String stderr) {
            List<String> lines = java.util.Arrays.stream(stderr.split("\n")).filter(l -> l.contains(RETRYING))
                    .map(String::strip).toList();
            return lines.isEmpty() ? Optional.empty()
                    : Optional.of(lines.size() + " time(s), first: " + lines.get(0));
        }

        Optional<String> failingLongerThan(Duration limit, String stderr) {
            int count = 0;
            String last = null;
            for (String line : stderr.split("\n")) {
                if (line.contains(RETRYING)) {
                    count++;
                    last = line.strip();
                }
            }
            Instant now = Instant.now();
            if (count > seen) {
                seen = count;
                if (streakStart == null || Duration.between(lastRetry, now).compareTo(QUIET_ENDS_STREAK) > 0) {
                    streakStart = now;
                }
                lastRetry = now;
            }
            if (streakStart != null && Duration.between(lastRetry, now).compareTo(QUIET_ENDS_STREAK) > 0) {
                streakStart = null;
            }
            return streakStart != null && Duration.between(streakStart, now).compareTo(limit) > 0
                    ? Optional.ofNullable(last) : Optional.empty();
        }
    }

    /** Whether restic has exited; if so, what it printed has been read to the end. */
    boolean ended() {
        if (process.isAlive()) {
            return false;
        }
        try {
            stdout.join(2000);
            stderr.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return true;
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
