package banger.testsupport;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.function.Function;
import java.util.stream.Stream;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's chromium, headless, driven through Debian's chromium-driver (both from bin/install-deps; no driver
 * download), with a fresh profile that is deleted on close. One per test class: starting one costs a second or two.
 */
public final class HeadlessChromium implements AutoCloseable {

    private static final Path DRIVER = Path.of("/usr/bin/chromedriver");
    /** The real binary: /usr/bin/chromium is a wrapper script. */
    private static final Path BROWSER = Path.of("/usr/lib/chromium/chromium");
    public static final Duration WAIT = Duration.ofSeconds(60);
    private static final Duration POLL = Duration.ofMillis(100);

    private final ChromeDriver driver;
    private final Path profile;

    private HeadlessChromium(ChromeDriver driver, Path profile) {
        this.driver = driver;
        this.profile = profile;
    }

    public static HeadlessChromium start() {
        if (!Files.isExecutable(DRIVER) || !Files.isExecutable(BROWSER)) {
            throw new IllegalStateException("the browser tests need Debian's chromium and chromium-driver"
                    + " (" + BROWSER + ", " + DRIVER + "): run bin/install-deps");
        }
        try {
            Path profile = Files.createTempDirectory("banger-chromium-");
            ChromeOptions options = new ChromeOptions()
                    .setBinary(BROWSER.toFile())
                    .addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                            "--disable-background-networking", "--disable-component-update", "--disable-sync",
                            "--disable-dev-shm-usage", "--window-size=1400,1000", "--user-data-dir=" + profile);
            ChromeDriverService service = new ChromeDriverService.Builder()
                    .usingDriverExecutable(DRIVER.toFile())
                    .usingAnyFreePort()
                    .withLogOutput(OutputStream.nullOutputStream())
                    .build();
            return new HeadlessChromium(new ChromeDriver(service, options), profile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public ChromeDriver driver() {
        return driver;
    }

    /** Waits (up to {@link #WAIT}) until {@code condition} answers something other than null or false. */
    public <T> T await(String what, Function<WebDriver, T> condition) {
        return await(what, WAIT, condition);
    }

    /** Waits up to {@code timeout} (for what a real guest does, slower under load) until {@code condition} holds. */
    public <T> T await(String what, Duration timeout, Function<WebDriver, T> condition) {
        // a page that re-renders may replace an element between finding and reading it: look again
        return new WebDriverWait(driver, timeout, POLL).withMessage(() -> what + "; the page at "
                        + driver.getCurrentUrl() + " shows:\n" + driver.findElement(By.tagName("body")).getText())
                .ignoring(StaleElementReferenceException.class).until(condition);
    }

    /** The element once it is displayed. */
    public WebElement visible(By locator) {
        return await(locator + " visible", d -> d.findElements(locator).stream()
                .filter(WebElement::isDisplayed).findFirst().orElse(null));
    }

    /** A PNG of the viewport, written to {@code file}. */
    public void screenshot(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            } catch (IOException ignored) {
                // a leftover temp profile is harmless
            }
        }
    }
}
