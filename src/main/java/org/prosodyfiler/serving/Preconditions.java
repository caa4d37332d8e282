package org.prosodyfiler.serving;

import java.time.Instant;
import java.util.Optional;

/**
 * Conditional requests for GET/HEAD (RFC 9110 §13.2.2), evaluated in the RFC's order against a
 * strong ETag and a Last-Modified time. Pure: headers in, decision out.
 */
public final class Preconditions {

    public enum Outcome {
        /** Proceed; a Range header may be honoured. */
        PROCEED,
        /** Proceed, but send the whole file: If-Range did not match. */
        PROCEED_IGNORE_RANGE,
        NOT_MODIFIED,
        PRECONDITION_FAILED
    }

    /** The conditional headers of a request (null = absent). */
    public record Headers(String ifMatch, String ifNoneMatch, String ifModifiedSince,
                          String ifUnmodifiedSince, String ifRange, boolean hasRange) {
    }

    private Preconditions() {
    }

    public static Outcome evaluate(Headers h, String etag, Instant lastModified) {
        Instant lm = lastModified.truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        if (h.ifMatch() != null) {
            if (!matches(h.ifMatch(), etag, true)) {
                return Outcome.PRECONDITION_FAILED;
            }
        } else if (h.ifUnmodifiedSince() != null) {
            Optional<Instant> d = HttpDates.parse(h.ifUnmodifiedSince());
            if (d.isPresent() && lm.isAfter(d.get())) {
                return Outcome.PRECONDITION_FAILED;
            }
        }
        if (h.ifNoneMatch() != null) {
            if (matches(h.ifNoneMatch(), etag, false)) {
                return Outcome.NOT_MODIFIED; // GET/HEAD only reach here
            }
        } else if (h.ifModifiedSince() != null) {
            Optional<Instant> d = HttpDates.parse(h.ifModifiedSince());
            if (d.isPresent() && !lm.isAfter(d.get())) {
                return Outcome.NOT_MODIFIED;
            }
        }
        if (h.hasRange() && h.ifRange() != null && !ifRangeHolds(h.ifRange().trim(), etag, lm)) {
            return Outcome.PROCEED_IGNORE_RANGE;
        }
        return Outcome.PROCEED;
    }

    /** If-Range: an entity-tag must match strongly; a date must equal Last-Modified exactly. */
    private static boolean ifRangeHolds(String v, String etag, Instant lm) {
        if (v.startsWith("\"") || v.startsWith("W/")) {
            return !v.startsWith("W/") && v.equals(etag);
        }
        return HttpDates.parse(v).map(lm::equals).orElse(false);
    }

    /** Entity-tag list match; weak comparison ignores W/ (If-None-Match), strong does not (If-Match). */
    static boolean matches(String list, String etag, boolean strong) {
        String l = list.trim();
        if (l.equals("*")) {
            return true;
        }
        for (String tag : splitTags(l)) {
            boolean weak = tag.startsWith("W/");
            String opaque = weak ? tag.substring(2) : tag;
            if (strong && weak) {
                continue;
            }
            if (opaque.equals(etag)) {
                return true;
            }
        }
        return false;
    }

    /** Splits on commas outside quotes (an opaque tag may contain commas). */
    private static java.util.List<String> splitTags(String l) {
        java.util.List<String> out = new java.util.ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < l.length(); i++) {
            char c = l.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            }
            if (c == ',' && !quoted) {
                out.add(cur.toString().trim());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString().trim());
        return out;
    }
}
