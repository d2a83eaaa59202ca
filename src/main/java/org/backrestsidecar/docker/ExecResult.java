package org.backrestsidecar.docker;

/** What a command run inside a container ended with; {@code stderr} is its last 64 KiB. */
public record ExecResult(long exitCode, String stderr, boolean timedOut) {
    public boolean succeeded() {
        return exitCode == 0 && !timedOut;
    }

    /** A one-line reason fit for an operator: exit code plus the command's own last words. */
    public String failure(String what) {
        String tail = stderr.strip();
        if (tail.length() > 2000) {
            tail = "..." + tail.substring(tail.length() - 2000);
        }
        return what + (timedOut ? " timed out (or was killed)" : " exited with " + exitCode) + (tail.isEmpty() ? "" : ": " + tail);
    }
}
