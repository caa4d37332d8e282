package org.prosodyfiler.http;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.time.Instant;
import org.prosodyfiler.serving.HttpDates;

/**
 * Headers every response carries: CORS as XEP-0363 suggests (browser clients such as Converse.js
 * and Movim PUT cross-origin, which needs a successful preflight), nosniff, and a Date.
 *
 * <p>Unlike the Go original we do not send Access-Control-Allow-Credentials with a "*" origin:
 * browsers reject that combination for credentialed requests, and uploads need no cookies.
 */
final class CommonHeaders {
    static final AsciiString ALLOW_METHODS_BASE = AsciiString.cached("OPTIONS, HEAD, GET, PUT");
    static final AsciiString ALLOW_METHODS_WITH_DELETE = AsciiString.cached("OPTIONS, HEAD, GET, PUT, DELETE");

    private final HttpHeaders template;
    private volatile long dateSecond;
    private volatile AsciiString date;

    CommonHeaders(boolean deleteEnabled) {
        AsciiString methods = deleteEnabled ? ALLOW_METHODS_WITH_DELETE : ALLOW_METHODS_BASE;
        HttpHeaders h = new DefaultHttpHeaders();
        // AsciiStrings: the encoder copies their bytes instead of encoding each char per response.
        h.set(ascii("Access-Control-Allow-Origin"), ascii("*"));
        h.set(ascii("Access-Control-Allow-Methods"), methods);
        h.set(ascii("Access-Control-Allow-Headers"), ascii("Authorization, Content-Type"));
        h.set(ascii("Access-Control-Expose-Headers"), ascii("Content-Length, Content-Range, Content-Disposition, ETag, Last-Modified"));
        h.set(ascii("Access-Control-Max-Age"), ascii("7200"));
        h.set(ascii("X-Content-Type-Options"), ascii("nosniff"));
        this.template = h;
    }

    private static AsciiString ascii(String s) {
        return AsciiString.cached(s);
    }

    AsciiString allowedMethods() {
        return template.get("Access-Control-Allow-Methods").equals(ALLOW_METHODS_WITH_DELETE.toString())
                ? ALLOW_METHODS_WITH_DELETE : ALLOW_METHODS_BASE;
    }

    void addTo(HttpHeaders headers) {
        headers.add(template);
        headers.set(HttpHeaderNames.DATE, date());
    }

    /** Formatting a date per response is measurable at 50k req/s; once per second is enough. */
    private AsciiString date() {
        long now = System.currentTimeMillis() / 1000;
        AsciiString d = date;
        if (d == null || now != dateSecond) {
            d = new AsciiString(HttpDates.format(Instant.ofEpochSecond(now)));
            date = d;
            dateSecond = now;
        }
        return d;
    }
}
