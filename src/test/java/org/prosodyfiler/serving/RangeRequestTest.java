package org.prosodyfiler.serving;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RangeRequestTest {

    @ParameterizedTest(name = "{0} of {1} -> {2}")
    @CsvSource(delimiter = '|', nullValues = "null", value = {
        // header | length | expected
        "null | 100 | whole",
        "bytes=0-9 | 100 | 0-9",
        "bytes=10- | 100 | 10-99",
        "bytes=-10 | 100 | 90-99",
        "bytes=-1000 | 100 | 0-99",
        "bytes=0-1000 | 100 | 0-99",
        "bytes=99-99 | 100 | 99-99",
        "BYTES=0-0 | 100 | 0-0",
        " bytes = 5-6 | 100 | 5-6",
        "bytes=100- | 100 | 416",
        "bytes=100-200 | 100 | 416",
        "bytes=-0 | 100 | 416",
        "bytes=0- | 0 | 416",
        "bytes=-5 | 0 | 416",
        "bytes=9-5 | 100 | whole",
        "bytes=a-b | 100 | whole",
        "bytes=5 | 100 | whole",
        "bytes= | 100 | whole",
        "items=0-5 | 100 | whole",
        "bytes=0-1,5-6 | 100 | whole",
        "bytes=200-300,400-500 | 100 | 416",
        "bytes=0-1,x | 100 | whole",
        "bytes=0-99999999999999999999999 | 100 | 0-99",
        "bytes=99999999999999999999999- | 100 | 416",
        "bytes=--5 | 100 | whole",
        "bytes=+1-2 | 100 | whole",
    })
    void parse(String header, long length, String expected) {
        RangeRequest r = RangeRequest.parse(header, length);
        String actual = r instanceof RangeRequest.Part p ? p.first() + "-" + p.last()
                : r instanceof RangeRequest.Unsatisfiable ? "416" : "whole";
        assertThat(actual).isEqualTo(expected);
    }

    @org.junit.jupiter.api.Test
    void headerValues() {
        RangeRequest.Part p = (RangeRequest.Part) RangeRequest.parse("bytes=10-19", 100);
        assertThat(p.contentRange()).isEqualTo("bytes 10-19/100");
        assertThat(p.count()).isEqualTo(10);
        assertThat(((RangeRequest.Unsatisfiable) RangeRequest.parse("bytes=100-", 100)).contentRange()).isEqualTo("bytes */100");
    }

    /** Every satisfiable single range lies inside the file and is what was asked for, clipped. */
    @Property(tries = 2000)
    void partsAreAlwaysInsideTheFile(@ForAll @LongRange(min = 0, max = 1_000) long first,
                                     @ForAll @LongRange(min = 0, max = 1_000) long last,
                                     @ForAll @LongRange(min = 0, max = 500) long length) {
        RangeRequest r = RangeRequest.parse("bytes=" + first + "-" + last, length);
        if (r instanceof RangeRequest.Part p) {
            assertThat(p.first()).isEqualTo(first);
            assertThat(p.last()).isEqualTo(Math.min(last, length - 1));
            assertThat(p.count()).isBetween(1L, length);
        } else if (r instanceof RangeRequest.Unsatisfiable) {
            assertThat(first).isGreaterThanOrEqualTo(length);
            assertThat(last).isGreaterThanOrEqualTo(first);
        } else {
            assertThat(last).isLessThan(first);
        }
    }

    @Property(tries = 1000)
    void suffixRangesEndAtTheLastByte(@ForAll @LongRange(min = 1, max = 1_000) long n,
                                      @ForAll @LongRange(min = 1, max = 500) long length) {
        RangeRequest.Part p = (RangeRequest.Part) RangeRequest.parse("bytes=-" + n, length);
        assertThat(p.last()).isEqualTo(length - 1);
        assertThat(p.count()).isEqualTo(Math.min(n, length));
    }

    /** Garbage never throws. */
    @Property(tries = 3000)
    void neverThrows(@ForAll String header, @ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long length) {
        RangeRequest.parse(header, length);
        RangeRequest.parse("bytes=" + header, length);
    }
}
