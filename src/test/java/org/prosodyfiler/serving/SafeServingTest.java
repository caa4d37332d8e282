package org.prosodyfiler.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SafeServingTest {

    @ParameterizedTest(name = "{0} / {1}")
    @CsvSource(delimiter = '|', nullValues = "null", value = {
        // recorded type | file name | served type | inline
        "image/jpeg | a.jpg | image/jpeg | true",
        "image/png | a.bin | image/png | true",
        "video/mp4 | a.mp4 | video/mp4 | true",
        "audio/ogg; codecs=opus | a.ogg | audio/ogg; codecs=opus | true",
        "text/plain | a.txt | text/plain | true",
        "TEXT/PLAIN | a.txt | TEXT/PLAIN | true",
        "image/svg+xml | a.svg | image/svg+xml | false",
        "text/html | a.html | text/html | false",
        "application/xhtml+xml | a.xhtml | application/xhtml+xml | false",
        "text/plain; charset=utf-8 | a.html | text/plain; charset=utf-8 | true",
        "application/pdf | a.pdf | application/pdf | false",
        "application/octet-stream | a.jpg | application/octet-stream | false",
        "null | a.jpg | image/jpeg | true",
        "null | a.svg | image/svg+xml | false",
        "null | a.HTML | text/html | false",
        "null | noext | application/octet-stream | false",
        "not a type | a.png | image/png | true",
        "text/<html> | a.bin | application/octet-stream | false",
        "'' | a.txt | text/plain | true",
        "'text/plain; charset=\"utf-8\"' | a.bin | text/plain; charset=\"utf-8\" | true",
        "'text/plain;\tq=1' | a.bin | text/plain;\tq=1 | true",
    })
    void presentation(String recorded, String name, String type, boolean inline) {
        SafeServing.Presentation p = SafeServing.present(Optional.ofNullable(recorded), name);
        assertThat(p.contentType()).isEqualTo(type);
        assertThat(p.inline()).isEqualTo(inline);
        assertThat(p.contentDisposition()).startsWith(inline ? "inline;" : "attachment;");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "cat.jpg | filename=\"cat.jpg\"; filename*=UTF-8''cat.jpg",
        "très cool.jpg | filename=\"tr_s cool.jpg\"; filename*=UTF-8''tr%C3%A8s%20cool.jpg",
        "a\"b;c.txt | filename=\"a_b;c.txt\"; filename*=UTF-8''a%22b%3Bc.txt",
        "100%.png | filename=\"100_.png\"; filename*=UTF-8''100%25.png",
    })
    void rfc6266FileNames(String name, String params) {
        assertThat(SafeServing.filenameParams(name)).isEqualTo(params);
    }

    /** A recorded type goes into a response header unchecked by Netty: line breaks must never pass. */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {
        "text/plain;\r\nSet-Cookie: a=b", "text/plain;\nx=y", "text/plain; a=\"\r\nx\"", "text/plain; a=\"\u00e9\"",
        "text/plain; a=\"\u2028\"", "text/pl\u0000ain", "image/png;\u000bx=y"})
    void recordedTypesWithControlOrNonAsciiCharactersAreNotUsed(String recorded) {
        assertThat(SafeServing.present(Optional.of(recorded), "a.bin").contentType()).isEqualTo("application/octet-stream");
    }

    @org.junit.jupiter.api.Test
    void cspForbidsScriptsAndFraming() {
        assertThat(SafeServing.CSP).contains("default-src 'none'").contains("sandbox").contains("frame-ancestors 'none'")
                .doesNotContain("script-src");
    }
}
