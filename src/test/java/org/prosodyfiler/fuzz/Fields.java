package org.prosodyfiler.fuzz;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A fuzz input read as '\n'-separated text fields, so that seeds and crash inputs under
 * src/test/resources stay readable and can be written by hand. A field that is missing (past the
 * end) or is a lone NUL byte means "absent" (e.g. no such header), so later fields can still be set.
 */
final class Fields {
    private final List<String> fields = new ArrayList<>();

    Fields(byte[] data, Charset charset) {
        int from = 0;
        for (int i = 0; i <= data.length; i++) {
            if (i == data.length || data[i] == '\n') {
                fields.add(new String(data, from, i - from, charset));
                from = i + 1;
            }
        }
    }

    /** HTTP request lines and headers arrive one char per byte (ISO-8859-1), as Netty decodes them. */
    static Fields http(byte[] data) {
        return new Fields(data, StandardCharsets.ISO_8859_1);
    }

    Optional<String> get(int i) {
        if (i >= fields.size() || fields.get(i).equals("\0")) {
            return Optional.empty();
        }
        return Optional.of(fields.get(i));
    }

    String get(int i, String dflt) {
        return get(i).orElse(dflt);
    }

    /** The first field as a set of one-letter options. */
    boolean option(char c) {
        return get(0, "").indexOf(c) >= 0;
    }
}
