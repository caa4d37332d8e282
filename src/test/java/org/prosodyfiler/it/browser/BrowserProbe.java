package org.prosodyfiler.it.browser;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import org.openqa.selenium.NoSuchWindowException;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Opens a URL in the browser in one of the ways a victim could meet an uploaded file, lets any
 * script in it run (or not), and reads what happened: beacon requests plus the state of every
 * document that showed the file.
 */
final class BrowserProbe {
    /** How the uploaded file reaches the browser. */
    enum Opening {
        /** Typed into the address bar / a link followed: a top-level navigation. */
        TOP_LEVEL,
        /** Framed by a page of another origin (an XMPP web client, say). */
        IFRAME,
        /** Opened by a script of another origin with window.open. */
        WINDOW_OPEN
    }

    /** What could be seen of one document: where it is, and the traces the payload script leaves. */
    record PageState(String where, String url, String title, String marker, String storage, String contentType, String text) {
        boolean showsExecution(String id) {
            return id.equals(marker) || Payloads.executedTitle(id).equals(title) || id.equals(storage);
        }
    }

    /**
     * The beacons received and the documents observed after opening a URL one way; for
     * window.open, what became of the popup: blocked, closed (Chromium closes a popup whose
     * navigation turned into a download), navigated (it left about:blank for another origin), or
     * still blank.
     */
    record Result(Opening how, List<String> beacons, List<PageState> views, String popup) {
        String describe() {
            StringBuilder sb = new StringBuilder(how + ": beacons=" + beacons
                    + (how == Opening.WINDOW_OPEN ? ", popup " + popup : ""));
            views.forEach(v -> sb.append("\n    ").append(v));
            return sb.toString();
        }
    }

    private static final String FRAME_NAME = "upload";
    private static final Duration POPUP_WAIT = Duration.ofSeconds(5);
    /** Null while the popup is still on its initial about:blank (same origin as its opener). */
    private static final String POPUP_STATE = """
            var w = window.pfPopup;
            if (!w) { return 'blocked'; }
            if (w.closed) { return 'closed'; }
            try { return w.location.href === 'about:blank' ? null : 'same-origin ' + w.location.href; }
            catch (e) { return 'navigated'; }
            """;
    private static final String OBSERVE = """
            var d = document, e = d.documentElement, s;
            try { s = localStorage.getItem(arguments[0]); } catch (x) { s = 'unavailable: ' + x.name; }
            var t = d.body ? d.body.innerText : (e ? e.textContent : '');
            return {url: String(location.href), title: String(d.title),
                    marker: e ? e.getAttribute(arguments[1]) : null, storage: s,
                    contentType: String(d.contentType), text: String(t || '').slice(0, 300)};
            """;

    private final ChromeDriver driver;
    private final LocalWebServer site;

    BrowserProbe(ChromeDriver driver, LocalWebServer site) {
        this.driver = driver;
        this.site = site;
    }

    /**
     * Opens {@code target} the given way, then waits until {@code done} holds for the beacons of
     * payload {@code id} or {@code wait} passes, and only then looks at the documents (so a script
     * has had the whole time to change them).
     */
    Result open(Opening how, URI target, String id, Predicate<List<String>> done, Duration wait) throws InterruptedException {
        String url = target.toString();
        if (!url.matches("[A-Za-z0-9:/._?=-]+")) {
            throw new IllegalArgumentException("URL not safe to splice into a host page: " + url);
        }
        resetToSingleBlankWindow();
        String main = driver.getWindowHandle();
        switch (how) {
            case TOP_LEVEL -> driver.get(url);
            case IFRAME -> driver.get(site.addPage("frame-" + id, "text/html; charset=utf-8", """
                    <!DOCTYPE html><html><head><meta charset="utf-8"><title>host %s</title></head>
                    <body><iframe id="%s" name="%s" src="%s" width="600" height="400"></iframe></body></html>
                    """.formatted(id, FRAME_NAME, FRAME_NAME, url)).toString());
            case WINDOW_OPEN -> driver.get(site.addPage("opener-" + id, "text/html; charset=utf-8", """
                    <!DOCTYPE html><html><head><meta charset="utf-8"><title>host %s</title></head>
                    <body><script>window.pfPopup = window.open('%s', 'popup_%s');</script></body></html>
                    """.formatted(id, url, id.replace('-', '_'))).toString());
        }
        // The popup loads on its own after its opener: let it get there before the clock starts.
        String popup = how == Opening.WINDOW_OPEN ? awaitPopup() : null;
        List<String> beacons = awaitBeacons(id, done, wait);
        List<PageState> views = new ArrayList<>();
        switch (how) {
            case TOP_LEVEL -> views.add(observe("top", id));
            case IFRAME -> {
                views.add(observe("host", id));
                driver.switchTo().frame(FRAME_NAME);
                views.add(observe("iframe", id));
                driver.switchTo().defaultContent();
            }
            case WINDOW_OPEN -> {
                views.add(observe("host", id));
                for (String handle : otherWindows(main)) {
                    try {
                        driver.switchTo().window(handle);
                        views.add(observe("popup", id));
                    } catch (NoSuchWindowException closedMeanwhile) {
                        // Chromium closes a popup whose navigation became a download; nothing to see.
                    }
                }
                driver.switchTo().window(main);
            }
        }
        return new Result(how, beacons, views, popup);
    }

    private String awaitPopup() {
        try {
            return (String) new WebDriverWait(driver, POPUP_WAIT).until(d -> driver.executeScript(POPUP_STATE));
        } catch (TimeoutException e) {
            return "still about:blank after " + POPUP_WAIT.toSeconds() + " s";
        }
    }

    private List<String> awaitBeacons(String id, Predicate<List<String>> done, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            List<String> seen = site.beaconChannels(id);
            if (done.test(seen) || System.nanoTime() >= deadline) {
                return seen;
            }
            Thread.sleep(25);
        }
    }

    PageState observe(String where, String id) {
        try {
            Object raw = driver.executeScript(OBSERVE, Payloads.storageKey(id), Payloads.MARKER_ATTRIBUTE);
            if (!(raw instanceof Map<?, ?> m)) {
                throw new IllegalStateException("observation script returned " + raw);
            }
            return new PageState(where, str(m.get("url")), str(m.get("title")), str(m.get("marker")),
                    str(m.get("storage")), str(m.get("contentType")), str(m.get("text")));
        } catch (WebDriverException e) {
            // A document we cannot script into (e.g. Chromium's own error page) cannot be checked
            // for DOM traces; the beacons still are. Record why instead of guessing.
            return new PageState(where, driver.getCurrentUrl(), null, null, null, null,
                    "not observable: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    private static String str(Object o) {
        return o == null ? null : o.toString();
    }

    private List<String> otherWindows(String main) {
        Set<String> handles = driver.getWindowHandles();
        return handles.stream().filter(h -> !Objects.equals(h, main)).toList();
    }

    /** Closes popups left by an earlier case and starts from about:blank, so cases do not mix. */
    void resetToSingleBlankWindow() {
        List<String> handles = new ArrayList<>(driver.getWindowHandles());
        String keep = handles.get(0);
        for (String handle : handles.subList(1, handles.size())) {
            try {
                driver.switchTo().window(handle);
                driver.close();
            } catch (NoSuchWindowException closedMeanwhile) {
                // already gone: that is all we wanted
            }
        }
        driver.switchTo().window(keep);
        driver.get("about:blank");
    }
}
