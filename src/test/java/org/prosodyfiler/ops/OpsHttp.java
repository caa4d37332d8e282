package org.prosodyfiler.ops;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Test helpers for the operations listener: requests, and reading samples out of a scrape. */
final class OpsHttp {
    private static final Pattern METRICS_URL = Pattern.compile("metrics on (http://\\S+)/metrics");
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private OpsHttp() {
    }

    /** The base URL of the operations listener, read from the server's log line. */
    static URI metricsBase(String log) {
        Matcher m = METRICS_URL.matcher(log);
        if (!m.find()) {
            throw new AssertionError("no 'metrics on' line in the log:\n" + log);
        }
        return URI.create(m.group(1) + "/");
    }

    static HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
        return send(uri, "GET");
    }

    static HttpResponse<String> send(URI uri, String method) throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20))
                .method(method, HttpRequest.BodyPublishers.noBody()).build();
        return CLIENT.send(req, HttpResponse.BodyHandlers.ofString());
    }

    /**
     * The value of one sample, e.g. {@code sample(text, "prosody_filer_uploads_total{status=\"201\"}")}:
     * the exposition line that starts with exactly that series name.
     */
    static OptionalDouble sample(String scrape, String series) {
        for (String line : scrape.split("\n")) {
            if (line.startsWith(series + " ")) {
                return OptionalDouble.of(Double.parseDouble(line.substring(series.length() + 1).trim().split(" ")[0]));
            }
        }
        return OptionalDouble.empty();
    }

    static double value(String scrape, String series) {
        return sample(scrape, series).orElseThrow(() -> new AssertionError("no sample " + series + " in:\n" + scrape));
    }
}
