package org.prosodyfiler.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class HttpDatesTest {
    @Test
    void allThreeFormatsOfRfc9110() {
        Instant t = Instant.parse("1994-11-06T08:49:37Z");
        assertThat(HttpDates.format(t)).isEqualTo("Sun, 06 Nov 1994 08:49:37 GMT");
        assertThat(HttpDates.parse("Sun, 06 Nov 1994 08:49:37 GMT")).contains(t);
        assertThat(HttpDates.parse("Sunday, 06-Nov-94 08:49:37 GMT")).contains(t);
        assertThat(HttpDates.parse("Sun Nov  6 08:49:37 1994")).contains(t);
        assertThat(HttpDates.parse("yesterday")).isEmpty();
        assertThat(HttpDates.parse(null)).isEmpty();
    }
}
