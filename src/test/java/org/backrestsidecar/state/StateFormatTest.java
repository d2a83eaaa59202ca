package org.backrestsidecar.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The state folder's format stamp: which folders a version reads, refuses and stamps. */
class StateFormatTest {
    @TempDir
    Path dir;

    record Case(String stamp, boolean refused, String said) {
    }

    @Test
    void aFolderIsReadWhenItsFormatIsThisVersionsOrOlderAndRefusedOtherwise() throws Exception {
        for (Case c : List.of(
                new Case(null, false, null), // a new folder, or one of a version before the stamp
                new Case("1 (written by backrest-sidecar 0.1.0)", false, null),
                new Case("1", false, null),
                new Case("0", false, null), // older: read, then stamped with this version's format
                new Case("2 (written by backrest-sidecar 0.2.0)", true, "was written by a newer backrest-sidecar"),
                new Case("17", true, "reads format 1 and older"),
                new Case("", true, "not a state format this version knows"),
                new Case("format two", true, "not a state format this version knows"))) {
            Path state = Files.createTempDirectory(dir, "state");
            Path file = state.resolve(StateFormat.FILE);
            if (c.stamp() != null) {
                Files.writeString(file, c.stamp() + "\n");
            }
            if (c.refused()) {
                StateFormat.UnreadableFormatException e = assertThrows(StateFormat.UnreadableFormatException.class,
                        () -> StateFormat.check(state, "0.1.0"), String.valueOf(c.stamp()));
                assertTrue(e.getMessage().contains(c.said()), e.getMessage());
                assertTrue(e.getMessage().contains(state.toString()), "names the folder: " + e.getMessage());
                assertEquals(c.stamp() + "\n", Files.readString(file), "a refused folder is left as it was");
            } else {
                StateFormat.check(state, "0.1.0");
                String expected = "1".equals(c.stamp()) ? "1\n" : "1 (written by backrest-sidecar 0.1.0)\n";
                assertEquals(expected, Files.readString(file), String.valueOf(c.stamp()));
            }
        }
    }

    @Test
    void aMissingFolderIsMadeAndStamped() throws Exception {
        Path state = dir.resolve("new/state");
        StateFormat.check(state, "0.1.0");
        assertEquals("1 (written by backrest-sidecar 0.1.0)\n", Files.readString(state.resolve(StateFormat.FILE)));
    }
}
