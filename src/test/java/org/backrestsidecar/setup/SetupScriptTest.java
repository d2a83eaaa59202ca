package org.backrestsidecar.setup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.backrestsidecar.backrest.BackrestConfigRules;
import org.backrestsidecar.testing.TestDocker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/backrest-setup.sh on a fresh copy of the bundle: everything a first start needs, keys 0600,
 * a config.json Backrest accepts by every rule we know, a login that nginx and Backrest both take —
 * and a second run that changes nothing and loses no key.
 */
class SetupScriptTest {
    @TempDir
    Path bundle;

    @Test
    void firstRunCreatesEverythingAndASecondRunChangesNothing() throws Exception {
        for (String part : List.of("scripts", "env", "backrest-config")) {
            copy(Path.of(part), bundle.resolve(part));
        }
        String first = TestDocker.run(List.of("bash", "scripts/backrest-setup.sh"), Map.of(), bundle.toFile());
        assertTrue(first.contains("Created:") && first.contains("Copy keys/ somewhere off this host"), first);
        for (String repo : List.of("critical", "models", "system")) {
            Path key = bundle.resolve("keys/" + repo + ".key");
            assertTrue(Files.readString(key).strip().length() >= 32);
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        }
        JsonNode config = new ObjectMapper().readTree(bundle.resolve("backrest-config/config.json").toFile());
        assertEquals(List.of(), BackrestConfigRules.problems(config));
        assertEquals(0, config.path("repos").size(), "the sidecar creates its repos and adds them by guid: Backrest "
                + "is never asked to initialise one");
        assertFalse(config.toString().contains("autoInitialize"));
        String password = Files.readString(bundle.resolve("secrets/admin-password")).strip();
        TestDocker.run(List.of("htpasswd", "-vb", "secrets/nginx/htpasswd", "admin", password), Map.of(), bundle.toFile());
        assertTrue(Files.readString(bundle.resolve("secrets/nginx/sidecar-token.conf")).contains(
                "Bearer " + Files.readString(bundle.resolve("secrets/sidecar-api-token")).strip()));
        assertTrue(Files.readString(bundle.resolve("config/sidecar.yml")).contains("passwordFile: /config/backrest-password"));
        assertTrue(!Files.readString(bundle.resolve("env/postgres")).contains("change-me"), "a random password, not the example's");

        Map<Path, String> before = snapshot();
        String second = TestDocker.run(List.of("bash", "scripts/backrest-setup.sh"), Map.of(), bundle.toFile());
        assertTrue(second.contains("Nothing to create"), second);
        assertEquals(before, snapshot(), "a second run changes no file");
    }

    /** A host without the tools: every missing one named at once, and nothing written. */
    @Test
    void aHostWithoutTheToolsIsToldEachOneAndNothingIsCreated() throws Exception {
        for (String part : List.of("scripts", "env", "backrest-config")) {
            copy(Path.of(part), bundle.resolve(part));
        }
        Map<Path, String> before = snapshot();
        // a PATH with what bash and the script's text tools need, and none of docker, compose, openssl, htpasswd
        Path bin = Files.createDirectory(bundle.resolve("bin"));
        for (String tool : List.of("bash", "dirname", "head", "base64", "tr", "cut", "hostname", "basename", "sed", "cat")) {
            Path found = List.of(Path.of("/usr/bin", tool), Path.of("/bin", tool)).stream().filter(Files::isExecutable)
                    .findFirst().orElseThrow(() -> new IllegalStateException("no " + tool + " here"));
            Files.createSymbolicLink(bin.resolve(tool), found);
        }
        ProcessBuilder pb = new ProcessBuilder(bin.resolve("bash").toString(), "scripts/backrest-setup.sh")
                .directory(bundle.toFile()).redirectErrorStream(true);
        pb.environment().put("PATH", bin.toString());
        Process setup = pb.start();
        String said = new String(setup.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(1, setup.waitFor(), said);
        for (String tool : List.of("docker:", "Docker Compose:", "openssl:", "htpasswd:")) {
            assertTrue(said.contains("  - " + tool), tool + " named: " + said);
        }
        assertTrue(said.contains("nothing was created"), said);
        Files.delete(bin.resolve("bash"));
        try (var links = Files.list(bin)) {
            for (Path link : links.toList()) {
                Files.delete(link);
            }
        }
        Files.delete(bin);
        assertEquals(before, snapshot(), "no file written");
    }

    private Map<Path, String> snapshot() throws IOException {
        Map<Path, String> files = new java.util.TreeMap<>();
        try (var walk = Files.walk(bundle)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                files.put(bundle.relativize(p), Files.readString(p));
            }
        }
        return files;
    }

    private static void copy(Path from, Path to) throws IOException {
        try (var walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
