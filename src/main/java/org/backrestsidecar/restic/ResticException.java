package org.backrestsidecar.restic;

import java.util.Locale;

/**
 * A restic command failed; the message carries restic's own words (never a key). What kind of
 * failure it is is read from those words once, here ({@link Kind#of}): restic 0.14, the one Debian
 * ships, ends every failure with exit code 1 (the codes that tell a lock apart came in 0.17), but a
 * backup whose sources changed under it, exit 3, which is read from the code ({@link #someSourceUnread}).
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

    /** restic backup's exit code when it made a snapshot but could not read some of its sources. */
    static final int SOME_SOURCE_UNREAD = 3;
    /** restic's exit code, or -1 where restic did not end with one (not started, timed out, our own check). */
    private final int exitCode;
    /** The kind, where the sidecar knew it when it stopped restic itself; else read from restic's words. */
    private final Kind known;

    public ResticException(String message) {
        this(message, -1);
    }

    ResticException(String message, Kind known) {
        super(message);
        this.exitCode = -1;
        this.known = known;
    }

    /**
     * The sidecar stopped restic as it waited on another restic's lock, which it was given no way to
     * get past (a lock file that went away as it read it): callers wait and try again, as for a lock held.
     */
    static ResticException lockedOut(String message) {
        return new ResticException(message, Kind.LOCKED);
    }

    public ResticException(String message, Throwable cause) {
        super(message, cause);
        this.exitCode = -1;
        this.known = null;
    }

    /** restic ended with {@code exitCode}: the codes are read as numbers, never from the words. */
    public ResticException(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
        this.known = null;
    }

    public int exitCode() {
        return exitCode;
    }

    /**
     * A backup whose sources changed while restic read them: a file it listed was gone when it came
     * to read it (exit 3 since restic 0.9). The snapshot it made lacks that file.
     */
    public boolean someSourceUnread() {
        return exitCode == SOME_SOURCE_UNREAD;
    }

    public Kind kind() {
        return known != null ? known : Kind.of(getMessage());
    }

    /** restic found no repository where it looked: not made yet, or a wrong address. */
    public boolean noRepository() {
        return saysNoRepository(getMessage());
    }

    /**
     * Whether restic's words {@code said} tell of no repository where it looked (local: "Is there a
     * repository at the following location?"; SFTP and REST: the config file "does not exist").
     * Read here only, as {@link Kind#of} reads the others.
     */
    public static boolean saysNoRepository(String said) {
        return said != null && (said.contains("Is there a repository at the following location?")
                || said.contains("does not exist"));
    }
}
