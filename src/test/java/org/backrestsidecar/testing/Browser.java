package org.backrestsidecar.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless Chromium, driven through its chromedriver (both by path, so Selenium Manager
 * never downloads), sending one Authorization header with every request, with the page's errors
 * trapped from before its own script runs.
 */
public final class Browser {
    /** Catches what the page would print as errors. */
    private static final String ERROR_TRAP = """
            window.__errors = [];
            const original = console.error.bind(console);
            console.error = (...args) => { window.__errors.push(args.map(String).join(' ')); original(...args); };
            addEventListener('error', e => window.__errors.push('error: ' + (e.message || (e.target && (e.target.src || e.target.href)))), true);
            addEventListener('unhandledrejection', e => window.__errors.push('unhandled: ' + e.reason));
            addEventListener('securitypolicyviolation', e => window.__errors.push('refused by the page policy: '
                + e.violatedDirective + ' ' + e.blockedURI));
            """;

    private Browser() {
    }

    /** @param authorization the header's value, e.g. {@code Basic ...} (nginx) or {@code Bearer ...} (the sidecar) */
    public static ChromeDriver open(String authorization) throws IOException {
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        // as root in a container, and with no network but 127.0.0.1: nothing may try to go out
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1400,1800",
                "--user-data-dir=" + Files.createTempDirectory("bsc-chromium"));
        // the setup's self-signed certificate
        options.setAcceptInsecureCerts(true);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.executeCdpCommand("Network.enable", Map.of());
        driver.executeCdpCommand("Network.setExtraHTTPHeaders", Map.of("headers", Map.of("Authorization", authorization)));
        driver.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", ERROR_TRAP));
        return driver;
    }

    /** The page redraws its tables every 3 s: an element found just before a redraw is stale, and is looked up again. */
    public static WebDriverWait waiting(ChromeDriver browser, Duration limit) {
        WebDriverWait wait = new WebDriverWait(browser, limit);
        wait.pollingEvery(Duration.ofMillis(300));
        wait.ignoring(StaleElementReferenceException.class);
        return wait;
    }

    /** What the page printed as errors since it was opened. */
    @SuppressWarnings("unchecked")
    public static List<String> errors(ChromeDriver browser) {
        return (List<String>) browser.executeScript("return window.__errors;");
    }
}
