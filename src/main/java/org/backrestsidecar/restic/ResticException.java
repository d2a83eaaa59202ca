package org.backrestsidecar.restic;

/** A restic command failed; the message carries restic's own words (never a key). */
public class ResticException extends Exception {
    public ResticException(String message) {
        super(message);
    }

    public ResticException(String message, Throwable cause) {
        super(message, cause);
    }
}
