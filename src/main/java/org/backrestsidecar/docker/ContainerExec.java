package org.backrestsidecar.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Runs a command inside a container with its stdout streamed to a sink, so a dump flows through the
 * sidecar without ever being held in memory or written to a file.
 *
 * <p>The Docker API cannot kill an exec, so the command is wrapped in the container's own
 * {@code timeout}; the sidecar waits a little longer than that before it gives up on the stream.
 *
 * <p>No exec stream is ever silent for long: the Docker socket proxy (haproxy) cuts a connection
 * that carries nothing for 10 minutes, and a pg_restore, a restic restore or a pg_dump waiting on
 * a lock can be silent far longer. A small shell beside the command writes one ASCII record
 * separator to stderr every {@code sidecar.docker.keepalive}; it is taken out of stderr here.
 */
@ApplicationScoped
public class ContainerExec {
    private static final Logger LOG = Logger.getLogger(ContainerExec.class);
    private static final int STDERR_KEEP = 64 * 1024;
    private static final Duration GRACE = Duration.ofSeconds(30);
    private static final Duration LOOK_EVERY = Duration.ofSeconds(5);
    private static final Duration LEFT_OPEN = Duration.ofSeconds(5);
    /** The exit code of an exec the engine never said had ended. */
    private static final long NEVER_ENDED = -1;
    /**
     * Ends the stdout of {@link #output}: with it there, all the command wrote came, even when the
     * stream itself was left open; without it, the output may be cut.
     */
    private static final String END_OF_OUTPUT = "\n(backrest-sidecar: end of output)\n";
    static final byte KEEPALIVE_BYTE = 0x1e;
    /**
     * $1 the interval, then the command. The beating subshell gives the pipes to nobody else (its
     * sleep has none), so the stream ends the moment the command does. Every process it starts is
     * waited for before the exec ends: an orphan is adopted by the container's PID 1, and where that
     * is the postmaster (the official Postgres image) one that dies of a signal counts as a crashed
     * server process and every connection of the server is reset. The byte is written as printf's
     * octal escape, not the byte itself: JSON would carry that as a Unicode escape, which the Docker API proxy
     * refuses in any request.
     *
     * <p>The beat sleeps a second at a time and counts to the interval. Debian's dash (0.5.12) loses
     * about one TERM in a hundred that comes just as its {@code wait} begins: the trap then runs only
     * when the sleep ends by itself. With one sleep of the whole interval that held the exec, and the
     * run waiting on it, for the whole interval (60 s: the stalls of a minute seen in drills and runs
     * on CI); with a second's sleep it holds it a second at most.
     */
    private static final String KEEPALIVE = """
            interval=$1; shift
            ( trap 'kill "$s" 2>/dev/null; wait "$s" 2>/dev/null; exit 0' TERM
              n=0
              while :; do
                sleep 1 </dev/null >/dev/null 2>&1 3>&- & s=$!
                wait "$s" || exit 0
                n=$((n + 1))
                if [ "$n" -ge "$interval" ]; then
                  n=0
                  printf '\\036' >&3 || exit 0
                fi
              done ) 3>&2 </dev/null >/dev/null 2>&1 &
            beat=$!
            "$@"
            rc=$?
            kill "$beat" 2>/dev/null
            wait "$beat" 2>/dev/null
            exit $rc
            """;
    private final DockerClient docker;
    private final Duration keepalive;

    public ContainerExec(DockerClient docker,
                         @ConfigProperty(name = "sidecar.docker.keepalive", defaultValue = "60s") Duration keepalive) {
        this.docker = docker;
        this.keepalive = keepalive;
    }

    /**
     * @param stdout receives the command's stdout; a write that fails (the reader went away) ends
     *               the stream and is rethrown as the cause
     */
    public ExecResult run(String containerId, List<String> command, Duration timeout, OutputStream stdout)
            throws IOException {
        return run(containerId, command, List.of(), timeout, stdout);
    }

    /** @param env extra {@code NAME=value} variables for this command only */
    public ExecResult run(String containerId, List<String> command, List<String> env, Duration timeout,
                          OutputStream stdout) throws IOException {
        List<String> bounded = new ArrayList<>(List.of("sh", "-c", KEEPALIVE, "keepalive",
                Long.toString(Math.max(1, keepalive.toSeconds())), "timeout", "-s", "KILL", Long.toString(timeout.toSeconds())));
        bounded.addAll(command);
        String execId = docker.execCreateCmd(containerId)
                .withCmd(bounded.toArray(String[]::new))
                .withAttachStdout(true)
                .withAttachStderr(true)
                .withEnv(env)
                .exec().getId();
        StreamSplitter frames = new StreamSplitter(stdout);
        long started = System.nanoTime();
        Ending ending;
        try {
            docker.execStartCmd(execId).exec(frames);
            ending = awaitEnd(execId, frames, timeout.plus(GRACE));
        } catch (RuntimeException e) {
            // the exec could not be started; the stream's own errors are recorded by onError
            ending = Ending.STREAM_ENDED;
            if (frames.streamFailure == null) {
                frames.streamFailure = e;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while " + command.get(0) + " ran in the container", e);
        } finally {
            frames.abandon();
        }
        // an exec whose end the engine lost costs a run seconds (LEFT_OPEN) or its whole timeout (NOT_ENDED)
        Logger.Level level = ending == Ending.STREAM_ENDED ? Logger.Level.DEBUG : Logger.Level.INFO;
        LOG.logf(level, "exec in %.12s ended %s after %d ms: %.80s", containerId, ending,
                (System.nanoTime() - started) / 1_000_000, described(command));
        if (frames.writeFailure != null) {
            throw frames.writeFailure;
        }
        if (frames.streamFailure != null) {
            throw new IOException("the stream from the container broke: " + frames.streamFailure.getMessage(),
                    frames.streamFailure);
        }
        if (ending == Ending.NOT_ENDED) {
            return new ExecResult(NEVER_ENDED, frames.stderrText(), true, false);
        }
        Long exit = docker.inspectExecCmd(execId).exec().getExitCodeLong();
        // GNU timeout answers 124 when it fired; busybox's reports the KILL itself, 137 (128 + 9)
        boolean timedOut = exit != null && (exit == 124 || exit == 137);
        return new ExecResult(exit == null ? -1 : exit, frames.stderrText(), timedOut, ending == Ending.STREAM_LEFT_OPEN);
    }

    /** The command as a log line shows it: without {@link #output}'s end-mark shell, on one line. */
    private static String described(List<String> command) {
        List<String> shown = command.size() > 4 && command.get(3).equals(END_OF_OUTPUT) ? command.subList(4, command.size())
                : command;
        return String.join(" ", shown).replace('\n', ' ');
    }

    private enum Ending { STREAM_ENDED, STREAM_LEFT_OPEN, NOT_ENDED }

    /**
     * Waits for the stream's end, looking at the exec itself every few seconds: about one short exec
     * in 200 has its stream never closed by the engine after the command exited (docker-java #2217,
     * docker-py #1269; measured here with and without a proxy). Once the command has exited, a stream
     * quiet for {@link #LEFT_OPEN} is let go, instead of holding a run for its whole timeout.
     */
    private Ending awaitEnd(String execId, StreamSplitter frames, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return Ending.NOT_ENDED;
            }
            // not the callback's awaitCompletion: a timed one closes the stream when it returns
            if (frames.ended.await(Math.min(left, LOOK_EVERY.toNanos()), TimeUnit.NANOSECONDS)) {
                return Ending.STREAM_ENDED;
            }
            if (!Boolean.TRUE.equals(docker.inspectExecCmd(execId).exec().isRunning())) {
                return afterExit(frames, deadline);
            }
        }
    }

    /**
     * The command has exited, but what it wrote may still be on its way: the engine and the sockets
     * hold some, and a sink slower than the command (restic waiting on an upload) takes it later.
     * Only a stream that carries nothing and waits on no sink for {@link #LEFT_OPEN} is let go.
     */
    private static Ending afterExit(StreamSplitter frames, long deadline) throws InterruptedException {
        while (System.nanoTime() < deadline) {
            if (frames.ended.await(1, TimeUnit.SECONDS)) {
                return Ending.STREAM_ENDED;
            }
            if (frames.quietNanos() >= LEFT_OPEN.toNanos()) {
                return Ending.STREAM_LEFT_OPEN;
            }
        }
        return Ending.NOT_ENDED;
    }

    /**
     * {@link #output} for a command that does no harm run twice (a read, a setting reset): run once
     * more when the engine never said the first had ended. Seen here twice in a day of test runs,
     * each a psql into a Postgres container its server had just started in: the exec stayed
     * "running" past its command's own time limit, and the restore or base backup waiting on it failed.
     */
    public String outputRunTwiceIfStuck(String containerId, List<String> command, Duration timeout) throws IOException {
        try {
            return output(containerId, command, timeout);
        } catch (ExecStuck stuck) {
            LOG.warnf("%s; running it once more", stuck.getMessage());
            return output(containerId, command, timeout);
        }
    }

    /** The engine never said the exec ended: whether the command ran, and how far, is unknown. */
    public static final class ExecStuck extends IOException {
        ExecStuck(String message) {
            super(message);
        }
    }

    /** The command ran past its time and was stopped in the container (timeout's 124, or a KILL's 137). */
    public static final class ExecTimedOut extends IOException {
        ExecTimedOut(String message) {
            super(message);
        }
    }

    /**
     * For a command that is harmless run again (a read, a setting reset): run up to {@code attempts}
     * times while the engine loses its end or it runs past {@code timeout}. A CI run with three nested
     * engines beside the crash tests on two cores saw a drill's psql read, right after the replayed
     * server's promotion, run past 30 s twice.
     */
    public String outputRetried(String containerId, List<String> command, Duration timeout, int attempts)
            throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                return output(containerId, command, timeout);
            } catch (ExecStuck | ExecTimedOut slow) {
                if (attempt >= attempts) {
                    throw slow;
                }
                LOG.warnf("%s; running it again (%d of %d)",
                        slow.getMessage(), attempt + 1, attempts);
            }
        }
    }

    /** Convenience for short commands whose output is small (lists, versions). */
    public String output(String containerId, List<String> command, Duration timeout) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<String> marked = new ArrayList<>(List.of("sh", "-c", "\"$@\"; rc=$?; printf '%s' \"$0\"; exit $rc",
                END_OF_OUTPUT));
        marked.addAll(command);
        ExecResult result = run(containerId, marked, timeout, out);
        String text = out.toString(StandardCharsets.UTF_8);
        boolean whole = text.endsWith(END_OF_OUTPUT);
        if (result.timedOut() && result.exitCode() == NEVER_ENDED) {
            throw new ExecStuck(result.failure(String.join(" ", command)));
        }
        if (result.timedOut()) {
            throw new ExecTimedOut(result.failure(String.join(" ", command)));
        }
        if (result.exitCode() != 0 || (result.leftOpen() && !whole)) {
            throw new IOException(result.failure(String.join(" ", command)));
        }
        if (!whole) {
            throw new IOException(String.join(" ", command) + ": its output ended without the end mark: cut short");
        }
        return text.substring(0, text.length() - END_OF_OUTPUT.length());
    }

    private static final class StreamSplitter extends ResultCallback.Adapter<Frame> {
        private final OutputStream stdout;
        private final TailBuffer stderr = new TailBuffer(STDERR_KEEP);
        private volatile IOException writeFailure;
        private volatile Throwable streamFailure;
        private volatile boolean abandoned;
        private volatile boolean inFrame;
        private volatile long lastFrameAt = System.nanoTime();
        private final java.util.concurrent.CountDownLatch ended = new java.util.concurrent.CountDownLatch(1);

        StreamSplitter(OutputStream stdout) {
            this.stdout = stdout;
        }

        /** How long the stream has carried nothing while no frame was being written to the sink. */
        long quietNanos() {
            return inFrame ? 0 : System.nanoTime() - lastFrameAt;
        }

        @Override
        public void onNext(Frame frame) {
            inFrame = true;
            try {
                take(frame);
            } finally {
                lastFrameAt = System.nanoTime();
                inFrame = false;
            }
        }

        private void take(Frame frame) {
            if (writeFailure != null) {
                return;
            }
            if (frame.getStreamType() == StreamType.STDERR) {
                byte[] payload = frame.getPayload();
                int kept = 0;
                for (byte b : payload) {
                    if (b != KEEPALIVE_BYTE) {
                        payload[kept++] = b;
                    }
                }
                stderr.write(payload, 0, kept);
                return;
            }
            try {
                stdout.write(frame.getPayload());
            } catch (IOException e) {
                writeFailure = e;
                try {
                    close();
                } catch (IOException ignored) {
                    // the stream is being abandoned anyway
                }
            }
        }

        /** Stops waiting on the stream; its breaking then, when this closes it, is no failure. */
        void abandon() throws IOException {
            abandoned = true;
            close();
        }

        @Override
        public void onError(Throwable throwable) {
            if (!abandoned) {
                streamFailure = throwable;
            }
            ended.countDown();
            super.onError(throwable);
        }

        @Override
        public void onComplete() {
            ended.countDown();
            super.onComplete();
        }

        String stderrText() {
            return stderr.text();
        }
    }
}
