package org.backrestsidecar.state;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which layout of the state folder (runs, drills and their facts, journals, copies, spools) a version
 * of the sidecar writes, stamped in the folder's {@code state-format} file. A sidecar reads its own
 * format and every older one; a folder written by a newer version (after a downgrade) is refused at
 * start with what to do, never read half and silently dropped. A folder without the file is one of a
 * version before the stamp (format 1) or a new one: it is stamped.
 */
public final class StateFormat {
    /** The format this version writes. Raise it, and read the older one, when a state file's layout changes. */
    public static final int CURRENT = 1;
    static final String FILE = "state-format";
    private static final Pattern STAMP = Pattern.compile("^(\\d{1,6})\\b");

    /**
     * The folder's format is one this version cannot read: newer than it (a downgrade), or a stamp it
     * does not understand. Either way the folder is left as it was and the sidecar does not start.
     */
    public static final class UnreadableFormatException extends RuntimeException {
        UnreadableFormatException(String message) {
            super(message);
        }
    }

    private StateFormat() {
    }

    /**
     * Refuses a folder of a newer (or unreadable) format; stamps this version's format otherwise.
     * @param version this sidecar's version, written beside the number for people
     */
    public static void check(Path stateDir, String version) throws IOException {
        Path file = stateDir.resolve(FILE);
        String stamp;
        try {
            stamp = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (NoSuchFileException e) {
            stamp = null;
        }
        if (stamp != null) {
            int found = formatOf(stamp, file);
            if (found > CURRENT) {
                throw new UnreadableFormatException("the state folder " + stateDir + " was written by a newer backrest-sidecar ("
                        + file + ": '" + stamp + "'; this version, " + version + ", reads format " + CURRENT
                        + " and older). Start the newer version again, or restore the state folder's copy from "
                        + "before the upgrade; moving the folder aside starts afresh, without its runs, drills and journals");
            }
            if (found == CURRENT) {
                return;
            }
        }
        StateFile.write(file, (CURRENT + " (written by backrest-sidecar " + version + ")\n").getBytes(StandardCharsets.UTF_8));
    }

    static int formatOf(String stamp, Path file) {
        Matcher m = STAMP.matcher(stamp);
        if (!m.find()) {
            throw new UnreadableFormatException(file + " says '" + stamp + "', not a state format this version knows (it writes "
                    + CURRENT + "): was it written by another program? Remove it only if the folder is this sidecar's");
        }
        return Integer.parseInt(m.group(1));
    }
}
