package org.backrestsidecar.backrest;

/** Backrest did not answer, or answered with an error; the message carries its own words. */
public class BackrestException extends Exception {
    private final String code;

    public BackrestException(String code, String message) {
        super(message);
        this.code = code;
    }

    /** Connect's error code, e.g. {@code failed_precondition}, or {@code unavailable} when unreachable. */
    public String code() {
        return code;
    }
}
