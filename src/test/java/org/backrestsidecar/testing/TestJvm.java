package org.backrestsidecar.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The command line of a JVM a test starts as a process (the packaged sidecar, S3Proxy): this JVM's
 * java with the flags pom.xml gives every test JVM ({@code test.jvm}), so the processes a test
 * starts cost the CPU the test JVM does. The shipped image runs java as it comes.
 */
public final class TestJvm {
    private TestJvm() {
    }

    public static List<String> command(String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String flag : System.getProperty("test.jvm", "").trim().split("\\s+")) {
            if (!flag.isEmpty()) {
                command.add(flag);
            }
        }
        command.addAll(Arrays.asList(args));
        return command;
    }
}
