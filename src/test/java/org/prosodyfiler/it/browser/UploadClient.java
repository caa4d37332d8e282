package org.prosodyfiler.it.browser;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.prosodyfiler.protocol.Dialect;
import org.prosodyfiler.protocol.MacSigner;

/**
 * Talks to the server under test as an XMPP client does: a PUT signed with the v2 MAC, which covers
 * the Content-Type header the PUT sends, so the server records exactly the type we claim (true or
 * not). Also fetches an upload once outside the browser to report the headers it is served with.
 */
final class UploadClient {
    /** A GET response's status and headers (names lower-cased, sorted, for stable reports). */
    record Served(int status, Map<String, List<String>> headers) {
        String header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null ? null : String.join(", ", values);
        }

        String describe() {
            return "HTTP " + status + "\n" + headers.entrySet().stream()
                    .map(e -> "  " + e.getKey() + ": " + String.join(", ", e.getValue()))
                    .collect(Collectors.joining("\n"));
        }
    }

    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    private final URI base;
    private final MacSigner signer;
    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER)
            .proxy(HttpClient.Builder.NO_PROXY)
            .build();

    UploadClient(URI base, String secret) {
        this.base = base;
        this.signer = new MacSigner(secret);
    }

    /** PUTs {@code body} at {@code path} (relative to the upload prefix) and returns its download URL. */
    URI put(String path, byte[] body, String contentType) throws IOException, InterruptedException {
        URI url = base.resolve(path);
        String mac = signer.sign(Dialect.V2, path, body.length, contentType);
        HttpRequest request = HttpRequest.newBuilder(URI.create(url + "?v2=" + mac))
                .timeout(TIMEOUT)
                .header("Content-Type", contentType)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 201) {
            throw new AssertionError("PUT " + url + " (" + contentType + ") answered " + response.statusCode()
                    + ", expected 201: " + response.body());
        }
        return url;
    }

    Served get(URI url) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(url).timeout(TIMEOUT).GET().build();
        HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        Map<String, List<String>> headers = new TreeMap<>();
        response.headers().map().forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), values));
        return new Served(response.statusCode(), headers);
    }
}
