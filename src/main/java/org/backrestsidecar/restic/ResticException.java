package org.backrestsidecar.restic;

import java.util.Locale;

/**
 * A restic command failed; the message carries restic's own words (never a key). What kind of
 * failure it is is read from those words once, here ({@link Kind#of}): restic 0.14, the one Debian
 * ships, ends every failure with exit code 1 (the codes that tell a lock apart came in 0.17).
 */
public class ResticException extends Exception {
    /** What callers act on. */
    public enum Kind {
        /** Another restic holds the repo (exclusively, or we want it exclusively): wait and try again. */
        LOCKED,
        /** A file of the repo cannot be read or written by our user (Backrest, as root, wrote it). */
        PERMISSION_DENIED,
        /** This restic does not know the command (an older restic). */
        UNKNOWN_COMMAND,
        OTHER;

        /** The kind of the failure restic described in {@code said}. */
        public static Kind of(String said) {
            if (said == null) {
                return OTHER;
            }
            if (said.contains("repository is already locked")) {
                return LOCKED;
            }
            if (said.contains("unknown command")) {
                return UNKNOWN_COMMAND;
            }
            if (said.toLowerCase(Locale.ROOT).contains("permission denied")) {
                return PERMISSION_DENIED;
            }
            return OTHER;
        }
    }

    public ResticException(String message) {
        super(message);
    }

    public ResticException(String message, Throwable cause) {
        super(message, cause);
    }

    public Kind kind() {
        return Kind.of(getMessage());
    }
}
