package org.prosodyfiler.ops.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.prosodyfiler.http.Telemetry.Exchange;
import org.prosodyfiler.protocol.Rejection;

class FilerMetricsTest {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final FilerMetrics metrics = new FilerMetrics(registry, inFlight::get, null);

    private String scrape() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, registry.scrape());
        return out.toString(StandardCharsets.UTF_8);
    }

    private static Exchange ex(String method, int status, long in, long out, long millis, Rejection.Reason reason) {
        return new Exchange(method, "/upload/x", status, in, out, millis * 1_000_000,
                reason == null ? Optional.empty() : Optional.of(Rejection.of(status, reason, "x")));
    }

    @Test
    void exchangesLandInTheRightSeries() throws IOException {
        metrics.onExchange(ex("PUT", 201, 1000, 0, 20, null));
        metrics.onExchange(ex("PUT", 413, 0, 20, 1, Rejection.Reason.TOO_LARGE));
        metrics.onExchange(ex("GET", 200, 0, 5000, 3, null));
        metrics.onExchange(ex("HEAD", 304, 0, 0, 1, null));
        metrics.onExchange(ex("OPTIONS", 200, 0, 0, 1, null));
        metrics.onExchange(ex("get", 404, 0, 10, 1, Rejection.Reason.NOT_FOUND));
        metrics.onExchange(ex("X-EVIL-" + "A".repeat(50), 405, 0, 0, 1, Rejection.Reason.METHOD));
        inFlight.set(3);

        String m = scrape();
        assertThat(m).contains("prosody_filer_uploads_total{status=\"201\"} 1.0")
                .contains("prosody_filer_uploads_total{status=\"413\"} 1.0")
                .contains("prosody_filer_downloads_total{method=\"GET\",status=\"200\"} 1.0")
                .contains("prosody_filer_downloads_total{method=\"GET\",status=\"404\"} 1.0")
                .contains("prosody_filer_downloads_total{method=\"HEAD\",status=\"304\"} 1.0")
                .contains("prosody_filer_other_requests_total{method=\"OPTIONS\",status=\"200\"} 1.0")
                .contains("prosody_filer_other_requests_total{method=\"OTHER\",status=\"405\"} 1.0")
                .contains("prosody_filer_received_bytes_total 1000.0")
                .contains("prosody_filer_sent_bytes_total 5030.0")
                .contains("prosody_filer_rejections_total{reason=\"too_large\"} 1.0")
                .contains("prosody_filer_rejections_total{reason=\"no_space\"} 0.0")
                .contains("prosody_filer_uploads_in_flight 3.0")
                .contains("prosody_filer_request_duration_seconds_count{kind=\"upload\"} 2")
                .contains("prosody_filer_request_duration_seconds_count{kind=\"download\"} 3")
                .contains("prosody_filer_request_duration_seconds_count{kind=\"other\"} 2")
                // the 20 ms upload is above the 10 ms bucket and within the 25 ms one
                .contains("prosody_filer_request_duration_seconds_bucket{kind=\"upload\",le=\"0.01\"} 1")
                .contains("prosody_filer_request_duration_seconds_bucket{kind=\"upload\",le=\"0.025\"} 2")
                .doesNotContain("X-EVIL");
    }

    @Test
    void methodsOutsideTheVocabularyAreOther() {
        assertThat(FilerMetrics.method("put")).isEqualTo("PUT");
        assertThat(FilerMetrics.method("PROPFIND")).isEqualTo("OTHER");
    }
}
