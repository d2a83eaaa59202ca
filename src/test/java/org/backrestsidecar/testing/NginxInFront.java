package org.backrestsidecar.testing;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real nginx (Debian's) with nginx/ as shipped, set up by scripts/backrest-setup.sh, on
 * 127.0.0.1, in front of a sidecar and the Backrest stand-in. Only the host names, ports and file
 * locations of the container layout are rewritten.
 */
public final class NginxInFront implements AutoCloseable {
    private final Path bundle;
    private final Process nginx;
    private final int http;
    private final int https;

    public record Curl(int exit, String out) {
    }

    /** @param sidecarUpstream e.g. {@code http://127.0.0.1:8081}: an address, not a name (nginx looks upstreams up per request) */
    public NginxInFront(String sidecarUpstream) throws Exception {
        bundle = Files.createTempDirectory("bsc-nginx");
        Files.setPosixFilePermissions(bundle, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (String part : List.of("scripts", "env", "backrest-config", "nginx")) {
            TestDocker.run(List.of("cp", "-r", part, bundle.resolve(part).toString()), Map.of());
        }
        TestDocker.run(List.of("bash", "scripts/backrest-setup.sh"), Map.of(), bundle.toFile());
        // setup made a token for the sidecar it configures; this sidecar has the test's token
        Files.writeString(bundle.resolve("secrets/nginx/sidecar-token.conf"),
                "proxy_set_header Authorization \"Bearer " + SidecarStack.API_TOKEN + "\";\n");
        http = freePort();
        https = freePort();
        for (String file : List.of("nginx/nginx.conf", "nginx/conf.d/stack.conf")) {
            Path f = bundle.resolve(file);
            Files.writeString(f, Files.readString(f)
                    .replace("/etc/nginx/secrets/", bundle.resolve("secrets/nginx") + "/")
                    .replace("/etc/nginx/conf.d/", bundle.resolve("nginx/conf.d") + "/")
                    .replace("pid /tmp/nginx.pid;", "pid " + bundle.resolve("nginx.pid") + ";")
                    .replace("listen 80 default_server;", "listen 127.0.0.1:" + http + " default_server;")
                    .replace("listen 443 ssl default_server;", "listen 127.0.0.1:" + https + " ssl default_server;")
                    .replace("http://backrest:9898", SidecarStack.backrest().url())
                    .replace("http://sidecar:8080", sidecarUpstream));
        }
        Path conf = bundle.resolve("nginx/nginx.conf");
        TestDocker.run(List.of("nginx", "-t", "-c", conf.toString(), "-p", bundle.toString(), "-e",
                bundle.resolve("error.log").toString()), Map.of());
        nginx = new ProcessBuilder("nginx", "-c", conf.toString(), "-p", bundle.toString(), "-e",
                bundle.resolve("error.log").toString(), "-g", "daemon off;")
                .redirectErrorStream(true).redirectOutput(bundle.resolve("nginx.out").toFile()).start();
        TestDocker.await("nginx on " + https, Duration.ofSeconds(20), () -> curl("-o", "/dev/null",
                "https://127.0.0.1:" + https + "/").exit() == 0);
    }

    /** {@code https://127.0.0.1:<port>} */
    public String base() {
        return "https://127.0.0.1:" + https;
    }

    public String plainHttp() {
        return "http://127.0.0.1:" + http;
    }

    /** The setup's folder: secrets/, nginx/, ... */
    public Path bundle() {
        return bundle;
    }

    /** {@code admin:<password>}, the login setup made. */
    public String adminLogin() throws Exception {
        return "admin:" + Files.readString(bundle.resolve("secrets/admin-password")).strip();
    }

    /** README "Add a viewer": a second nginx login (its role comes from sidecar.yml access.users). */
    public String addLogin(String user, String password) throws Exception {
        TestDocker.run(List.of("htpasswd", "-bB", bundle.resolve("secrets/nginx/htpasswd").toString(), user, password),
                Map.of());
        return user + ":" + password;
    }

    /**
     * nginx's access and error log lines that name any of {@code needles} (all lines when none is
     * given), the last 40: what nginx saw of a request a test missed.
     */
    public List<String> logLines(java.util.Collection<String> needles) {
        List<String> lines = new ArrayList<>();
        for (String log : List.of("nginx.out", "error.log")) {
            try {
                for (String line : Files.readAllLines(bundle.resolve(log), StandardCharsets.UTF_8)) {
                    if (needles.isEmpty() || needles.stream().anyMatch(line::contains)) {
                        lines.add(log + ": " + line);
                    }
                }
            } catch (java.io.IOException e) {
                lines.add(log + ": (not read: " + e.getMessage() + ")");
            }
        }
        return lines.subList(Math.max(0, lines.size() - 40), lines.size());
    }

    public static Curl curl(String... args) {
        List<String> command = new ArrayList<>(List.of("curl", "-sk", "--max-time", "10"));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(20, TimeUnit.SECONDS);
            return new Curl(p.exitValue(), out);
        } catch (Exception e) {
            return new Curl(-1, e.toString());
        }
    }

    public static int freePort() throws Exception {
        return FreePorts.next();
    }

    @Override
    public void close() {
        nginx.destroy();
        try {
            nginx.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
