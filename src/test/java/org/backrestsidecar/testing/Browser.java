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
        // what the browser itself says of a request (net::ERR_...), for a test's message
        options.setCapability("goog:loggingPrefs", Map.of("browser", "ALL"));
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

    /**
     * Opens {@code url} as a person would: when Chromium shows its own error page instead (a load the
     * network dropped, e.g. ERR_NETWORK_CHANGED, which Chromium says whenever an interface comes or
     * goes, as Docker's do all through a test run), it is reloaded, up to three times, and said.
     */
    public static void load(ChromeDriver browser, String url) {
        browser.get(url);
        for (int reload = 1; reload <= 3 && !browser.findElements(org.openqa.selenium.By.id("main-frame-error")).isEmpty(); reload++) {
            System.out.println("Browser: " + url + " did not load (" + browser.findElement(org.openqa.selenium.By.tagName("body"))
                    .getText().replace('\n', ' ') + "), reloaded");
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            browser.navigate().refresh();
        }
    }

    /** The browser's console since it was last read, Chromium's own lines included (a request's net::ERR_...). */
    public static List<String> console(ChromeDriver browser) {
        try {
            return browser.manage().logs().get(org.openqa.selenium.logging.LogType.BROWSER).getAll().stream()
                    .map(e -> java.time.Instant.ofEpochMilli(e.getTimestamp()) + " " + e.getLevel() + " " + e.getMessage())
                    .toList();
        } catch (RuntimeException e) {
            return List.of("(not read: " + e + ")");
        }
    }

    /** What the page printed as errors since it was opened. */
    @SuppressWarnings("unchecked")
    public static List<String> errors(ChromeDriver browser) {
        return (List<String>) browser.executeScript("return window.__errors;");
    }
}
