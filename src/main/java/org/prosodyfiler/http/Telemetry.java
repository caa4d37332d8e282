package org.prosodyfiler.http;

import java.util.List;
import java.util.Optional;
import org.prosodyfiler.protocol.Rejection;

/**
 * The narrow hook through which operations (access log, metrics) observe requests, so the HTTP
 * layer knows nothing about Prometheus or log formats.
 */
public interface Telemetry {

    /** One finished request. {@code path} is the raw request path (no query: it holds the token). */
    record Exchange(String method, String path, int status, long bytesIn, long bytesOut, long nanos,
                    Optional<Rejection> rejection) {
    }

    void onExchange(Exchange exchange);

    default void onUploadStarted() {
    }

    default void onUploadEnded() {
    }

    Telemetry NONE = exchange -> {
    };

    static Telemetry all(List<Telemetry> parts) {
        List<Telemetry> ps = List.copyOf(parts);
        return new Telemetry() {
            @Override
            public void onExchange(Exchange e) {
                ps.forEach(p -> p.onExchange(e));
            }

            @Override
            public void onUploadStarted() {
                ps.forEach(Telemetry::onUploadStarted);
            }

            @Override
            public void onUploadEnded() {
                ps.forEach(Telemetry::onUploadEnded);
            }
        };
    }
}
