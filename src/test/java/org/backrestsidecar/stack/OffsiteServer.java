package org.backrestsidecar.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.backrestsidecar.testing.SftpServer;
import org.backrestsidecar.testing.TestDocker;

/**
 * The bundle's offsite server: a real sshd (SFTP, key login) on a network of its own that stands in
 * for the internet; the sidecar joins it, and reaches the server by its name. Each repo gets a copy
 * {@code offsite} there with its own key.
 */
final class OffsiteServer {
    static final String NETWORK = "bsce2e-offsite";
    private static final String NAME = "e2e-sftp";
    private final SftpServer sftp;

    private OffsiteServer(SftpServer sftp) {
        this.sftp = sftp;
    }

    static OffsiteServer start(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        TestDocker.remove(NAME);
        TestDocker.run(List.of("sh", "-c", "docker network rm " + NETWORK + " >/dev/null 2>&1; docker network create "
                + NETWORK + " >/dev/null"), Map.of());
        return new OffsiteServer(SftpServer.start(dir, NAME, NETWORK));
    }

    /** What the user put beside the keys: the copies' keys, the SSH key, and the copies in sidecar.yml. */
    void configure(Path bundle) throws IOException {
        Path ssh = bundle.resolve("keys/offsite-ssh");
        Files.copy(sftp.key(), ssh);
        StringBuilder repos = new StringBuilder("\nrepos:\n");
        SecureRandom random = new SecureRandom();
        for (String repo : List.of("critical", "models", "system")) {
            byte[] key = new byte[32];
            random.nextBytes(key);
            Files.writeString(bundle.resolve("keys/" + repo + "-offsite.key"), Base64.getEncoder().encodeToString(key) + "\n");
            repos.append("""
                      - id: %1$s
                        uri: /repos/%1$s
                        keyFile: /keys/%1$s.key
                        copies:
                          - id: offsite
                            uri: sftp:offsite@%2$s:/srv/copies/%1$s
                            keyFile: /keys/%1$s-offsite.key
                            options:
                              sftp.command: "ssh -i /keys/offsite-ssh -p 2222 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR offsite@%2$s -s sftp"
                    """.formatted(repo, TestDocker.PREFIX + NAME));
        }
        for (Path key : List.of(ssh, bundle.resolve("keys/critical-offsite.key"), bundle.resolve("keys/models-offsite.key"),
                bundle.resolve("keys/system-offsite.key"))) {
            Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        }
        Path config = bundle.resolve("config/sidecar.yml");
        Files.writeString(config, Files.readString(config) + repos);
    }

    /** The sidecar joins the offsite network (a real host's sidecar reaches the internet through its own). */
    void reachableFrom(Path compose) throws IOException {
        String text = Files.readString(compose);
        String sidecar = "    networks: [stack, docker-api]\n    depends_on: [docker-proxy, backrest]\n";
        String networks = "  docker-api:\n    internal: true\n";
        if (!text.contains(sidecar) || !text.contains(networks)) {
            throw new IllegalStateException("compose.yml.example changed: the test's edit no longer fits");
        }
        Files.writeString(compose, text.replace(sidecar, sidecar.replace("docker-api]", "docker-api, offsite]"))
                .replace(networks, networks + "  offsite:\n    external: true\n    name: " + NETWORK + "\n"));
    }

    void stop() throws IOException, InterruptedException {
        sftp.stop();
        TestDocker.run(List.of("sh", "-c", "docker network rm " + NETWORK + " >/dev/null 2>&1 || true"), Map.of());
    }
}
