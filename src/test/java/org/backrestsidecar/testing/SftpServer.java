package org.backrestsidecar.testing;

import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Ports;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A real SFTP server: Debian's OpenSSH sshd in a container started from the test image, user
 * {@code offsite} logging in with a key made here, on a port of 127.0.0.1.
 */
public final class SftpServer {
    private static final String NAME = "sftp";
    private final Path key;
    private final int port;

    private final String name;

    private SftpServer(Path key, int port, String name) {
        this.key = key;
        this.port = port;
        this.name = name;
    }

    public Path key() {
        return key;
    }

    public static SftpServer start(Path dir) throws IOException, InterruptedException {
        return start(dir, NAME, null);
    }

    /**
     * On a network of its own as well (standing in for the internet between a host and its offsite
     * server), where containers on it reach it by its container name.
     */
    public static SftpServer start(Path dir, String name, String network) throws IOException, InterruptedException {
        Path key = dir.resolve("sftp-key");
        TestDocker.run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key.toString()), Map.of());
        String publicKey = Files.readString(dir.resolve("sftp-key.pub")).strip();
        var docker = TestDocker.client();
        var ssh = ExposedPort.tcp(2222);
        var ports = new Ports();
        ports.bind(ssh, Ports.Binding.bindIp("127.0.0.1"));
        String script = "ssh-keygen -A >/dev/null && mkdir -p /run/sshd /srv/copies"
                + " && useradd -m -s /bin/sh offsite && usermod -p '*' offsite && mkdir -p /home/offsite/.ssh"
                + " && echo '" + publicKey + "' > /home/offsite/.ssh/authorized_keys"
                + " && chown -R offsite /home/offsite/.ssh /srv/copies && chmod 700 /home/offsite/.ssh"
                + " && exec /usr/sbin/sshd -D -e -p 2222 -o PasswordAuthentication=no";
        docker.createContainerCmd(TestDocker.IMAGE).withName(TestDocker.PREFIX + name).withCmd("sh", "-c", script)
                .withExposedPorts(ssh).withHostConfig(HostConfig.newHostConfig().withPortBindings(ports)).exec();
        if (network != null) {
            docker.connectToNetworkCmd().withNetworkId(network).withContainerId(TestDocker.PREFIX + name).exec();
        }
        docker.startContainerCmd(TestDocker.PREFIX + name).exec();
        var bound = docker.inspectContainerCmd(TestDocker.PREFIX + name).exec().getNetworkSettings().getPorts()
                .getBindings().get(ssh);
        SftpServer server = new SftpServer(key, Integer.parseInt(bound[0].getHostPortSpec()), name);
        TestDocker.await("sshd to take the key", Duration.ofSeconds(30), () -> {
            try {
                TestDocker.run(List.of("ssh", "-i", key.toString(), "-p", String.valueOf(server.port), "-o",
                        "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
                        "offsite@127.0.0.1", "true"), Map.of());
                return true;
            } catch (IOException | InterruptedException e) {
                return false;
            }
        });
        return server;
    }

    /** restic's {@code sftp.command}: how restic reaches this server (a key, no known_hosts). */
    public String command() {
        return "ssh -i " + key + " -p " + port + " -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null"
                + " -o BatchMode=yes -o LogLevel=ERROR offsite@127.0.0.1 -s sftp";
    }

    public void stop() {
        TestDocker.remove(name);
    }
}
