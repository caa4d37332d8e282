package org.prosodyfiler.protocol;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The parts of a PUT that decide whether it may proceed, already pulled out of HTTP.
 *
 * @param contentLength the Content-Length header values (none, one, or - invalid - several)
 * @param chunked       true when the body is sent with Transfer-Encoding: chunked
 */
public record UploadRequest(
        StorePath path,
        Map<String, List<String>> query,
        List<String> contentLength,
        boolean chunked,
        Optional<String> contentType,
        Optional<String> authorization) {

    public Optional<String> param(String name) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.get(0));
    }
}
