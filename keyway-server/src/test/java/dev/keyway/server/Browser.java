package dev.keyway.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Headless Debian Chromium driven by chromedriver, both from fixed paths (nothing is downloaded:
 * Selenium Manager is never asked). Missing binaries fail the test (.ci/run installs them). Keeps
 * the source of every page it saw, so a test can assert a secret never reached any page.
 */
final class Browser implements AutoCloseable {
    static final String CHROMIUM = "/usr/bin/chromium";
    static final String CHROMEDRIVER = "/usr/bin/chromedriver";

    final ChromeDriver driver;
    final Path profile;
    final Path screenshots;
    final List<String> sources = new ArrayList<>();

    Browser(Path screenshots) throws IOException {
        assertThat(Files.isExecutable(Path.of(CHROMIUM))).as(CHROMIUM + " is required (apt-get install chromium)").isTrue();
        assertThat(Files.isExecutable(Path.of(CHROMEDRIVER))).as(CHROMEDRIVER + " is required (apt-get install chromium-driver)").isTrue();
        this.profile = Files.createTempDirectory("keyway-chromium");
        this.screenshots = Files.createDirectories(screenshots);
        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM);
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--no-proxy-server", "--window-size=1280,900",
                "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER))
                .usingAnyFreePort().build();
        this.driver = new ChromeDriver(service, o);
        driver.manage().window().setSize(new Dimension(1280, 900));
    }

    void get(String url) {
        driver.get(url);
        record();
    }

    /** Remembers the current page's source (for the secret checks). */
    String record() {
        String s = driver.getPageSource();
        sources.add(driver.getCurrentUrl() + "\n" + s);
        return s;
    }

    WebElement find(String css) {
        return driver.findElement(By.cssSelector(css));
    }

    List<WebElement> findAll(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    void type(String css, String text) {
        WebElement e = find(css);
        e.clear();
        e.sendKeys(text);
    }

    /**
     * Clicks and waits until the next page has loaded (and records it). A marker on the current
     * window object tells the pages apart: a navigation creates a new window object, so the wait
     * cannot mistake the old document (still unloading on a busy machine) for the new one.
     * Transient driver errors while the documents swap are retried.
     */
    void submit(String buttonCss) {
        submit(find(buttonCss), false);
    }

    /** Like {@link #submit(String)} for a given button; {@code confirm} accepts the form's confirm() dialog. */
    void submit(WebElement button, boolean confirm) {
        driver.executeScript("window.__keywayBeforeSubmit = true;");
        button.click();
        if (confirm) {
            waitFor(Duration.ofSeconds(10)).until(ExpectedConditions.alertIsPresent()).accept();
        }
        waitFor(Duration.ofSeconds(20)).ignoring(WebDriverException.class).until(d -> Boolean.TRUE.equals(driver.executeScript(
                "return window.__keywayBeforeSubmit !== true && document.readyState === 'complete';")));
        record();
    }

    WebElement visible(String css) {
        return waitFor(Duration.ofSeconds(5)).until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(css)));
    }

    WebDriverWait waitFor(Duration d) {
        return new WebDriverWait(driver, d, Duration.ofMillis(50));
    }

    /** Saves a screenshot of the whole page (up to 1800 px tall) at laptop width. */
    void screenshot(String name) throws IOException {
        Object h = driver.executeScript("return document.documentElement.scrollHeight");
        int height = Math.max(900, Math.min(1800, ((Number) h).intValue()));
        driver.manage().window().setSize(new Dimension(1280, height));
        try {
            File f = driver.getScreenshotAs(OutputType.FILE);
            Files.copy(f.toPath(), screenshots.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
        } finally {
            driver.manage().window().setSize(new Dimension(1280, 900));
        }
    }

    /** Emulates {@code prefers-color-scheme: dark} (or back to light). */
    void darkMode(boolean on) {
        driver.executeCdpCommand("Emulation.setEmulatedMedia", Map.of("features",
                List.of(Map.of("name", "prefers-color-scheme", "value", on ? "dark" : "light"))));
    }

    @Override
    public void close() throws IOException {
        try {
            driver.quit();
        } finally {
            try (var walk = Files.walk(profile)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
