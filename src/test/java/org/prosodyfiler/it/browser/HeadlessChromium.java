package org.prosodyfiler.it.browser;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.remote.http.ClientConfig;

/**
 * Debian's Chromium driven by Debian's chromedriver. Both paths are given explicitly, which makes
 * Selenium skip Selenium Manager entirely: nothing is ever downloaded. Every profile, download and
 * log file lives in a directory of the test's own.
 */
final class HeadlessChromium implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/bin/chromium");
    static final Path DRIVER = Path.of("/usr/bin/chromedriver");
    static final Duration PAGE_LOAD_TIMEOUT = Duration.ofSeconds(20);
    static final Duration SCRIPT_TIMEOUT = Duration.ofSeconds(10);

    private final ChromeDriver driver;
    private final Path profile;
    private final Path downloads;
    private final Path driverLog;

    private HeadlessChromium(ChromeDriver driver, Path profile, Path downloads, Path driverLog) {
        this.driver = driver;
        this.profile = profile;
        this.downloads = downloads;
        this.driverLog = driverLog;
    }

    /** Skips on a developer box without the packages; in CI (CI=true) their absence is a failure. */
    static void requireInstalled() {
        boolean present = Files.isExecutable(BINARY) && Files.isExecutable(DRIVER);
        String message = BINARY + " and " + DRIVER + " (Debian packages chromium, chromium-driver) are needed;"
                + " run scripts/install-test-deps.sh";
        if ("true".equals(System.getenv("CI"))) {
            assertTrue(present, message);
        } else {
            assumeTrue(present, message);
        }
    }

    /** Starts a browser whose files go to a fresh {@code workDir/browser-<n>}. */
    static HeadlessChromium start(Path workDir, int n) throws IOException {
        Path dir = Files.createDirectories(workDir.resolve("browser-" + n));
        Path profile = Files.createDirectories(dir.resolve("profile"));
        Path downloads = Files.createDirectories(dir.resolve("downloads"));
        Path driverLog = dir.resolve("chromedriver.log");
        // Belt and braces: the service below names the driver too; either one keeps Selenium Manager out.
        System.setProperty(ChromeDriverService.CHROME_DRIVER_EXE_PROPERTY, DRIVER.toString());
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort()
                .withLogFile(driverLog.toFile())
                .withTimeout(Duration.ofSeconds(30))
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(BINARY.toFile());
        options.addArguments(
                "--headless=new",
                "--no-sandbox", // we run as root
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--disable-breakpad",
                // Only loopback may receive traffic: no name resolves, and the test uses IP literals.
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
                "--window-size=1024,768",
                "--user-data-dir=" + profile);
        options.setExperimentalOption("prefs", Map.of(
                "download.default_directory", downloads.toString(),
                "download.prompt_for_download", false,
                "safebrowsing.enabled", false));
        ClientConfig client = ClientConfig.defaultConfig()
                .connectionTimeout(Duration.ofSeconds(10))
                .readTimeout(Duration.ofSeconds(40));
        ChromeDriver driver = new ChromeDriver(service, options, client);
        driver.manage().timeouts().pageLoadTimeout(PAGE_LOAD_TIMEOUT);
        driver.manage().timeouts().scriptTimeout(SCRIPT_TIMEOUT);
        return new HeadlessChromium(driver, profile, downloads, driverLog);
    }

    ChromeDriver driver() {
        return driver;
    }

    /** Files in the download directory, waiting (bounded) for in-progress downloads to finish. */
    List<Path> downloadedFiles() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            List<Path> files;
            try (Stream<Path> list = Files.list(downloads)) {
                files = list.sorted().toList();
            }
            boolean inProgress = files.stream().anyMatch(f -> f.getFileName().toString().endsWith(".crdownload"));
            if (!inProgress || System.nanoTime() >= deadline) {
                return files;
            }
            Thread.sleep(50);
        }
    }

    /** False once Chromium or chromedriver has gone away (a crash, not a test outcome). */
    boolean isAlive() {
        try {
            driver.getWindowHandles();
            return true;
        } catch (WebDriverException e) {
            return false;
        }
    }

    String version() {
        return String.valueOf(driver.getCapabilities().getBrowserVersion());
    }

    String driverLogTail(int lines) {
        try {
            List<String> all = Arrays.asList(Files.readString(driverLog, StandardCharsets.UTF_8).split("\n"));
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(chromedriver log unreadable: " + e + ")";
        }
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } catch (WebDriverException e) {
            // Already dead (that is why we are closing after a crash); quit() still stopped the service.
            System.out.println("quitting Chromium: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    /** Best effort, after {@link #close()}: a straggling browser process may still hold a file. */
    void deleteProfile() {
        try (Stream<Path> walk = Files.walk(profile)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            System.out.println("could not delete " + profile + ": " + e);
        }
    }
}
