package org.prosodyfiler.storage.s3;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.prosodyfiler.storage.FileMeta;

/**
 * {@link FileMeta} plus the upload time as S3 user metadata ({@code x-amz-meta-pf-*}), one
 * readable key each so that an admin sees them in any S3 console. S3 carries metadata in HTTP
 * headers, which are only safe as printable ASCII: anything else (and "%") is percent-encoded
 * as UTF-8, so a Content-Type or owner round-trips exactly.
 */
final class S3Metadata {
    static final String TYPE = "pf-type";
    static final String EXPIRES = "pf-expires";
    static final String OWNER = "pf-owner";
    static final String UPLOADED = "pf-uploaded";
    /** A random id per upload: tells our own retried write apart from someone else's object. */
    static final String UPLOAD_ID = "pf-upload";

    private S3Metadata() {
    }

    /** What an upload stores; {@code uploaded} in epoch milliseconds. */
    static Map<String, String> encode(FileMeta meta, Instant uploaded, String uploadId) {
        Map<String, String> m = new LinkedHashMap<>();
        meta.contentType().ifPresent(t -> m.put(TYPE, escape(t)));
        meta.expires().ifPresent(e -> m.put(EXPIRES, Long.toString(e.getEpochSecond())));
        meta.owner().ifPresent(o -> m.put(OWNER, escape(o)));
        m.put(UPLOADED, Long.toString(uploaded.toEpochMilli()));
        m.put(UPLOAD_ID, uploadId);
        return m;
    }

    /** Tolerant like {@link FileMeta#decode}: a damaged value is dropped, never an error. */
    static FileMeta decode(Map<String, String> s3) {
        Map<String, String> m = lower(s3);
        Optional<String> type = Optional.ofNullable(m.get(TYPE)).flatMap(S3Metadata::unescape);
        Optional<Instant> expires = Optional.ofNullable(m.get(EXPIRES)).flatMap(v -> parseLong(v).map(Instant::ofEpochSecond));
        Optional<String> owner = Optional.ofNullable(m.get(OWNER)).flatMap(S3Metadata::unescape);
        return new FileMeta(type, expires, owner);
    }

    static Optional<String> uploadId(Map<String, String> s3) {
        return Optional.ofNullable(lower(s3).get(UPLOAD_ID));
    }

    static Optional<Instant> uploaded(Map<String, String> s3) {
        return Optional.ofNullable(lower(s3).get(UPLOADED)).flatMap(S3Metadata::parseLong).map(Instant::ofEpochMilli);
    }

    /** The object's own Content-Type: the uploader's when it is plain ASCII, else a neutral one. */
    static String objectContentType(FileMeta meta) {
        return meta.contentType().filter(S3Metadata::plainAscii).orElse("application/octet-stream");
    }

    static boolean plainAscii(String s) {
        return !s.isEmpty() && s.chars().allMatch(c -> c >= 0x20 && c < 0x7f);
    }

    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if (c == '%' || c < 0x20 || c >= 0x7f) {
                b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            } else {
                b.append((char) c);
            }
        }
        return b.toString();
    }

    static Optional<String> unescape(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length()) {
                    return Optional.empty();
                }
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return Optional.empty();
                }
                out.write(hi << 4 | lo);
                i += 2;
            } else if (c < 0x80) {
                out.write(c);
            } else {
                return Optional.empty();
            }
        }
        return Optional.of(out.toString(StandardCharsets.UTF_8));
    }

    private static Optional<Long> parseLong(String v) {
        try {
            return Optional.of(Long.parseLong(v.trim()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Servers differ in the case of metadata names they return. */
    private static Map<String, String> lower(Map<String, String> m) {
        Map<String, String> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k.toLowerCase(Locale.ROOT), v));
        return out;
    }
}
