package org.prosodyfiler.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import org.prosodyfiler.protocol.PathDecoder;
import org.prosodyfiler.protocol.StorePath;

/** PathDecoder.decode on arbitrary request targets: never throws, and an Ok path is always safe. */
class PathFuzzTest {

    // Tokens the mutator splices in: syntax, names and boundary values of this format.
    @FuzzTest
    @DictionaryEntries({
            "%2e", "%2E", "%2f", "%5c", "%00", "%c0%ae", "%ed%a0%80", "%c2%85", "%e2%80%ae", "..", ".prosody-filer", "/", "%"})
    void decodedPathsAreSafe(byte[] data) {
        // The HTTP decoder hands PathDecoder the request line one char per byte.
        String raw = new String(data, StandardCharsets.ISO_8859_1);
        PathDecoder.Result r = PathDecoder.decode(raw);
        if (r instanceof PathDecoder.Bad bad) {
            assertThat(bad.refusal().reason()).isNotBlank();
            return;
        }
        StorePath p = ((PathDecoder.Ok) r).path();
        assertThat(p.segments()).isNotEmpty();
        assertThat(p.value()).isEqualTo(String.join("/", p.segments()));
        assertThat(p.firstSegment()).isNotEqualTo(PathDecoder.RESERVED);
        for (String s : p.segments()) {
            assertThat(s).isNotEmpty().isNotEqualTo(".").isNotEqualTo("..");
            assertThat(s.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(255);
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                assertThat(c).as("char %d of segment %s", (int) c, s)
                        .isNotEqualTo('/').isNotEqualTo('\\');
                assertThat(c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)).as("control char %d", (int) c).isFalse();
                assertThat(Character.isSurrogate(c) && !validSurrogatePair(s, i)).as("lone surrogate").isFalse();
            }
        }
        assertThat(p.value().getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(1024);
        // Decoding is a pure function of the input: re-encoding the result decodes to the same path.
        assertThat(PathDecoder.decode(encode(p))).isEqualTo(r);
    }

    private static boolean validSurrogatePair(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }

    /** Percent-encodes every byte outside unreserved characters, keeping '/' between segments. */
    private static String encode(StorePath p) {
        StringBuilder b = new StringBuilder();
        for (byte x : p.value().getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
                b.append((char) c);
            } else {
                b.append('%').append(String.format("%02X", c));
            }
        }
        return b.toString();
    }
}
