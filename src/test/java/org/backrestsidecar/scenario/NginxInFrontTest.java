package org.backrestsidecar.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.backrestsidecar.testing.NginxInFront;
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
    /** What the sidecar's page sends with every call, and a form on another site cannot. */
    private static final String PAGE = "X-Requested-By: sidecar-page";
    @TestHTTPResource("/")
    URL sidecar;
    private NginxInFront nginx;

    @AfterEach
    void stop() {
        if (nginx != null) {
            nginx.close();
        }
    }

    private void startNginx() throws Exception {
        startNginx(sidecar.toString().replaceFirst("/$", "").replace("localhost", "127.0.0.1"));
    }

    private void startNginx(String sidecarUpstream) throws Exception {
        nginx = new NginxInFront(sidecarUpstream);
    }

    private static NginxInFront.Curl curl(String... args) {
        return NginxInFront.curl(args);
    }

    private String status(String... args) {
        List<String> all = new ArrayList<>(List.of("-o", "/dev/null", "-w", "%{http_code}"));
        all.addAll(List.of(args));
        return curl(all.toArray(String[]::new)).out();
    }

    @Test
    void onlyTlsOneLoginTheApiWithItsTokenAndAnOpenHealthz() throws Exception {
        startNginx();
        String base = nginx.base();
        String login = nginx.adminLogin();

        assertEquals("301", status(nginx.plainHttp() + "/"));
        assertTrue(curl("-D", "-", "-o", "/dev/null", nginx.plainHttp() + "/x").out().contains("Location: https://"));

        assertEquals("401", status(base + "/"), "no login, no UI");
        assertEquals("401", status("-u", "admin:wrong-password", base + "/"));
        NginxInFront.Curl ui = curl("-u", login, "-D", "-", base + "/");
        assertTrue(ui.out().contains("200") && ui.out().contains("backrest ui"), ui.out());
        assertTrue(ui.out().contains("Strict-Transport-Security: max-age=31536000"), ui.out());
        assertTrue(ui.out().contains("X-Content-Type-Options: nosniff"), ui.out());

        NginxInFront.Curl targets = curl("-u", login, base + "/sidecar/api/targets");
        assertTrue(targets.out().contains("\"name\":\"pg-main\""), "nginx added the API token: " + targets.out());
        assertEquals("401", status(base + "/sidecar/api/targets"), "the API is behind the login too");

        // a sidecar that has just started is not ready until it has made its repos
        TestDocker.await("the sidecar ready", Duration.ofMinutes(2), () -> status(sidecar + "q/health/ready").equals("200"));
        NginxInFront.Curl healthz = curl("-w", "%{http_code}", base + "/healthz");
        assertEquals("up\n200", healthz.out(), "open, and it tells nothing but up or down");

        assertNotEquals(0, curl("--tls-max", "1.1", "-o", "/dev/null", base + "/healthz").exit(), "TLS 1.1 is refused");
        assertEquals(0, curl("--tlsv1.2", "--tls-max", "1.2", "-o", "/dev/null", base + "/healthz").exit());
    }

    @Test
    void eachUserActsInTheirRoleAndIsAuditedByName() throws Exception {
        startNginx();
        String base = nginx.base();
        String admin = nginx.adminLogin();
        // README "Add a viewer": a second nginx login, given the viewer role in sidecar.yml (access.users)
        String vera = nginx.addLogin("vera", "vera-password-0123");
        java.time.Instant since = java.time.Instant.now();

        assertEquals("200", status("-u", vera, base + "/sidecar/api/plans"), "a viewer reads");
        NginxInFront.Curl refused = curl("-u", vera, "-H", PAGE, "-X", "POST", "-w", "\n%{http_code}", base + "/sidecar/api/plans/hourly/runs");
        assertTrue(refused.out().endsWith("\n403") && refused.out().contains("vera has role viewer; this needs operator"),
                refused.out());
        assertEquals("403", status("-u", vera, "-H", PAGE, "-X", "POST", base + "/sidecar/api/notifications/test"));
        NginxInFront.Curl run = curl("-u", admin, "-H", PAGE, "-X", "POST", "-w", "\n%{http_code}", base + "/sidecar/api/plans/hourly/runs");
        assertTrue(run.out().endsWith("\n202"), "the admin may: " + run.out());
        // a header the browser sends is not believed: nginx sets who the user is
        assertEquals("403", status("-u", vera, "-H", PAGE, "-H", "X-Remote-User: admin", "-X", "POST",
                base + "/sidecar/api/plans/hourly/runs"));

        NginxInFront.Curl audit = curl("-u", vera, base + "/sidecar/api/audit?since=" + since);
        var entries = new com.fasterxml.jackson.databind.ObjectMapper().readTree(audit.out());
        List<String> lines = new ArrayList<>();
        for (var e : entries) {
            lines.add(e.path("who").asText() + " " + e.path("role").asText() + " " + e.path("status").asInt() + " "
                    + e.path("method").asText() + " " + e.path("path").asText() + " from " + e.path("from").asText());
        }
        assertEquals(List.of("vera viewer 403 POST /api/plans/hourly/runs from 127.0.0.1",
                "vera viewer 403 POST /api/notifications/test from 127.0.0.1",
                "admin admin 202 POST /api/plans/hourly/runs from 127.0.0.1",
                "vera viewer 403 POST /api/plans/hourly/runs from 127.0.0.1"), lines, audit.out());
    }

    /**
     * A logged-in admin's browser, sent by another site: the login is the browser's (curl gives it as
     * the browser would, cached), the site's marks are what Chromium sends with a cross-site form. No
     * run, drill, check, prune, copy, restore or test notice starts; each is refused with its reason,
     * and the admin's own call with the page's header goes through. Errors nginx itself gives are
     * the API's JSON too.
     */
    @Test
    void anotherSiteCannotActAsALoggedInAdmin() throws Exception {
        startNginx();
        String base = nginx.base();
        String admin = nginx.adminLogin();
        java.time.Instant since = java.time.Instant.now();
        for (String path : List.of("plans/system/runs", "plans/system/drills", "repos/system/checks",
                "repos/system/prunes", "repos/away/copies/sftp/runs", "notifications/test")) {
            NginxInFront.Curl form = curl("-u", admin, "-X", "POST", "-H", "Origin: https://evil.example",
                    "-H", "Sec-Fetch-Site: cross-site", "-H", "Content-Type: application/x-www-form-urlencoded",
                    "-d", "x=1", "-w", "\n%{http_code}", base + "/sidecar/api/" + path);
            assertTrue(form.out().endsWith("\n403") && form.out().contains("comes from another site"), path + ": " + form.out());
            // an older browser: no Sec-Fetch-Site, no Origin on the form, text/plain: no page header, refused
            NginxInFront.Curl old = curl("-u", admin, "-X", "POST", "-H", "Content-Type: text/plain", "-d", "{}",
                    "-w", "\n%{http_code}", base + "/sidecar/api/" + path);
            assertTrue(old.out().endsWith("\n403") && old.out().contains("needs the header X-Requested-By"), path + ": " + old.out());
        }
        NginxInFront.Curl restore = curl("-u", admin, "-X", "POST", "-H", "Origin: https://evil.example",
                "-H", "Content-Type: text/plain", "-d", "{\"target\":\"pg-main\",\"confirm\":\"pg-main\"}",
                "-w", "\n%{http_code}", base + "/sidecar/api/restores");
        assertTrue(restore.out().endsWith("\n403"), restore.out());

        NginxInFront.Curl audit = curl("-u", admin, base + "/sidecar/api/audit?since=" + since);
        var entries = new com.fasterxml.jackson.databind.ObjectMapper().readTree(audit.out());
        assertEquals(13, entries.size(), "each attempt is in the audit log: " + audit.out());
        for (var e : entries) {
            assertEquals(403, e.path("status").asInt(), "nothing was accepted: " + e);
        }
        NginxInFront.Curl own = curl("-u", admin, "-H", PAGE, "-X", "POST", base + "/sidecar/api/plans/system/runs");
        String runId = new com.fasterxml.jackson.databind.ObjectMapper().readTree(own.out()).path("id").asText();
        assertTrue(!runId.isEmpty(), "the admin's own page may: " + own.out());
        org.backrestsidecar.testing.SidecarApi.awaitRun(runId, Duration.ofMinutes(5));

        NginxInFront.Curl noLogin = curl("-D", "-", base + "/sidecar/api/targets");
        assertTrue(noLogin.out().contains("WWW-Authenticate: Basic realm=\"backrest\"")
                && noLogin.out().contains("\"status\":401"), noLogin.out());
        java.nio.file.Path big = java.nio.file.Files.createTempFile("bsc-big", ".json");
        java.nio.file.Files.write(big, new byte[17 * 1024 * 1024]);
        NginxInFront.Curl tooBig = curl("-u", admin, "-H", PAGE, "-H", "Content-Type: application/json",
                "--data-binary", "@" + big, "-w", "\n%{http_code}", base + "/sidecar/api/restores");
        java.nio.file.Files.delete(big);
        assertTrue(tooBig.out().endsWith("\n413") && tooBig.out().contains("\"status\":413"), tooBig.out());
    }

    /**
     * The page's first load in a swarm is about 25 calls at once (the page, the repos task's view, then
     * the first node's): nginx answers them all. Only a flood past its burst is held back, with a 429 in
     * the API's own JSON shape (a burst of 20 once turned part of a swarm page's load into nginx's HTML 429).
     */
    @Test
    void aPagesBurstOfCallsIsAnsweredAndOnlyAFloodIsHeldBackInTheApisWords() throws Exception {
        startNginx();
        String url = nginx.base() + "/sidecar/api/me";
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("bsc-burst");
        assertEquals(java.util.Collections.nCopies(25, "200"), parallel(url, 25, dir.resolve("page")),
                "a swarm page's first load, all at once");
        List<String> flood = parallel(url, 120, dir.resolve("flood"));
        int held = flood.indexOf("429");
        assertTrue(held >= 0, "120 more at once: some held back: " + flood);
        String said = java.nio.file.Files.readString(dir.resolve("flood-" + held));
        assertTrue(said.contains("\"status\":429") && said.contains("too many requests"), said);
        TestDocker.run(List.of("rm", "-rf", dir.toString()), java.util.Map.of());
    }

    /**
     * {@code n} GETs of {@code url} at once through curl; their statuses in order, each body in {@code out}-i.
     * Each call within the burst has its login's bcrypt hash checked (cost 10) in one of nginx's workers,
     * which answers nothing else meanwhile: on a host busy with both test suites the flood's answers,
     * 429s included, came after curl's usual 10 s (ci44: 119 of 120 unanswered), so a burst waits up to 60 s.
     */
    private List<String> parallel(String url, int n, java.nio.file.Path out) throws Exception {
        List<String> args = new ArrayList<>(List.of("--max-time", "60", "-Z", "--parallel-max", String.valueOf(n),
                "-u", nginx.adminLogin(), "-w", "%{urlnum} %{http_code}\n"));
        for (int i = 0; i < n; i++) {
            args.addAll(List.of("-o", out + "-" + i, url));
        }
        String[] statuses = new String[n];
        curl(args.toArray(String[]::new)).out().lines().map(l -> l.strip().split(" "))
                .filter(f -> f.length == 2).forEach(f -> statuses[Integer.parseInt(f[0])] = f[1]);
        return java.util.Arrays.asList(statuses);
    }

    /**
     * A target named with ';' (a label set by hand: Compose itself allows only letters, digits, _ . -)
     * reaches the sidecar whole, as the page encodes it, directly and through nginx, where a rewrite
     * used to hand on the decoded path and the sidecar cut the name at the ';'.
     */
    @Test
    void aTargetWhoseNameHoldsASemicolonIsFoundThroughNginx() throws Exception {
        startNginx();
        String odd = "odd;name";
        TestDocker.start("odd-name", SidecarStack.serviceLabels(odd, "system", "volume"), TestDocker.IDLE);
        try {
            TestDocker.await("the target named " + odd + " found", Duration.ofSeconds(60), () -> io.restassured.RestAssured
                    .get("/api/targets").jsonPath().getList("name", String.class).contains(odd));
            io.restassured.RestAssured.given().urlEncodingEnabled(false).get("/api/targets/odd%3Bname/backups")
                    .then().statusCode(200);
            NginxInFront.Curl backups = curl("-u", nginx.adminLogin(), "-w", "\n%{http_code}",
                    nginx.base() + "/sidecar/api/targets/odd%3Bname/backups");
            assertTrue(backups.out().endsWith("\n200"), backups.out());
        } finally {
            TestDocker.remove("odd-name");
        }
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
            NginxInFront.Curl down = curl("-w", "%{http_code}", nginx.base() + "/healthz");
            assertEquals("down\n503", down.out(), "a sidecar that is not ready is down");
        } finally {
            notReady.stop(0);
        }
        stop();
        startNginx("http://127.0.0.1:" + NginxInFront.freePort());
        NginxInFront.Curl gone = curl("-w", "%{http_code}", nginx.base() + "/healthz");
        assertEquals("down\n503", gone.out(), "a sidecar nobody answers for is down");
    }
}
