package org.prosodyfiler.protocol;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * "Invalid MAC" is the most common support question of the Go original. When a MAC does not
 * match, try the usual mistakes and say which one it was: an extra URL prefix, a percent-encoded
 * path, a client whose PUT Content-Type differs from its slot request, the wrong dialect.
 * Runs only on failures, with a handful of HMACs.
 */
public final class MacDiagnosis {
    private MacDiagnosis() {
    }

    static String hint(MacSigner signer, Dialect d, UploadRequest req, long size, String token) {
        String path = req.path().value();
        List<String> hints = new ArrayList<>();
        // 1. The XMPP server's base URL has a path segment more (or less) than our uploadSubDir.
        List<String> segs = req.path().segments();
        if (segs.size() > 1) {
            String shorter = String.join("/", segs.subList(1, segs.size()));
            if (anyType(signer, d, shorter, size, req, token)) {
                hints.add("the XMPP server signed the path without its first segment \"" + segs.get(0)
                        + "\": uploadSubDir should probably include it, or the proxy adds a prefix");
            }
        }
        // 2. Signed over the percent-encoded path.
        String encoded = encodeLikeProsody(path);
        if (!encoded.equals(path) && anyType(signer, d, encoded, size, req, token)) {
            hints.add("the token is over the percent-encoded path: the issuer signs after URL-encoding");
        }
        // 3. v2/token: the slot was requested with another content type than the PUT sends.
        if (d != Dialect.V) {
            for (String t : List.of(MacSigner.DEFAULT_CONTENT_TYPE, "")) {
                if (signer.verify(MacSigner.message(d, path, size, t), token)) {
                    hints.add("the slot was signed for Content-Type \"" + t + "\" but the PUT sent \""
                            + req.contentType().orElse("(none)") + "\": the client must send the type it declared");
                }
            }
            if (signer.verify(MacSigner.message(Dialect.V, path, size, null), token)) {
                hints.add("the token is a v1 MAC sent as " + d.param() + "=");
            }
        }
        if (hints.isEmpty()) {
            hints.add("check that the secret matches the XMPP server's and that Content-Length equals the slot size");
        }
        return " hint: " + String.join("; ", hints);
    }

    private static boolean anyType(MacSigner signer, Dialect d, String path, long size, UploadRequest req, String token) {
        String type = req.contentType().orElse(MacSigner.DEFAULT_CONTENT_TYPE);
        return signer.verify(MacSigner.message(d, path, size, type), token);
    }

    /** Prosody's util.http.urlencode: every byte outside [A-Za-z0-9.~_-] as lowercase %xx; '/' kept. */
    public static String encodeLikeProsody(String path) {
        StringBuilder b = new StringBuilder();
        for (byte x : path.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '~' || c == '_' || c == '-' || c == '/') {
                b.append((char) c);
            } else {
                b.append('%').append(String.format("%02x", c));
            }
        }
        return b.toString();
    }
}
