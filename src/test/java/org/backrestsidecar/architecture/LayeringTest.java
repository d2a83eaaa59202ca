package org.backrestsidecar.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Imports run one way: down the layers docs/architecture.md "Layers" draws. A package may use its
 * own layer and the ones below it; an arrow back up is allowed only where it is listed here with its
 * reason (the same list as the page). The list only shrinks: an allowed arrow that is gone fails too,
 * so that it is struck off. Read from the sources, comments left out.
 */
class LayeringTest {
    private static final Path SOURCES = Path.of("src/main/java/org/backrestsidecar");
    /** Bottom first. */
    private static final List<Set<String>> LAYERS = List.of(
            Set.of("config", "state", "progress", "docker", "restic", "history", "jobs", "metrics"), // core
            Set.of("discovery", "quiesce", "volumes"),                                                // targets
            Set.of("strategy"),                                                                       // kinds
            Set.of("run", "restore", "drill", "postgres", "offsite", "prune", "recovery"),            // work
            Set.of("schedule", "notify", "health", "backrest", "nodes", "access"),                    // operations
            Set.of("api"));                                                                           // the API
    /** Arrows back up that stay for now, and why (docs/architecture.md "Layers"). */
    private static final Map<String, String> ALLOWED_UP = Map.ofEntries(
            Map.entry("discovery -> strategy", "a target's labels are checked by its kind, which knows its own keys"),
            Map.entry("recovery -> nodes", "a swarm's recovery asks every node"));
    private static final Pattern REFERENCE = Pattern.compile("org\\.backrestsidecar\\.(\\w+)(?:\\.[a-z]\\w*)*\\.[A-Z]");

    @Test
    void importsRunDownTheLayersExceptTheArrowsListed() throws IOException {
        Map<String, Set<String>> up = new TreeMap<>();
        arrows().forEach((arrow, files) -> {
            String[] ends = arrow.split(" -> ");
            if (layer(ends[1]) > layer(ends[0])) {
                up.put(arrow, files);
            }
        });
        Map<String, Set<String>> notAllowed = new TreeMap<>(up);
        notAllowed.keySet().removeAll(ALLOWED_UP.keySet());
        assertEquals(Map.of(), notAllowed, "imports that run back up (move the class down, or tell through a CDI event)");
        Set<String> gone = new TreeSet<>(ALLOWED_UP.keySet());
        gone.removeAll(up.keySet());
        assertEquals(Set.of(), gone, "allowed arrows that no longer exist: strike them off here and in docs/architecture.md");
    }

    /**
     * Packages of one layer may use each other, one way: a circle (a uses b, b uses a, through any
     * number of steps) means neither can be read, changed or tested without the other.
     */
    @Test
    void packagesOfOneLayerFormNoCircle() throws IOException {
        Map<String, Set<String>> uses = new TreeMap<>();
        arrows().keySet().forEach(arrow -> {
            String[] ends = arrow.split(" -> ");
            if (layer(ends[1]) == layer(ends[0])) {
                uses.computeIfAbsent(ends[0], k -> new TreeSet<>()).add(ends[1]);
            }
        });
        for (String start : uses.keySet()) {
            java.util.Optional<java.util.List<String>> circle = pathBack(start, start, uses, new java.util.ArrayList<>(),
                    new java.util.HashSet<>());
            assertTrue(circle.isEmpty(), "packages in a circle: " + circle.map(c -> String.join(" -> ", c)).orElse(""));
        }
    }

    /** A path from {@code at} back to {@code start} through {@code uses}, if there is one. */
    private static java.util.Optional<java.util.List<String>> pathBack(String start, String at, Map<String, Set<String>> uses,
                                                                        java.util.List<String> path, Set<String> seen) {
        path.add(at);
        for (String next : uses.getOrDefault(at, Set.of())) {
            if (next.equals(start)) {
                java.util.List<String> circle = new java.util.ArrayList<>(path);
                circle.add(start);
                return java.util.Optional.of(circle);
            }
            if (seen.add(next)) {
                java.util.Optional<java.util.List<String>> found = pathBack(start, next, uses, path, seen);
                if (found.isPresent()) {
                    return found;
                }
            }
        }
        path.remove(path.size() - 1);
        return java.util.Optional.empty();
    }

    /** Every arrow between two packages ("from -> to"), with the files of {@code from} that make it. */
    private static Map<String, Set<String>> arrows() throws IOException {
        Map<String, Set<String>> arrows = new TreeMap<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            files.filter(f -> f.toString().endsWith(".java")).forEach(f -> {
                String from = SOURCES.relativize(f).getName(0).toString();
                Matcher m = REFERENCE.matcher(withoutComments(read(f)));
                while (m.find()) {
                    String to = m.group(1);
                    if (!to.equals(from)) {
                        arrows.computeIfAbsent(from + " -> " + to, k -> new TreeSet<>()).add(f.getFileName().toString());
                    }
                }
            });
        }
        return arrows;
    }

    @Test
    void everyPackageHasItsLayerAndThePageListsTheAllowedArrows() throws IOException {
        try (Stream<Path> dirs = Files.list(SOURCES)) {
            dirs.filter(Files::isDirectory).map(d -> d.getFileName().toString())
                    .forEach(p -> assertTrue(layer(p) >= 0, "package " + p + " has no layer: give it one here and in "
                            + "docs/architecture.md"));
        }
        String page = Files.readString(Path.of("docs/architecture.md"));
        ALLOWED_UP.keySet().forEach(arrow -> assertTrue(page.contains("`" + arrow.replace(" -> ", " → ") + "`"),
                "docs/architecture.md says why " + arrow));
    }

    private static int layer(String pkg) {
        for (int i = 0; i < LAYERS.size(); i++) {
            if (LAYERS.get(i).contains(pkg)) {
                return i;
            }
        }
        return -1;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> sources() {
        return java.util.stream.Stream.of(
                // a comment goes, whatever it names
                org.junit.jupiter.params.provider.Arguments.of("a(); // org.backrestsidecar.api.X", "a(); "),
                org.junit.jupiter.params.provider.Arguments.of("/* org.backrestsidecar.api.X */ b();", "  b();"),
                // a URL in a string, a quote in a char, a text block: no comment, what follows stays
                org.junit.jupiter.params.provider.Arguments.of("f(\"http://h\"); org.backrestsidecar.api.X.y();",
                        "f(\"http://h\"); org.backrestsidecar.api.X.y();"),
                org.junit.jupiter.params.provider.Arguments.of("s = \"a\\\"//b\"; c();", "s = \"a\\\"//b\"; c();"),
                org.junit.jupiter.params.provider.Arguments.of("c = '\"'; d(); // e", "c = '\"'; d(); "),
                org.junit.jupiter.params.provider.Arguments.of("t = \"\"\"\n  //x\n  \"\"\"; g();",
                        "t = \"\"\"\n  //x\n  \"\"\"; g();"));
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("sources")
    void commentsGoAndStringsStay(String java, String code) {
        assertEquals(code, withoutComments(java));
    }

    /**
     * The code without its comments, read as the compiler reads it: a {@code //} or {@code /*} inside a
     * string, a text block or a char (a URL in a message) starts no comment, so what follows it on the
     * line is still code and its references are still seen.
     */
    static String withoutComments(String java) {
        StringBuilder code = new StringBuilder(java.length());
        int i = 0;
        while (i < java.length()) {
            if (java.startsWith("//", i)) {
                while (i < java.length() && java.charAt(i) != '\n') {
                    i++;
                }
            } else if (java.startsWith("/*", i)) {
                int end = java.indexOf("*/", i + 2);
                i = end < 0 ? java.length() : end + 2;
                code.append(' ');
            } else if (java.startsWith("\"\"\"", i)) {
                int end = java.indexOf("\"\"\"", i + 3);
                end = end < 0 ? java.length() : end + 3;
                code.append(java, i, end);
                i = end;
            } else if (java.charAt(i) == '"' || java.charAt(i) == '\'') {
                char quote = java.charAt(i);
                int j = i + 1;
                while (j < java.length() && java.charAt(j) != quote && java.charAt(j) != '\n') {
                    j += java.charAt(j) == '\\' ? 2 : 1;
                }
                j = Math.min(j + 1, java.length());
                code.append(java, i, j);
                i = j;
            } else {
                code.append(java.charAt(i));
                i++;
            }
        }
        return code.toString();
    }
}
