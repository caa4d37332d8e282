package org.prosodyfiler.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.prosodyfiler.serving.HttpDates;
import org.prosodyfiler.serving.Preconditions;
import org.prosodyfiler.serving.Preconditions.Outcome;
import org.prosodyfiler.serving.RangeRequest;

/**
 * The header parsing of downloads: RangeRequest.parse, Preconditions.evaluate and
 * HttpDates.parse on arbitrary header values. Checked: nothing throws; a Part always lies in
 * [0, length) and is what a plain "bytes=N-M" asked for; outcomes follow RFC 9110 §13.2.2
 * (only the headers that can cause an outcome cause it; "*" and an exact entity-tag match);
 * every date we send parses back to itself.
 *
 * <p>Input fields: 0 file length, 1 Range, 2 If-Match, 3 If-None-Match, 4 If-Modified-Since,
 * 5 If-Unmodified-Since, 6 If-Range, 7 ETag, 8 Last-Modified (epoch seconds), 9 any date text.
 */
class ConditionalGetFuzzTest {
    private static final Pattern PLAIN_RANGE = Pattern.compile("\\s*bytes\\s*=\\s*([0-9]{1,17})-([0-9]{1,17})\\s*", Pattern.CASE_INSENSITIVE);
    /** 9999-12-31T23:59:59Z: IMF-fixdate has four-digit years. */
    private static final long MAX_DATE = 253_402_300_799L;

    // Tokens the mutator splices in: syntax, names and boundary values of this format.
    @FuzzTest
    @DictionaryEntries({
            "bytes=", "bytes", "-", ",", "W/", "\"", "*", " GMT", "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994", "Feb", "29", "9223372036854775807"})
    void headersNeverBreakDownloads(byte[] data) {
        Fields f = Fields.http(data);
        long length = number(f.get(0, "1000"), 1000);
        Optional<String> range = f.get(1);
        checkRange(range.orElse(null), length);

        // Our ETags are always strong, quoted opaque tags (FileStore.etag).
        String etag = "\"" + f.get(7, "3e8-5f1a2b3c4d5e6-1a2b").replace("\"", "") + "\"";
        Instant lastModified = Instant.ofEpochSecond(number(f.get(8, "1700000000"), 0) % (MAX_DATE + 1));
        Preconditions.Headers h = new Preconditions.Headers(f.get(2).orElse(null), f.get(3).orElse(null),
                f.get(4).orElse(null), f.get(5).orElse(null), f.get(6).orElse(null), range.isPresent());
        checkPreconditions(h, etag, lastModified);

        Instant sec = lastModified.truncatedTo(ChronoUnit.SECONDS);
        assertThat(HttpDates.parse(HttpDates.format(sec))).contains(sec);
        f.get(9).ifPresent(HttpDates::parse);
        HttpDates.parse(null);
    }

    private static void checkRange(String header, long length) {
        RangeRequest r = RangeRequest.parse(header, length);
        switch (r) {
            case RangeRequest.Part p -> {
                assertThat(p.first()).isBetween(0L, p.last());
                assertThat(p.last()).isLessThan(length);
                assertThat(p.length()).isEqualTo(length);
                assertThat(p.count()).isPositive();
                assertThat(p.contentRange()).isEqualTo("bytes " + p.first() + "-" + p.last() + "/" + length);
            }
            case RangeRequest.Unsatisfiable u -> {
                assertThat(header).isNotNull();
                assertThat(u.length()).isEqualTo(length);
                assertThat(u.contentRange()).isEqualTo("bytes */" + length);
            }
            case RangeRequest.Whole w -> assertThat(w).isNotNull();
        }
        if (header == null) {
            assertThat(r).isInstanceOf(RangeRequest.Whole.class);
            return;
        }
        Matcher m = PLAIN_RANGE.matcher(header);
        if (m.matches()) {
            long first = Long.parseLong(m.group(1));
            long last = Long.parseLong(m.group(2));
            if (first <= last && first < length) {
                assertThat(r).isEqualTo(new RangeRequest.Part(first, Math.min(last, length - 1), length));
            } else if (first <= last) {
                assertThat(r).isInstanceOf(RangeRequest.Unsatisfiable.class);
            }
        }
    }

    private static void checkPreconditions(Preconditions.Headers h, String etag, Instant lastModified) {
        Outcome o = Preconditions.evaluate(h, etag, lastModified);
        assertThat(o).isNotNull();
        switch (o) {
            case PRECONDITION_FAILED -> assertThat(h.ifMatch() != null || h.ifUnmodifiedSince() != null).isTrue();
            case NOT_MODIFIED -> assertThat(h.ifNoneMatch() != null || h.ifModifiedSince() != null).isTrue();
            case PROCEED_IGNORE_RANGE -> assertThat(h.hasRange() && h.ifRange() != null).isTrue();
            case PROCEED -> {
                // nothing more to say
            }
        }
        if (h.ifMatch() != null && (h.ifMatch().trim().equals("*") || h.ifMatch().trim().equals(etag))) {
            assertThat(o).as("If-Match %s matches %s", h.ifMatch(), etag).isNotEqualTo(Outcome.PRECONDITION_FAILED);
        }
        if (o != Outcome.PRECONDITION_FAILED && h.ifNoneMatch() != null) {
            String inm = h.ifNoneMatch().trim();
            if (inm.equals("*") || inm.equals(etag) || inm.equals("W/" + etag)) {
                assertThat(o).as("If-None-Match %s matches %s", inm, etag).isEqualTo(Outcome.NOT_MODIFIED);
            }
        }
    }

    /** Leading decimal digits of a field (at most 18), or the default. */
    private static long number(String s, long dflt) {
        String t = s.trim();
        int n = 0;
        while (n < t.length() && n < 18 && t.charAt(n) >= '0' && t.charAt(n) <= '9') {
            n++;
        }
        return n == 0 ? dflt : Long.parseLong(t.substring(0, n));
    }
}
