package org.prosodyfiler.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.prosodyfiler.serving.Preconditions.Outcome.NOT_MODIFIED;
import static org.prosodyfiler.serving.Preconditions.Outcome.PRECONDITION_FAILED;
import static org.prosodyfiler.serving.Preconditions.Outcome.PROCEED;
import static org.prosodyfiler.serving.Preconditions.Outcome.PROCEED_IGNORE_RANGE;

import java.time.Instant;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class PreconditionsTest {
    private static final String ETAG = "\"b-6616-21\"";
    private static final Instant LM = Instant.parse("2026-11-29T08:40:23.456Z");
    private static final String LM_TEXT = "Sun, 29 Nov 2026 08:40:23 GMT";

    private static Preconditions.Outcome eval(String ifMatch, String ifNoneMatch, String ims, String ius, String ifRange, boolean range) {
        return Preconditions.evaluate(new Preconditions.Headers(ifMatch, ifNoneMatch, ims, ius, ifRange, range), ETAG, LM);
    }

    @Test
    void noConditions() {
        assertThat(eval(null, null, null, null, null, false)).isEqualTo(PROCEED);
    }

    @Test
    void ifNoneMatch() {
        assertThat(eval(null, ETAG, null, null, null, false)).isEqualTo(NOT_MODIFIED);
        assertThat(eval(null, "W/" + ETAG, null, null, null, false)).isEqualTo(NOT_MODIFIED); // weak comparison
        assertThat(eval(null, "\"other\", " + ETAG, null, null, null, false)).isEqualTo(NOT_MODIFIED);
        assertThat(eval(null, "*", null, null, null, false)).isEqualTo(NOT_MODIFIED);
        assertThat(eval(null, "\"other\"", null, null, null, false)).isEqualTo(PROCEED);
        // If-None-Match wins over If-Modified-Since
        assertThat(eval(null, "\"other\"", LM_TEXT, null, null, false)).isEqualTo(PROCEED);
    }

    @Test
    void ifModifiedSince() {
        assertThat(eval(null, null, LM_TEXT, null, null, false)).isEqualTo(NOT_MODIFIED);
        assertThat(eval(null, null, "Sun, 29 Nov 2026 08:40:22 GMT", null, null, false)).isEqualTo(PROCEED);
        assertThat(eval(null, null, "Mon, 30 Nov 2026 00:00:00 GMT", null, null, false)).isEqualTo(NOT_MODIFIED);
        assertThat(eval(null, null, "garbage", null, null, false)).isEqualTo(PROCEED);
        assertThat(eval(null, null, "Sunday, 29-Nov-26 08:40:23 GMT", null, null, false)).isEqualTo(NOT_MODIFIED);
        assertThat(eval(null, null, "Sun Nov 29 08:40:23 2026", null, null, false)).isEqualTo(NOT_MODIFIED);
    }

    @Test
    void ifMatchAndIfUnmodifiedSince() {
        assertThat(eval(ETAG, null, null, null, null, false)).isEqualTo(PROCEED);
        assertThat(eval("\"nope\"", null, null, null, null, false)).isEqualTo(PRECONDITION_FAILED);
        assertThat(eval("W/" + ETAG, null, null, null, null, false)).isEqualTo(PRECONDITION_FAILED); // strong comparison
        assertThat(eval("*", null, null, null, null, false)).isEqualTo(PROCEED);
        assertThat(eval(null, null, null, "Sun, 29 Nov 2026 08:40:22 GMT", null, false)).isEqualTo(PRECONDITION_FAILED);
        assertThat(eval(null, null, null, LM_TEXT, null, false)).isEqualTo(PROCEED);
    }

    @Test
    void ifRange() {
        assertThat(eval(null, null, null, null, ETAG, true)).isEqualTo(PROCEED);
        assertThat(eval(null, null, null, null, "\"old\"", true)).isEqualTo(PROCEED_IGNORE_RANGE);
        assertThat(eval(null, null, null, null, "W/" + ETAG, true)).isEqualTo(PROCEED_IGNORE_RANGE);
        assertThat(eval(null, null, null, null, LM_TEXT, true)).isEqualTo(PROCEED);
        assertThat(eval(null, null, null, null, "Sun, 29 Nov 2026 08:40:24 GMT", true)).isEqualTo(PROCEED_IGNORE_RANGE);
        assertThat(eval(null, null, null, null, "\"old\"", false)).isEqualTo(PROCEED); // no Range: If-Range is moot
    }

    @Property(tries = 2000)
    void neverThrows(@ForAll String a, @ForAll String b, @ForAll String c, @ForAll String d, @ForAll String e, @ForAll boolean range) {
        eval(a, b, c, d, e, range);
    }
}
