package org.prosodyfiler.it.browser;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import javax.imageio.ImageIO;

/**
 * The files the test uploads. Each active document carries an inline script and an onload handler
 * that, if they ever ran, would leave traces the test can observe from outside the document:
 * <ul>
 *   <li>requests to the beacon server (fetch, an image, the onload handler, and a navigation as the
 *       fallback when a CSP forbids the first three but not the script itself);</li>
 *   <li>inside the document: a {@code data-pf-executed} attribute on the root, the title
 *       {@code EXECUTED-<id>} and a localStorage entry.</li>
 * </ul>
 */
final class Payloads {
    static final String MARKER_ATTRIBUTE = "data-pf-executed";

    /** The active document types a browser will run script in. */
    enum Format {
        HTML("html", "text/html"),
        SVG("svg", "image/svg+xml"),
        XHTML("xhtml", "application/xhtml+xml");

        private final String extension;
        private final String contentType;

        Format(String extension, String contentType) {
            this.extension = extension;
            this.contentType = contentType;
        }

        String extension() {
            return extension;
        }

        /** The type under which a browser treats the bytes as this kind of document. */
        String contentType() {
            return contentType;
        }
    }

    private Payloads() {
    }

    static String executedTitle(String id) {
        return "EXECUTED-" + id;
    }

    static String storageKey(String id) {
        return "pf-executed-" + id;
    }

    static byte[] document(Format format, String id, String beaconPrefix) {
        requireSafe(id);
        requireSafe(beaconPrefix);
        String script = script(id, beaconPrefix);
        String handler = "new Image().src='" + beaconPrefix + "handler'";
        String text = switch (format) {
            case HTML -> """
                    <!DOCTYPE html>
                    <html><head><meta charset="utf-8"><title>uploaded %1$s</title>
                    <script>%2$s</script></head>
                    <body onload="%3$s"><h1>payload %1$s</h1></body></html>
                    """.formatted(id, script, handler);
            case SVG -> """
                    <?xml version="1.0" encoding="UTF-8"?>
                    <svg xmlns="http://www.w3.org/2000/svg" width="120" height="60" viewBox="0 0 120 60" onload="%3$s">
                    <title>uploaded %1$s</title>
                    <rect width="120" height="60" fill="#3a7"/>
                    <script type="application/ecmascript"><![CDATA[%2$s]]></script>
                    </svg>
                    """.formatted(id, script, handler);
            case XHTML -> """
                    <?xml version="1.0" encoding="UTF-8"?>
                    <html xmlns="http://www.w3.org/1999/xhtml"><head><title>uploaded %1$s</title>
                    <script type="text/javascript"><![CDATA[%2$s]]></script></head>
                    <body onload="%3$s"><h1>payload %1$s</h1></body></html>
                    """.formatted(id, script, handler);
        };
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Every step is guarded on its own so that one blocked channel does not hide the others. The
     * navigation runs only when fetch is refused (e.g. by connect-src), so in the normal case the
     * document stays in place and its DOM changes remain observable.
     */
    private static String script(String id, String beaconPrefix) {
        return ("(function(){var id='%1$s',b='%2$s';"
                + "try{document.documentElement.setAttribute('%3$s',id);}catch(e){}"
                + "try{document.title='%4$s';}catch(e){}"
                + "try{localStorage.setItem('%5$s',id);}catch(e){}"
                + "try{new Image().src=b+'img';}catch(e){}"
                + "try{fetch(b+'fetch',{mode:'no-cors'}).catch(function(){location.href=b+'nav';});}"
                + "catch(e){location.href=b+'nav';}"
                + "})();")
                .formatted(id, beaconPrefix, MARKER_ATTRIBUTE, executedTitle(id), storageKey(id));
    }

    /** Ids and URLs are spliced into scripts and XML: keep them to characters that need no escaping. */
    private static void requireSafe(String s) {
        if (!s.matches("[A-Za-z0-9:/._-]+")) {
            throw new IllegalArgumentException("unsafe for splicing into a payload: " + s);
        }
    }

    /** A real baseline JPEG of the given size (a colour gradient, so the encoder has work to do). */
    static byte[] jpeg(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, new Color(x * 255 / width, y * 255 / height, 128).getRGB());
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, "jpg", out)) {
                throw new IllegalStateException("this JDK has no JPEG writer");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
