package org.backrestsidecar.docker;

/**
 * What a command run inside a container ended with; {@code stderr} is its last 64 KiB.
 *
 * @param leftOpen the command exited but its output stream never ended: what it wrote may not all
 *                 have come, so it never counts as a success
 */
public record ExecResult(long exitCode, String stderr, boolean timedOut, boolean leftOpen) {
    public boolean succeeded() {
        return exitCode == 0 && !timedOut && !leftOpen;
    }

    /** A one-line reason fit for an operator: exit code plus the command's own last words. */
    public String failure(String what) {
        String tail = stderr.strip();
        if (tail.length() > 2000) {
            tail = "..." + tail.substring(tail.length() - 2000);
        }
        String how = timedOut ? " timed out (or was killed)" : leftOpen ? " exited with " + exitCode
                + ", but its output stream did not end (the engine left it open): what it wrote may be cut, so it "
                + "is not taken" : " exited with " + exitCode;
        return what + how + (tail.isEmpty() ? "" : ": " + tail);
    }
}
