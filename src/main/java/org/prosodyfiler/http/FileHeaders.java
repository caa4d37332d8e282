package org.prosodyfiler.http;

import io.netty.util.AsciiString;
import java.util.concurrent.ConcurrentHashMap;
import org.prosodyfiler.serving.HttpDates;
import org.prosodyfiler.serving.SafeServing;
import org.prosodyfiler.storage.StoredFile;

/**
 * The response headers of a download that depend only on the file, computed once per version of
 * a file: deciding the presentation (a media-type check, an RFC 6266 file name) and formatting
 * Last-Modified cost more than the rest of a small download's Java work (profiled in bench/
 * get-small). Keyed by path and ETag, so a file uploaded again under the same name gets new ones.
 */
final class FileHeaders {
    /** Values ready to write; AsciiStrings are copied into the response without re-encoding. */
    record Values(SafeServing.Presentation presentation, AsciiString contentType, AsciiString contentDisposition,
                  AsciiString etag, AsciiString lastModified) {
    }

    private record Key(String path, String etag) {
    }

    /** Enough for every file a small server serves in a burst; past it we start over. */
    private static final int CAPACITY = 4096;

    private final ConcurrentHashMap<Key, Values> values = new ConcurrentHashMap<>();

    Values of(StoredFile file) {
        Key key = new Key(file.path().value(), file.etag());
        Values v = values.get(key);
        if (v == null) {
            v = compute(file);
            if (values.size() >= CAPACITY) {
                values.clear(); // crude, but bounded and lock-free; a refill costs one computation per file
            }
            values.put(key, v);
        }
        return v;
    }

    static Values compute(StoredFile file) {
        SafeServing.Presentation p = SafeServing.present(file.meta().contentType(), file.path().fileName());
        return new Values(p, new AsciiString(p.contentType()), new AsciiString(p.contentDisposition()),
                new AsciiString(file.etag()), new AsciiString(HttpDates.format(file.lastModified())));
    }
}
