package org.prosodyfiler.storage.s3;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import org.prosodyfiler.protocol.PathDecoder;
import org.prosodyfiler.protocol.StorePath;

/**
 * How store paths map to object keys: {@code <prefix><path>}, the path exactly as the XMPP server
 * signed it, so a bucket listing reads like the Go original's directory tree. Our own objects
 * (readiness probes) live under {@code <prefix>.prosody-filer/}, a first segment that
 * {@link PathDecoder} never accepts for an upload.
 */
final class S3Keys {
    private final String prefix;

    S3Keys(String configuredPrefix) {
        this.prefix = normalizePrefix(configuredPrefix);
    }

    /** "" stays "" (the whole bucket); "files" and "/files/" become "files/". */
    static String normalizePrefix(String p) {
        String t = p.trim();
        while (t.startsWith("/")) {
            t = t.substring(1);
        }
        while (t.endsWith("/")) {
            t = t.substring(0, t.length() - 1);
        }
        return t.isEmpty() ? "" : t + "/";
    }

    String prefix() {
        return prefix;
    }

    String key(StorePath path) {
        return prefix + path.value();
    }

    /** Where our own short-lived objects go. */
    String internalPrefix() {
        return prefix + PathDecoder.RESERVED + "/";
    }

    /**
     * The upload path of a listed key, or empty for keys that no upload could have made (our own
     * objects, "a//b", control characters, ...): those are left alone, never served or expired.
     */
    Optional<StorePath> path(String key) {
        if (!key.startsWith(prefix) || key.length() == prefix.length()) {
            return Optional.empty();
        }
        String rel = key.substring(prefix.length());
        if (PathDecoder.decode(encode(rel)) instanceof PathDecoder.Ok ok && ok.path().value().equals(rel)) {
            return Optional.of(ok.path());
        }
        return Optional.empty();
    }

    /** Percent-encodes what PathDecoder would otherwise read as syntax or reject as raw bytes. */
    private static String encode(String rel) {
        StringBuilder b = new StringBuilder(rel.length() + 16);
        for (byte x : rel.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if (c == '/') {
                b.append('/');
            } else if (c == '%' || c < 0x21 || c >= 0x7f) {
                b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            } else {
                b.append((char) c);
            }
        }
        return b.toString();
    }

    /**
     * Our strong validator from the S3 ETag. Objects are never overwritten (conditional writes),
     * so the S3 ETag identifies the bytes; it is already a quoted string and is used verbatim
     * when it is a valid entity-tag, which lets {@link #s3ETag} give it back for If-Match. An
     * ETag with characters an entity-tag cannot carry is hashed instead.
     */
    static String etag(String s3ETag) {
        String inner = unquote(s3ETag == null ? "" : s3ETag);
        if (!inner.isEmpty() && !inner.startsWith(HASHED) && inner.chars().allMatch(c -> c == 0x21 || (c >= 0x23 && c <= 0x7e))) {
            return "\"" + inner + "\"";
        }
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(inner.getBytes(StandardCharsets.UTF_8));
            return "\"" + HASHED + HexFormat.of().formatHex(h, 0, 16) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The S3 ETag behind one of our ETags, when it was used verbatim. */
    static Optional<String> s3ETag(String etag) {
        String inner = unquote(etag);
        return inner.startsWith(HASHED) || inner.isEmpty() ? Optional.empty() : Optional.of("\"" + inner + "\"");
    }

    private static final String HASHED = "pf-";

    private static String unquote(String s) {
        String t = s.trim();
        if (t.startsWith("W/")) {
            t = t.substring(2);
        }
        if (t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"")) {
            return t.substring(1, t.length() - 1);
        }
        return t;
    }
}
