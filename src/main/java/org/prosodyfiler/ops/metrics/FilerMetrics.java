package org.prosodyfiler.ops.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Locale;
import java.util.Set;
import java.util.function.IntSupplier;
import org.prosodyfiler.http.Telemetry;
import org.prosodyfiler.protocol.Rejection;

/**
 * The request metrics, fed by {@link Telemetry}: what was uploaded and downloaded, with which
 * outcome, how many bytes, how long it took, and why requests were refused.
 *
 * <p>Label values are bounded: status codes are the few we send, methods outside the HTTP
 * vocabulary become "OTHER", rejection reasons are an enum. Paths are never a label.
 */
public final class FilerMetrics implements Telemetry {
    static final String PREFIX = "prosody_filer_";

    /**
     * Seconds. Downloads of small images end in milliseconds; uploads of videos over a phone
     * link take minutes. Classic buckets only: the text format has no native histograms.
     */
    static final double[] DURATION_BUCKETS = {
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900};

    private static final Set<String> METHODS = Set.of("GET", "HEAD", "PUT", "DELETE", "OPTIONS", "POST", "PATCH");

    private final Counter uploads;
    private final Counter downloads;
    private final Counter otherRequests;
    private final Counter bytesReceived;
    private final Counter bytesSent;
    private final Counter rejections;
    private final Histogram duration;
    private final StoreUsage storeUsage;

    /**
     * @param inFlight uploads in progress now (the shutdown drain counts them too, so it is shared)
     * @param storeUsage told about completed uploads between its scans; may be null
     */
    public FilerMetrics(PrometheusRegistry registry, IntSupplier inFlight, StoreUsage storeUsage) {
        this.storeUsage = storeUsage;
        uploads = Counter.builder().name(PREFIX + "uploads_total")
                .help("Finished PUT requests by HTTP status (201 = stored).")
                .labelNames("status").register(registry);
        downloads = Counter.builder().name(PREFIX + "downloads_total")
                .help("Finished GET and HEAD requests by method and HTTP status.")
                .labelNames("method", "status").register(registry);
        otherRequests = Counter.builder().name(PREFIX + "other_requests_total")
                .help("Requests other than PUT, GET and HEAD (OPTIONS, DELETE, unsupported methods) by method and status.")
                .labelNames("method", "status").register(registry);
        bytesReceived = Counter.builder().name(PREFIX + "received_bytes_total")
                .help("Upload body bytes received, including uploads that failed.").register(registry);
        bytesSent = Counter.builder().name(PREFIX + "sent_bytes_total")
                .help("Download body bytes sent.").register(registry);
        rejections = Counter.builder().name(PREFIX + "rejections_total")
                .help("Refused or failed requests by reason.")
                .labelNames("reason").register(registry);
        for (Rejection.Reason r : Rejection.Reason.values()) {
            rejections.initLabelValues(r.label()); // every reason is a series from the start, so rate() works
        }
        uploads.initLabelValues("201");
        duration = Histogram.builder().name(PREFIX + "request_duration_seconds")
                .help("Time from request head to the end of the response, by kind (upload, download, other).")
                .labelNames("kind").classicOnly().classicUpperBounds(DURATION_BUCKETS).register(registry);
        GaugeWithCallback.builder().name(PREFIX + "uploads_in_flight")
                .help("Uploads currently receiving their body.")
                .callback(cb -> cb.call(inFlight.getAsInt())).register(registry);
    }

    @Override
    public void onExchange(Exchange e) {
        String method = method(e.method());
        String status = Integer.toString(e.status());
        String kind;
        switch (method) {
            case "PUT" -> {
                kind = "upload";
                uploads.labelValues(status).inc();
                if (e.status() == 201 && storeUsage != null) {
                    storeUsage.onStored(e.bytesIn());
                }
            }
            case "GET", "HEAD" -> {
                kind = "download";
                downloads.labelValues(method, status).inc();
            }
            default -> {
                kind = "other";
                otherRequests.labelValues(method, status).inc();
            }
        }
        if (e.bytesIn() > 0) {
            bytesReceived.inc(e.bytesIn());
        }
        if (e.bytesOut() > 0) {
            bytesSent.inc(e.bytesOut());
        }
        e.rejection().ifPresent(r -> rejections.labelValues(r.reason().label()).inc());
        duration.labelValues(kind).observe(e.nanos() / 1e9);
    }

    static String method(String m) {
        String upper = m.toUpperCase(Locale.ROOT);
        return METHODS.contains(upper) ? upper : "OTHER";
    }
}
