package org.backrestsidecar.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.backrestsidecar.testing.SidecarStack;
import org.backrestsidecar.testing.TestDocker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The real nginx (Debian's) with nginx/ as shipped, set up by scripts/backrest-setup.sh, on
 * 127.0.0.1, in front of the running sidecar and the Backrest stand-in: TLS only, one login, the
 * sidecar's API with the token added by nginx, and an open /healthz that says only up or down.
 * Only the host names, ports and file locations of the container layout are rewritten.
 */
@QuarkusTest
@QuarkusTestResource(SidecarStack.class)
class NginxInFrontTest {
    @TestHTTPResource("/")
    URL sidecar;
    private Process nginx;
    private Path bundle;
    private int http;
    private int https;

    @AfterEach
    void stop() {
        if (nginx != null) {
            nginx.destroy();
            try {
                nginx.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void startNginx() throws Exception {
        // an address, not a name: upstreams in variables are looked up per request, by Docker's DNS in the bundle
        startNginx(sidecar.toString().replaceFirst("/$", "").replace("localhost", "127.0.0.1"));
    }

    private void startNginx(String sidecarUpstream) throws Exception {
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
                "https://127.0.0.1:" + https + "/").exit == 0);
    }

    private record Curl(int exit, String out) {
    }

    private static Curl curl(String... args) {
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

    private String status(String... args) {
        List<String> all = new ArrayList<>(List.of("-o", "/dev/null", "-w", "%{http_code}"));
        all.addAll(List.of(args));
        return curl(all.toArray(String[]::new)).out;
    }

    @Test
    void onlyTlsOneLoginTheApiWithItsTokenAndAnOpenHealthz() throws Exception {
        startNginx();
        String base = "https://127.0.0.1:" + https;
        String login = "admin:" + Files.readString(bundle.resolve("secrets/admin-password")).strip();

        assertEquals("301", status("http://127.0.0.1:" + http + "/"));
        assertTrue(curl("-D", "-", "-o", "/dev/null", "http://127.0.0.1:" + http + "/x").out.contains("Location: https://"));

        assertEquals("401", status(base + "/"), "no login, no UI");
        assertEquals("401", status("-u", "admin:wrong-password", base + "/"));
        Curl ui = curl("-u", login, "-D", "-", base + "/");
        assertTrue(ui.out.contains("200") && ui.out.contains("backrest ui"), ui.out);
        assertTrue(ui.out.contains("Strict-Transport-Security: max-age=31536000"), ui.out);
        assertTrue(ui.out.contains("X-Content-Type-Options: nosniff"), ui.out);

        Curl targets = curl("-u", login, base + "/sidecar/api/targets");
        assertTrue(targets.out.contains("\"name\":\"pg-main\""), "nginx added the API token: " + targets.out);
        assertEquals("401", status(base + "/sidecar/api/targets"), "the API is behind the login too");

        // a sidecar that has just started is not ready until it has made its repos
        TestDocker.await("the sidecar ready", Duration.ofMinutes(2), () -> status(sidecar + "q/health/ready").equals("200"));
        Curl healthz = curl("-w", "%{http_code}", base + "/healthz");
        assertEquals("up\n200", healthz.out, "open, and it tells nothing but up or down");

        assertNotEquals(0, curl("--tls-max", "1.1", "-o", "/dev/null", base + "/healthz").exit, "TLS 1.1 is refused");
        assertEquals(0, curl("--tlsv1.2", "--tls-max", "1.2", "-o", "/dev/null", base + "/healthz").exit);
    }

    @Test
    void eachUserActsInTheirRoleAndIsAuditedByName() throws Exception {
        startNginx();
        String base = "https://127.0.0.1:" + https;
        String admin = "admin:" + Files.readString(bundle.resolve("secrets/admin-password")).strip();
        // README "Add a viewer": a second nginx login, given the viewer role in sidecar.yml (access.users)
        TestDocker.run(List.of("htpasswd", "-bB", bundle.resolve("secrets/nginx/htpasswd").toString(), "vera",
                "vera-password-0123"), Map.of());
        String vera = "vera:vera-password-0123";
        java.time.Instant since = java.time.Instant.now();

        assertEquals("200", status("-u", vera, base + "/sidecar/api/plans"), "a viewer reads");
        Curl refused = curl("-u", vera, "-X", "POST", "-w", "\n%{http_code}", base + "/sidecar/api/plans/hourly/runs");
        assertTrue(refused.out.endsWith("\n403") && refused.out.contains("vera has role viewer; this needs operator"),
                refused.out);
        assertEquals("403", status("-u", vera, "-X", "POST", base + "/sidecar/api/notifications/test"));
        Curl run = curl("-u", admin, "-X", "POST", "-w", "\n%{http_code}", base + "/sidecar/api/plans/hourly/runs");
        assertTrue(run.out.endsWith("\n202"), "the admin may: " + run.out);
        // a header the browser sends is not believed: nginx sets who the user is
        assertEquals("403", status("-u", vera, "-H", "X-Remote-User: admin", "-X", "POST",
                base + "/sidecar/api/plans/hourly/runs"));

        Curl audit = curl("-u", vera, base + "/sidecar/api/audit?since=" + since);
        var entries = new com.fasterxml.jackson.databind.ObjectMapper().readTree(audit.out);
        List<String> lines = new ArrayList<>();
        for (var e : entries) {
            lines.add(e.path("who").asText() + " " + e.path("role").asText() + " " + e.path("status").asInt() + " "
                    + e.path("method").asText() + " " + e.path("path").asText() + " from " + e.path("from").asText());
        }
        assertEquals(List.of("vera viewer 403 POST /api/plans/hourly/runs from 127.0.0.1",
                "vera viewer 403 POST /api/notifications/test from 127.0.0.1",
                "admin admin 202 POST /api/plans/hourly/runs from 127.0.0.1",
                "vera viewer 403 POST /api/plans/hourly/runs from 127.0.0.1"), lines, audit.out);
    }

    @Test
    void healthzSaysDownWhenTheSidecarIsNotReadyOrNotThere() throws Exception {
        // the sidecar's readiness answering 503 as Quarkus does when a check is DOWN (a repo that
        // will not open, Docker gone): a local server stands in for that one answer
        HttpServer notReady = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        notReady.createContext("/q/health/ready", exchange -> {
            byte[] body = "{\"status\":\"DOWN\",\"checks\":[]}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(503, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        notReady.start();
        try {
            startNginx("http://127.0.0.1:" + notReady.getAddress().getPort());
            Curl down = curl("-w", "%{http_code}", "https://127.0.0.1:" + https + "/healthz");
            assertEquals("down\n503", down.out, "a sidecar that is not ready is down");
        } finally {
            notReady.stop(0);
        }
        stop();
        startNginx("http://127.0.0.1:" + freePort());
        Curl gone = curl("-w", "%{http_code}", "https://127.0.0.1:" + https + "/healthz");
        assertEquals("down\n503", gone.out, "a sidecar nobody answers for is down");
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
