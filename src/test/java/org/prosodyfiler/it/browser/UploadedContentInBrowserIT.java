package org.prosodyfiler.it.browser;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.prosodyfiler.it.browser.BrowserProbe.Opening;
import org.prosodyfiler.it.browser.BrowserProbe.PageState;
import org.prosodyfiler.it.browser.BrowserProbe.Result;
import org.prosodyfiler.it.browser.Payloads.Format;
import org.prosodyfiler.it.browser.UploadClient.Served;
import org.prosodyfiler.testsupport.FilerProcess;

/**
 * Issue 3, stored XSS, checked in a real browser: files uploaded to our server are opened in
 * headless Chromium the ways a victim could meet them (top level, framed by another origin,
 * window.open from another origin). Active documents (HTML, SVG, XHTML, and the same under lying
 * or unusual Content-Types) must never run script; a JPEG must still display inline.
 *
 * <p>Non-execution is proven from outside the document: the payload calls a beacon server on
 * 127.0.0.1 through several channels. The control tests serve the very same payloads without
 * protective headers and require every channel to fire, so a silent beacon means "did not run",
 * not "the detector is broken".
 *
 * <p>The headers the server sent for every case are printed at the end (failsafe keeps them in
 * the *-output.txt report); server.log and chromedriver.log stay in the browser-it-* directory
 * next to the jar.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UploadedContentInBrowserIT {
    private static final String SECRET = "browser-it-secret";
    /**
     * How long a hostile upload gets to call home once its document (or popup) has loaded. The
     * controls show the beacons arrive within milliseconds of loading; this leaves ample margin.
     */
    private static final Duration SETTLE = Duration.ofMillis(1000);
    private static final Duration CONTROL_WAIT = Duration.ofSeconds(10);
    private static final List<String> ALL_CHANNELS = List.of("fetch", "img", "handler");
    private static final int JPEG_WIDTH = 64;
    private static final int JPEG_HEIGHT = 48;

    /** The hostile uploads: the type declared at upload, and a file name a server might guess from. */
    enum HostileUpload {
        HTML(Format.HTML, "text/html", "page.html"),
        SVG(Format.SVG, "image/svg+xml", "drawing.svg"),
        XHTML(Format.XHTML, "application/xhtml+xml", "page.xhtml"),
        HTML_DECLARED_TEXT_PLAIN(Format.HTML, "text/plain", "notes.html"),
        HTML_DECLARED_IMAGE_PNG(Format.HTML, "image/png", "picture.html"),
        // Spellings that slip past a naive "is it inert?" check on the declared type:
        SVG_DECLARED_IN_CAPITALS(Format.SVG, "IMAGE/SVG+XML", "shout.svg"),
        HTML_DECLARED_WITH_CHARSET(Format.HTML, "text/html; charset=utf-8", "charset.html"),
        XHTML_DECLARED_APPLICATION_XML(Format.XHTML, "application/xml", "data.xml");

        final Format format;
        final String contentType;
        final String fileName;

        HostileUpload(Format format, String contentType, String fileName) {
            this.format = format;
            this.contentType = contentType;
            this.fileName = fileName;
        }

        /** Declared as something a browser would not run script in: only nosniff keeps it so. */
        boolean lyingType() {
            return contentType.equals("text/plain") || contentType.equals("image/png");
        }
    }

    /** A browser step that is repeated once on a fresh browser if Chromium dies under it. */
    @FunctionalInterface
    private interface BrowserStep<T> {
        T run() throws Exception;
    }

    /** Under the build directory, so server.log and chromedriver.log survive a failed CI run. */
    private Path work;
    private FilerProcess filer;
    private LocalWebServer site;
    private LocalWebServer foreign;
    private HeadlessChromium chromium;
    private int browserStarts;
    private BrowserProbe probe;
    private UploadClient uploads;
    private final AtomicInteger ids = new AtomicInteger();
    /** Case name → headers the server sent for it, printed at the end for the report. */
    private final Map<String, String> servedHeaders = new LinkedHashMap<>();

    @BeforeAll
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void start() throws IOException {
        HeadlessChromium.requireInstalled();
        work = Files.createTempDirectory(FilerProcess.jar().getParent(), "browser-it-");
        Path store = Files.createDirectories(work.resolve("store"));
        filer = FilerProcess.start(work, """
                listenport = "127.0.0.1:0"
                secret = "%s"
                storeDir = "%s"
                uploadSubDir = "upload/"
                logLevel = "info"
                """.formatted(SECRET, store));
        uploads = new UploadClient(filer.baseUri(), SECRET);
        site = LocalWebServer.start();
        foreign = LocalWebServer.start();
        startBrowser();
        System.out.println("Chromium " + chromium.version() + "; filer " + filer.baseUri()
                + "; site " + site.origin() + "; foreign " + foreign.origin() + "; work " + work);
    }

    private void startBrowser() throws IOException {
        chromium = HeadlessChromium.start(work, ++browserStarts);
        probe = new BrowserProbe(chromium.driver(), site);
    }

    @AfterAll
    void stop() {
        System.out.println("=== Headers served by the filer, per case ===");
        servedHeaders.forEach((name, headers) -> System.out.println(name + "\n  " + headers.replace("\n", "\n  ")));
        // Browser first (it holds connections to the others); each close runs even if one fails.
        closeQuietly(chromium);
        closeQuietly(site);
        closeQuietly(foreign);
        closeQuietly(filer);
        if (chromium != null) {
            chromium.deleteProfile(); // the bulky part; logs and downloads stay for inspection
        }
    }

    private static void closeQuietly(AutoCloseable resource) {
        if (resource == null) {
            return;
        }
        try {
            resource.close();
        } catch (Exception e) {
            System.out.println("closing " + resource.getClass().getSimpleName() + " failed: " + e);
        }
    }

    /**
     * Chromium or chromedriver occasionally dies on a loaded machine (seen once in several dozen
     * runs, mid-download). That says nothing about our server, so such a step is repeated once on
     * a new browser. An assertion failure, or a WebDriver error while the browser is alive, is
     * never retried.
     */
    private <T> T inBrowser(BrowserStep<T> step) throws Exception {
        try {
            return step.run();
        } catch (WebDriverException e) {
            if (chromium.isAlive()) {
                throw e;
            }
            System.out.println("Chromium died (" + e.getMessage().lines().findFirst().orElse("")
                    + "); restarting it once. chromedriver log tail:\n" + chromium.driverLogTail(15));
            chromium.close();
            startBrowser();
            return step.run();
        }
    }

    static Stream<Arguments> hostileCases() {
        List<Arguments> cases = new ArrayList<>();
        for (HostileUpload upload : HostileUpload.values()) {
            for (Opening how : Opening.values()) {
                cases.add(Arguments.of(upload, how));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} opened {1} runs no script")
    @MethodSource("hostileCases")
    void uploadedActiveContentRunsNoScript(HostileUpload upload, Opening how) throws Exception {
        String id = newId(upload.name());
        URI url = uploads.put(id + "/" + upload.fileName, Payloads.document(upload.format, id, site.beaconPrefix(id)),
                upload.contentType);
        Served served = uploads.get(url);
        servedHeaders.putIfAbsent(upload + " (uploaded as " + upload.contentType + ")", served.describe());

        List<Path> downloads = new ArrayList<>();
        Result result = inBrowser(() -> {
            List<Path> before = chromium.downloadedFiles();
            Result r = probe.open(how, url, id, seen -> !seen.isEmpty(), SETTLE);
            downloads.clear();
            downloads.addAll(newFiles(before));
            return r;
        });
        String context = context(upload + " opened " + how, served, result, downloads);
        System.out.println(context);

        assertThat(served.status()).as(context).isEqualTo(200);
        if (upload.lyingType()) {
            // Chromium happens not to sniff text/plain or image/png into HTML today; nosniff makes
            // that a promise instead of a browser's habit.
            assertThat(served.header("X-Content-Type-Options")).as(context).isEqualToIgnoringCase("nosniff");
        }
        assertThat(result.beacons()).as("beacons the payload sent (it must not run at all)\n" + context).isEmpty();
        for (PageState view : result.views()) {
            assertThat(view.showsExecution(id)).as("script traces in the %s document\n%s", view.where(), context).isFalse();
        }
        if (how == Opening.WINDOW_OPEN) {
            assertThat(result.popup()).as("window.open must have been allowed, else nothing was tested\n" + context)
                    .isNotEqualTo("blocked");
        }
        for (PageState view : result.views()) {
            if (!url.toString().equals(view.url())) {
                continue; // downloaded, blocked or never opened: nothing rendered to inspect
            }
            if (upload.format.contentType().equals(view.contentType())) {
                // Rendered as the active document it is: parsed, yet its script changed nothing.
                assertThat(view.title()).as("title of the rendered %s document\n%s", view.where(), context)
                        .isEqualTo("uploaded " + id);
            }
            if ("text/plain".equals(view.contentType())) {
                // Shown as text: the markup must appear verbatim, not be parsed as HTML.
                assertThat(view.text()).as("text of the %s document\n%s", view.where(), context).contains("<script>");
            }
        }
        assertDownloadsInert(downloads, context);
    }

    /** Header fields that describe one response's framing, not the protection; never replayed. */
    private static final Set<String> NOT_REPLAYED = Set.of(
            "content-disposition", "content-length", "content-type", "date", "connection", "keep-alive",
            "transfer-encoding");

    static Stream<HostileUpload> renderableUploads() {
        return Stream.of(HostileUpload.values()).filter(u -> !u.lyingType());
    }

    /**
     * Defence in depth. The attachment disposition alone already keeps these files from rendering,
     * so the test above never sees our CSP at work on them. Here the filer's own response headers,
     * minus Content-Disposition, are replayed from another origin with the same bytes, as a proxy
     * or client that ignores the disposition would show them: the document renders, and the
     * headers the filer sent must stop its script by themselves.
     */
    @ParameterizedTest(name = "{0} with the filer headers but rendered inline runs no script")
    @MethodSource("renderableUploads")
    void filerHeadersStopScriptEvenWhenRenderedInline(HostileUpload upload) throws Exception {
        String id = newId("inline-" + upload);
        byte[] body = Payloads.document(upload.format, id, site.beaconPrefix(id));
        Served served = uploads.get(uploads.put(id + "/" + upload.fileName, body, upload.contentType));
        Map<String, String> replayed = new LinkedHashMap<>();
        served.headers().keySet().stream().filter(name -> !NOT_REPLAYED.contains(name))
                .forEach(name -> replayed.put(name, served.header(name)));
        String type = served.header("Content-Type") != null ? served.header("Content-Type") : upload.contentType;
        URI inline = foreign.addPage(id + "/" + upload.fileName, type, body, replayed);

        Result result = inBrowser(() -> probe.open(Opening.TOP_LEVEL, inline, id, seen -> !seen.isEmpty(), SETTLE));
        String context = context(upload + " replayed inline with " + replayed.keySet(), served, result, List.of());
        System.out.println(context);

        assertThat(result.beacons()).as("beacons the payload sent (it must not run at all)\n" + context).isEmpty();
        PageState view = result.views().get(0);
        assertThat(view.url()).as("the replayed document must render, else nothing was tested\n" + context)
                .isEqualTo(inline.toString());
        assertThat(view.showsExecution(id)).as("script traces in the document\n" + context).isFalse();
        if (upload.format.contentType().equals(view.contentType())) {
            assertThat(view.title()).as("title of the rendered document\n" + context).isEqualTo("uploaded " + id);
        }
    }

    /** Every hostile upload a browser would run when served as declared (all but the lying types). */
    static Stream<Arguments> controlCases() {
        List<Arguments> cases = new ArrayList<>();
        for (HostileUpload upload : HostileUpload.values()) {
            for (Opening how : upload.lyingType() ? List.<Opening>of() : List.of(Opening.values())) {
                cases.add(Arguments.of(upload, how));
            }
        }
        return cases.stream();
    }

    /**
     * The detector works: the same payload, served from another origin with its declared type and
     * no protective headers, fires every beacon channel and leaves every DOM trace.
     */
    @ParameterizedTest(name = "control: {0} served without protection, opened {1}, is caught running")
    @MethodSource("controlCases")
    void controlPayloadWithoutProtectionIsCaughtRunning(HostileUpload upload, Opening how) throws Exception {
        String id = newId("control-" + upload);
        URI url = foreign.addPage(id + "/" + upload.fileName, upload.contentType,
                Payloads.document(upload.format, id, site.beaconPrefix(id)), Map.of());
        long started = System.nanoTime();
        Result result = inBrowser(() -> probe.open(how, url, id, seen -> seen.containsAll(ALL_CHANNELS), CONTROL_WAIT));
        long millis = (System.nanoTime() - started) / 1_000_000;
        String context = "control " + upload + " opened " + how + " (" + millis + " ms)\n  " + result.describe();
        System.out.println(context);

        assertThat(result.beacons()).as(context).containsAll(ALL_CHANNELS);
        PageState shown = result.views().get(result.views().size() - 1);
        assertThat(shown.where()).as(context).isEqualTo(switch (how) {
            case TOP_LEVEL -> "top";
            case IFRAME -> "iframe";
            case WINDOW_OPEN -> "popup";
        });
        assertThat(shown.marker()).as(context).isEqualTo(id);
        assertThat(shown.title()).as(context).isEqualTo(Payloads.executedTitle(id));
        assertThat(shown.storage()).as(context).isEqualTo(id);
    }

    /** A script that runs while a CSP blocks its requests is still caught: it navigates to the beacon. */
    @Test
    void controlScriptWhoseRequestsAreBlockedIsCaughtByNavigation() throws Exception {
        String id = newId("control-csp");
        URI url = foreign.addPage(id + ".html", "text/html", Payloads.document(Format.HTML, id, site.beaconPrefix(id)),
                Map.of("Content-Security-Policy", "connect-src 'none'; img-src 'none'"));
        Result result = inBrowser(() -> probe.open(Opening.TOP_LEVEL, url, id, seen -> seen.contains("nav"), CONTROL_WAIT));
        String context = "control with connect-src/img-src 'none'\n  " + result.describe();
        System.out.println(context);
        assertThat(result.beacons()).as(context).containsExactly("nav");
    }

    @Test
    void uploadedJpegDisplaysInlineAtTopLevel() throws Exception {
        String id = newId("jpeg-top");
        URI url = uploads.put(id + "/photo.jpg", Payloads.jpeg(JPEG_WIDTH, JPEG_HEIGHT), "image/jpeg");
        Served served = uploads.get(url);
        servedHeaders.putIfAbsent("JPEG (uploaded as image/jpeg)", served.describe());
        String context = "JPEG at top level\n  served: " + served.describe().replace("\n", "\n  ");

        List<Object> seen = inBrowser(() -> {
            List<Path> before = chromium.downloadedFiles();
            probe.resetToSingleBlankWindow();
            chromium.driver().get(url.toString());
            List<Long> size = waitForImage("document.images[0]", context);
            return List.of(size, chromium.driver().getCurrentUrl(), newFiles(before));
        });
        System.out.println(context + "\n  natural size " + seen.get(0) + ", page " + seen.get(1));
        assertThat(seen.get(1)).as("rendered, not downloaded\n" + context).isEqualTo(url.toString());
        assertThat(seen.get(0)).as("naturalWidth, naturalHeight\n" + context)
                .isEqualTo(List.of((long) JPEG_WIDTH, (long) JPEG_HEIGHT));
        assertThat(seen.get(2)).as("nothing downloaded\n" + context).isEqualTo(List.of());
    }

    @Test
    void uploadedJpegEmbedsInPageOfAnotherOrigin() throws Exception {
        String id = newId("jpeg-embed");
        URI url = uploads.put(id + "/photo.jpg", Payloads.jpeg(JPEG_WIDTH, JPEG_HEIGHT), "image/jpeg");
        Served served = uploads.get(url);
        URI page = site.addPage("img-" + id, "text/html; charset=utf-8", """
                <!DOCTYPE html><html><head><meta charset="utf-8"><title>chat</title></head>
                <body><p>look:</p><img id="photo" alt="photo" src="%s"></body></html>
                """.formatted(url));
        String context = "JPEG as <img> in a page of " + site.origin() + "\n  served: " + served.describe().replace("\n", "\n  ");

        List<Long> size = inBrowser(() -> {
            probe.resetToSingleBlankWindow();
            chromium.driver().get(page.toString());
            return waitForImage("document.getElementById('photo')", context);
        });
        System.out.println(context + "\n  natural size " + size);
        assertThat(size.get(0)).as("naturalWidth\n" + context).isPositive().isEqualTo(JPEG_WIDTH);
        assertThat(size.get(1)).as("naturalHeight\n" + context).isEqualTo(JPEG_HEIGHT);
    }

    /** Waits (bounded) until the image element has finished loading; returns its natural size. */
    private List<Long> waitForImage(String element, String context) {
        String script = "var i = " + element + "; return i && i.complete ? [i.naturalWidth, i.naturalHeight] : null;";
        try {
            Object size = new WebDriverWait(chromium.driver(), Duration.ofSeconds(15))
                    .until(d -> chromium.driver().executeScript(script));
            return ((List<?>) size).stream().map(n -> ((Number) n).longValue()).toList();
        } catch (TimeoutException e) {
            throw new AssertionError("image never finished loading: " + element + "\n" + context
                    + "\n  page: " + chromium.driver().getCurrentUrl(), e);
        }
    }

    /**
     * Downloads are an acceptable outcome (attachment disposition). What must not happen is the
     * browser opening one: no beacon (checked by the caller) and no execute permission.
     */
    private static void assertDownloadsInert(List<Path> downloads, String context) throws IOException {
        for (Path file : downloads) {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            assertThat(perms).as("downloaded %s must not be executable\n%s", file, context)
                    .doesNotContainAnyElementsOf(EnumSet.of(PosixFilePermission.OWNER_EXECUTE,
                            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_EXECUTE));
        }
    }

    private List<Path> newFiles(List<Path> before) throws IOException, InterruptedException {
        return chromium.downloadedFiles().stream().filter(f -> !before.contains(f)).toList();
    }

    private String context(String title, Served served, Result result, List<Path> downloads) throws IOException {
        StringBuilder sb = new StringBuilder(title)
                .append("\n  served: ").append(served.describe().replace("\n", "\n  "))
                .append("\n  ").append(result.describe());
        for (Path file : downloads) {
            sb.append("\n  downloaded ").append(file.getFileName()).append(", ").append(Files.size(file))
                    .append(" bytes, ").append(Files.getPosixFilePermissions(file));
        }
        return sb.append("\n  filer log tail:\n").append(filer.logTail(10)).toString();
    }

    private String newId(String label) {
        return "c" + ids.incrementAndGet() + "-" + label.toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
