package org.prosodyfiler.protocol;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Turns the raw request target into a {@link StorePath}, or says why it is refused.
 *
 * <p>Each segment is percent-decoded on its own (so "%2F" can never create a new segment) as
 * strict UTF-8; "+" stays a plus, never a space (java.net.URLDecoder would get this wrong).
 * These rules run before and independently of the MAC check: a path that is unsafe is refused
 * even when an XMPP server signed it.
 */
public final class PathDecoder {
    /** Reserved first segment: our temp files and metadata live there, never uploads. */
    public static final String RESERVED = ".prosody-filer";
    static final int MAX_SEGMENT_BYTES = 255;
    static final int MAX_PATH_BYTES = 1024;

    private PathDecoder() {
    }

    /** Why a path was refused; reason is safe to show to the client. */
    public record Refusal(String reason) {
    }

    public sealed interface Result {
    }

    public record Ok(StorePath path) implements Result {
    }

    public record Bad(Refusal refusal) implements Result {
    }

    /** The raw path after the prefix, without query: e.g. "abc/tr%c3%a8s%20cool.jpg". */
    public static Result decode(String rawRelative) {
        if (rawRelative.isEmpty()) {
            return bad("empty path");
        }
        if (rawRelative.startsWith("/")) {
            return bad("absolute or doubled slash in path");
        }
        if (rawRelative.length() > MAX_PATH_BYTES * 3) {
            return bad("path too long");
        }
        List<String> segments = new ArrayList<>();
        int totalBytes = 0;
        for (String raw : rawRelative.split("/", -1)) {
            Optional<byte[]> bytes = percentDecode(raw);
            if (bytes.isEmpty()) {
                return bad("malformed percent-encoding in path");
            }
            byte[] b = bytes.get();
            totalBytes += b.length + 1;
            Optional<String> seg = strictUtf8(b);
            if (seg.isEmpty()) {
                return bad("path is not valid UTF-8");
            }
            String s = seg.get();
            String why = segmentProblem(s, b.length);
            if (why != null) {
                return bad(why);
            }
            segments.add(s);
        }
        if (totalBytes - 1 > MAX_PATH_BYTES) {
            return bad("path too long");
        }
        if (segments.get(0).equals(RESERVED)) {
            return bad("reserved path");
        }
        return new Ok(new StorePath(String.join("/", segments), segments));
    }

    private static String segmentProblem(String s, int byteLength) {
        if (s.isEmpty()) {
            return "empty path segment";
        }
        if (s.equals(".") || s.equals("..")) {
            return "dot segment in path";
        }
        if (byteLength > MAX_SEGMENT_BYTES) {
            return "path segment longer than 255 bytes";
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '/') {
                return "encoded slash in path";
            }
            if (c == '\\') {
                return "backslash in path";
            }
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
                return "control character in path";
            }
        }
        return null;
    }

    private static Optional<byte[]> percentDecode(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        // The HTTP decoder hands us the request line one char per byte (ISO-8859-1), so this
        // recovers the bytes on the wire, including raw UTF-8 from clients that skip encoding.
        byte[] in = s.getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < in.length; i++) {
            byte c = in[i];
            if (c == '%') {
                if (i + 2 >= in.length) {
                    return Optional.empty();
                }
                int hi = Character.digit(in[i + 1], 16);
                int lo = Character.digit(in[i + 2], 16);
                if (hi < 0 || lo < 0) {
                    return Optional.empty();
                }
                out.write(hi << 4 | lo);
                i += 2;
            } else {
                out.write(c);
            }
        }
        return Optional.of(out.toByteArray());
    }

    private static Optional<String> strictUtf8(byte[] b) {
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b)).toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }

    private static Result bad(String reason) {
        return new Bad(new Refusal(reason));
    }
}
