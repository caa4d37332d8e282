package org.prosodyfiler.protocol;

import java.util.List;

/**
 * A validated, percent-decoded path relative to the upload prefix, e.g. "4a77.../très cool.jpg".
 * Only {@link PathDecoder} makes these, so holding one means: no empty, "." or ".." segment, no
 * control character, no backslash, nothing that could leave the store. This string is also what
 * the XMPP server HMACed.
 */
public record StorePath(String value, List<String> segments) {

    public StorePath {
        segments = List.copyOf(segments);
    }

    public String fileName() {
        return segments.get(segments.size() - 1);
    }

    public String firstSegment() {
        return segments.get(0);
    }

    @Override
    public String toString() {
        return value;
    }
}
