package org.prosodyfiler.serving;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Decides how a download is presented so that the upload domain never becomes an XSS or
 * phishing host: which Content-Type to send, and whether the browser may show the file inline.
 * Only inert media is inline (images other than SVG, audio, video, plain text, as Prosody's README
 * asks); everything else is an attachment. The CSP sandbox in {@link #CSP} stops script even if a
 * browser renders an attachment anyway.
 */
public final class SafeServing {
    /** No scripts, no plugins, no framing; sandbox gives the document a unique opaque origin. */
    public static final String CSP = "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'; sandbox";

    // type/subtype with optional parameters (RFC 9110 §8.3.1): tokens, OWS of spaces and tabs only,
    // quoted values of visible ASCII. Nothing else reaches a header (downloads skip Netty's checks).
    private static final Pattern MEDIA_TYPE = Pattern.compile(
            "[A-Za-z0-9!#$&^_.+-]{1,64}/[A-Za-z0-9!#$&^_.+-]{1,127}([ \\t]*;[ \\t]*[A-Za-z0-9!#$&^_.+-]+=(\"[\\t !#-\\[\\]-~]*\"|[A-Za-z0-9!#$&^_.+-]+))*");

    private SafeServing() {
    }

    /** The presentation of one download. */
    public record Presentation(String contentType, boolean inline, String contentDisposition) {
    }

    public static Presentation present(Optional<String> recordedType, String fileName) {
        String type = recordedType.map(String::trim).filter(t -> MEDIA_TYPE.matcher(t).matches())
                .orElseGet(() -> MimeTypes.forFileName(fileName));
        boolean inline = isInert(type);
        String disposition = (inline ? "inline" : "attachment") + "; " + filenameParams(fileName);
        return new Presentation(type, inline, disposition);
    }

    /** image/* except SVG, audio/*, video/*, and text/plain: formats browsers never run script in. */
    static boolean isInert(String type) {
        String essence = type.toLowerCase(Locale.ROOT);
        int semi = essence.indexOf(';');
        if (semi >= 0) {
            essence = essence.substring(0, semi);
        }
        essence = essence.trim();
        if (essence.startsWith("image/")) {
            return !essence.contains("svg") && !essence.contains("xml");
        }
        return essence.startsWith("audio/") || essence.startsWith("video/") || essence.equals("text/plain");
    }

    /** RFC 6266: an ASCII fallback filename="..." and the exact UTF-8 name as filename*. */
    static String filenameParams(String name) {
        StringBuilder ascii = new StringBuilder();
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            ascii.append(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '%' ? c : '_');
        }
        StringBuilder ext = new StringBuilder("UTF-8''");
        for (byte x : name.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$&+-.^_`|~".indexOf(c) >= 0) {
                ext.append((char) c);
            } else {
                ext.append('%').append(String.format("%02X", c));
            }
        }
        return "filename=\"" + ascii + "\"; filename*=" + ext;
    }
}
