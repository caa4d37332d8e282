package org.prosodyfiler.serving;

import java.util.Locale;

/**
 * The Range header of a GET, per RFC 9110 §14: what part of a representation of {@code length}
 * bytes to send. Anything we cannot or need not honour (absent, malformed, another unit, several
 * ranges) is answered with the whole file, which RFC 9110 allows ("a server MAY ignore the Range
 * header field"); only a syntactically valid single range that misses the file is a 416.
 */
public sealed interface RangeRequest {

    /** Send the whole file with 200. */
    record Whole() implements RangeRequest {
    }

    /** Send bytes [first, last] with 206 and Content-Range. */
    record Part(long first, long last, long length) implements RangeRequest {
        public long count() {
            return last - first + 1;
        }

        public String contentRange() {
            return "bytes " + first + "-" + last + "/" + length;
        }
    }

    /** 416 with Content-Range: bytes * /length. */
    record Unsatisfiable(long length) implements RangeRequest {
        public String contentRange() {
            return "bytes */" + length;
        }
    }

    RangeRequest WHOLE = new Whole();

    static RangeRequest parse(String header, long length) {
        if (header == null) {
            return WHOLE;
        }
        String h = header.trim();
        int eq = h.indexOf('=');
        if (eq < 0 || !h.substring(0, eq).trim().toLowerCase(Locale.ROOT).equals("bytes")) {
            return WHOLE;
        }
        String spec = h.substring(eq + 1).trim();
        if (spec.indexOf(',') >= 0) {
            return multiple(spec, length);
        }
        return single(spec, length);
    }

    /** Several ranges: valid syntax is served whole (allowed); if none could be satisfied, 416. */
    private static RangeRequest multiple(String spec, long length) {
        boolean anySatisfiable = false;
        for (String part : spec.split(",", -1)) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue; // RFC 9110 list syntax tolerates empty elements
            }
            RangeRequest r = single(p, length);
            if (r instanceof Whole) {
                return WHOLE; // malformed element: ignore the header
            }
            anySatisfiable |= r instanceof Part;
        }
        return anySatisfiable ? WHOLE : new Unsatisfiable(length);
    }

    private static RangeRequest single(String spec, long length) {
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return WHOLE;
        }
        String a = spec.substring(0, dash);
        String b = spec.substring(dash + 1);
        if (a.isEmpty()) {
            // suffix-range: the last N bytes
            long n = digits(b);
            if (n < 0) {
                return WHOLE;
            }
            if (n == 0 || length == 0) {
                return new Unsatisfiable(length);
            }
            long first = Math.max(0, length - n);
            return new Part(first, length - 1, length);
        }
        long first = digits(a);
        if (first < 0) {
            return WHOLE;
        }
        long last;
        if (b.isEmpty()) {
            last = Long.MAX_VALUE;
        } else {
            last = digits(b);
            if (last < 0 || last < first) {
                return WHOLE; // invalid range-spec: ignore
            }
        }
        if (first >= length) {
            return new Unsatisfiable(length);
        }
        return new Part(first, Math.min(last, length - 1), length);
    }

    /** Non-negative decimal, saturating at Long.MAX_VALUE; -1 if not all digits or empty. */
    private static long digits(String s) {
        if (s.isEmpty()) {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            if (v > (Long.MAX_VALUE - 9) / 10) {
                v = Long.MAX_VALUE;
            } else {
                v = v * 10 + (c - '0');
            }
        }
        return v;
    }
}
