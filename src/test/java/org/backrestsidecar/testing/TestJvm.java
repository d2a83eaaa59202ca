package org.backrestsidecar.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The JVMs the tests start as processes. The packaged sidecar runs with the shipped image's own
 * {@code JAVA_TOOL_OPTIONS} (read from src/main/docker/Dockerfile): a process test runs the sidecar
 * as a user's container does, small heap and C1 included. Other JVMs (S3Proxy) take the flags pom.xml
 * gives the test JVMs ({@code test.jvm}), so that they cost the CPU the test JVM does.
 */
public final class TestJvm {
    private static final Pattern SHIPPED = Pattern.compile("(?m)^ENV JAVA_TOOL_OPTIONS=\"([^\"]+)\"$");

    private TestJvm() {
    }

    /** This JVM's java with the test JVMs' flags, then {@code args}. */
    public static List<String> command(String... args) {
        List<String> command = new ArrayList<>();
        command.add(java());
        for (String flag : System.getProperty("test.jvm", "").trim().split("\\s+")) {
            if (!flag.isEmpty()) {
                command.add(flag);
            }
        }
        command.addAll(Arrays.asList(args));
        return command;
    }

    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The {@code JAVA_TOOL_OPTIONS} the shipped image sets; fails when the Dockerfile no longer says it in one line. */
    public static String shippedToolOptions() {
        try {
            Matcher m = SHIPPED.matcher(Files.readString(Path.of("src/main/docker/Dockerfile")));
            if (!m.find()) {
                throw new AssertionError("src/main/docker/Dockerfile has no line ENV JAVA_TOOL_OPTIONS=\"…\"");
            }
            return m.group(1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
