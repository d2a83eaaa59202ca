package org.backrestsidecar.setup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.backrestsidecar.testing.ProjectVersion;
import org.junit.jupiter.api.Test;

/**
 * One version everywhere a user meets it: the jar (pom.xml, what GET /api/version says), the image's
 * label (the Dockerfile's VERSION), and every image tag the bundle, the Swarm stack, the helpers'
 * default and the docs name. An upgrade that bumps one and not the others would run an old image
 * under a new name.
 */
class OneVersionEverywhereTest {
    private static final Pattern TAG = Pattern.compile("backrest-sidecar:(\\d[A-Za-z0-9._-]*)");
    private static final Pattern LABEL = Pattern.compile("(?m)^ARG VERSION=(\\S+)$");

    @Test
    void everyImageTagAndTheLabelAreThePomsVersion() throws IOException {
        String version = ProjectVersion.ofPom();
        Matcher label = LABEL.matcher(Files.readString(Path.of("src/main/docker/Dockerfile")));
        assertEquals(true, label.find(), "the Dockerfile's ARG VERSION");
        assertEquals(version, label.group(1), "the image's label");
        List<String> tags = new ArrayList<>();
        try (Stream<Path> files = Files.walk(Path.of("."))) {
            for (Path file : files.filter(Files::isRegularFile)
                    .filter(f -> !f.startsWith("./target") && !f.startsWith("./.git"))
                    .filter(f -> f.toString().matches(".*\\.(java|md|yml|example|sh|properties)$")).toList()) {
                Matcher m = TAG.matcher(Files.readString(file));
                while (m.find()) {
                    tags.add(file + ": " + m.group(1));
                }
            }
        }
        assertFalse(tags.isEmpty(), "the bundle names the image somewhere");
        assertEquals(List.of(), tags.stream().filter(t -> !t.endsWith(": " + version)).toList(),
                "image tags other than pom.xml's " + version);
    }
}
