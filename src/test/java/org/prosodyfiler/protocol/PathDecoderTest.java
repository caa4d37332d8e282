package org.prosodyfiler.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PathDecoderTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "abc/catmetal.jpg | abc/catmetal.jpg",
        "abc/my%20cat.jpg | abc/my cat.jpg",
        "abc/tr%c3%a8s%20cool.jpg | abc/très cool.jpg",
        "abc/TR%C3%A8S.jpg | abc/TRèS.jpg",
        "abc/100%25.png | abc/100%.png",
        "abc/a%3fb%23c%2bd%26e%3df%3bg%27h.txt | abc/a?b#c+d&e=f;g'h.txt",
        "abc/a+b.jpg | abc/a+b.jpg",
        "abc/..hidden | abc/..hidden",
        "single.txt | single.txt",
    })
    void decodesLikeProsodyEncodes(String raw, String decoded) {
        PathDecoder.Result r = PathDecoder.decode(raw);
        assertThat(r).isInstanceOf(PathDecoder.Ok.class);
        assertThat(((PathDecoder.Ok) r).path().value()).isEqualTo(decoded);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", "/abs", "a//b", "a/", "../etc/passwd", "a/../b", "a/./b", "a/%2e%2e/b", "a/%2E%2E",
        "a/.", "a%2fb", "a%2Fb/c", "a%5cb", "a\\b", "a/%00b", "a/%0d%0a", "a/%7f", "a/%c2%85",
        "a/%", "a/%4", "a/%zz", "a/%c3", "a/%ff%fe", ".prosody-filer/tmp/x",
    })
    void refusesUnsafeOrMalformedPaths(String raw) {
        assertThat(PathDecoder.decode(raw)).isInstanceOf(PathDecoder.Bad.class);
    }

    @org.junit.jupiter.api.Test
    void refusesOverlongSegmentsAndPaths() {
        assertThat(PathDecoder.decode("a/" + "x".repeat(255))).isInstanceOf(PathDecoder.Ok.class);
        assertThat(PathDecoder.decode("a/" + "x".repeat(256))).isInstanceOf(PathDecoder.Bad.class);
        assertThat(PathDecoder.decode(("y".repeat(200) + "/").repeat(6) + "z")).isInstanceOf(PathDecoder.Bad.class);
    }

    @org.junit.jupiter.api.Test
    void rawUtf8BytesOnTheWireAreAccepted() {
        // The HTTP decoder gives one char per byte; a client that skips encoding sends raw UTF-8.
        String latin1 = new String("a/été.jpg".getBytes(java.nio.charset.StandardCharsets.UTF_8), java.nio.charset.StandardCharsets.ISO_8859_1);
        assertThat(((PathDecoder.Ok) PathDecoder.decode(latin1)).path().value()).isEqualTo("a/été.jpg");
    }

    /** Whatever name a user picks, Prosody's encoding of it decodes back to exactly that name. */
    @Property(tries = 500)
    void prosodyEncodingRoundTrips(@ForAll @StringLength(min = 1, max = 60) String name) {
        net.jqwik.api.Assume.that(!name.contains("/") && !name.equals(".") && !name.equals("..")
                && name.chars().noneMatch(c -> c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\\')
                && name.codePoints().noneMatch(c -> Character.isSurrogate((char) c))
                && name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= 255
                && isWellFormed(name));
        String raw = MacDiagnosis.encodeLikeProsody("4a771ac1-f0b2-4a4a-9700-f2a26fa2bb67/" + name);
        PathDecoder.Result r = PathDecoder.decode(raw);
        assertThat(r).isInstanceOf(PathDecoder.Ok.class);
        assertThat(((PathDecoder.Ok) r).path().fileName()).isEqualTo(name);
    }

    /** No input, however hostile, yields a path with a dot segment, a slash inside a segment, or a control character. */
    @Property(tries = 2000)
    void neverYieldsAnEscapingPath(@ForAll @StringLength(max = 80) String raw) {
        if (PathDecoder.decode(raw) instanceof PathDecoder.Ok ok) {
            for (String s : ok.path().segments()) {
                assertThat(s).isNotEmpty().isNotEqualTo(".").isNotEqualTo("..").doesNotContain("/").doesNotContain("\\");
                assertThat(s.chars().noneMatch(c -> c < 0x20 || c == 0x7f)).isTrue();
            }
            assertThat(ok.path().firstSegment()).isNotEqualTo(PathDecoder.RESERVED);
        }
    }

    private static boolean isWellFormed(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isSurrogate(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }
}
