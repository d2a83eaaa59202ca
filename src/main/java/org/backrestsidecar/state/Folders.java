package org.backrestsidecar.state;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

/** Scratch folders the sidecar makes in its state folder (a repo brought in for a drill, staged files). */
public final class Folders {
    private Folders() {
    }

    /** Removes a folder and everything in it; a missing folder is fine. */
    public static void removeTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
