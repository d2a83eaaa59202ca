package org.backrestsidecar.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The project's version as pom.xml gives it: what the jar, the image's label and its tag all carry. */
public final class ProjectVersion {
    private static final Pattern OWN = Pattern.compile("<artifactId>backrest-sidecar</artifactId>\\s*<version>([^<]+)</version>");

    private ProjectVersion() {
    }

    public static String ofPom() {
        try {
            Matcher m = OWN.matcher(Files.readString(Path.of("pom.xml")));
            if (!m.find()) {
                throw new IllegalStateException("pom.xml names no version of backrest-sidecar");
            }
            return m.group(1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
