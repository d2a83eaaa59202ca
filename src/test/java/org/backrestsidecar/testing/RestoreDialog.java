package org.backrestsidecar.testing;

import java.time.Duration;
import java.util.function.Supplier;
import org.openqa.selenium.By;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.Select;

/**
 * The operator page's restore dialog, worked as a person works it: Restore… on a target's row, a dry
 * run, the target's name typed, Restore, the restore followed to its end. The page redraws every 3 s
 * and keeps a button locked until it has seen the last restore end; a click a locked button swallows
 * is made again, as a person would.
 */
public final class RestoreDialog {
    private final ChromeDriver browser;

    public RestoreDialog(ChromeDriver browser) {
        this.browser = browser;
    }

    /** Clicks Restore… of {@code target} until its dialog shows. */
    public void open(String target) {
        By button = By.cssSelector("#targets tr[data-target='" + target + "'] button[data-action='restore']");
        Browser.waiting(browser, Duration.ofSeconds(60)).withMessage(() -> "the restore dialog of " + target
                + " to open: " + state()).until(b -> {
            click(button);
            return within(Duration.ofSeconds(5), () -> b.findElement(By.id("restore-section")).getAttribute("hidden") == null
                    && b.findElement(By.id("restore-target")).getText().equals(target));
        });
    }

    /** Asks for a dry run and waits for its plan. */
    public void dryRun() {
        Browser.waiting(browser, Duration.ofSeconds(60)).withMessage(() -> "the dry run's plan: " + state()).until(b -> {
            click(By.id("restore-dry-run"));
            return within(Duration.ofSeconds(10), () -> b.findElement(By.id("restore-plan")).isDisplayed());
        });
    }

    /** Types the target's name, clicks Restore and follows the restore: the followed line's text at its end. */
    public String confirmAndFollow(String target, Duration limit) {
        Browser.waiting(browser, Duration.ofSeconds(30)).withMessage(() -> "the name's field to take typing: "
                + state()).until(b -> b.findElement(By.id("restore-confirm")).isDisplayed());
        browser.findElement(By.id("restore-confirm")).sendKeys(target);
        click(By.id("restore-go"));
        Browser.waiting(browser, limit).withMessage(() -> "the restore of " + target + " to end: " + state()).until(b ->
                !b.findElements(By.cssSelector("#restore-followed [data-state='SUCCEEDED']")).isEmpty()
                        || !b.findElements(By.cssSelector("#restore-followed [data-state='FAILED']")).isEmpty());
        return browser.findElement(By.id("restore-followed")).getText();
    }

    /** Clicks what {@code where} finds once it can take the click (shown and enabled). */
    public void click(By where) {
        Browser.waiting(browser, Duration.ofSeconds(30)).withMessage(() -> where + " to be shown and enabled: " + state())
                .until(b -> {
            WebElement button = b.findElement(where);
            if (!button.isDisplayed() || !button.isEnabled()) {
                return false;
            }
            button.click();
            return true;
        });
    }

    /** What the restore dialog and the error box show, for a failure's message. */
    public String state() {
        try {
            return "section hidden=" + browser.findElement(By.id("restore-section")).getAttribute("hidden") + "; text: "
                    + browser.findElement(By.id("restore-section")).getText() + "; databases: "
                    + new Select(browser.findElement(By.id("restore-database"))).getOptions().stream()
                    .map(WebElement::getText).toList() + "; errors: " + browser.findElement(By.id("errors")).getText()
                    + "; targets: " + browser.findElement(By.id("targets")).getText()
                    + "; signed in: '" + browser.findElement(By.id("me")).getText() + "'; "
                    + browser.findElement(By.id("refreshed")).getText() + "; printed: " + Browser.errors(browser);
        } catch (RuntimeException e) {
            return "(could not be read: " + e.getMessage() + ")";
        }
    }

    private boolean within(Duration limit, Supplier<Boolean> shown) {
        try {
            Browser.waiting(browser, limit).until(b -> shown.get());
            return true;
        } catch (TimeoutException e) {
            return false;
        }
    }
}
