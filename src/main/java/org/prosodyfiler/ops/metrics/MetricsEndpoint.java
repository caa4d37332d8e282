package org.prosodyfiler.ops.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.prosodyfiler.http.NamedThreads;
import org.prosodyfiler.ops.health.Health;

/**
 * The operations listener: {@code /metrics} (Prometheus text format), {@code /health} (live) and
 * {@code /ready} (store writable with free space, not shutting down), on the separate
 * {@code metricsListen} address so none of it is reachable where uploads are.
 *
 * <p>The JDK's built-in HTTP server is enough for a scrape every few seconds, and its single
 * thread keeps these requests (the readiness probe writes to the store) away from the event
 * loops that carry uploads.
 */
public final class MetricsEndpoint implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor;

    private MetricsEndpoint(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Binds and serves. @throws IOException when the address cannot be bound */
    public static MetricsEndpoint start(InetSocketAddress address, PrometheusRegistry registry, Health health) throws IOException {
        HttpServer server = HttpServer.create(address, 16);
        ExecutorService executor = Executors.newSingleThreadExecutor(new NamedThreads("pf-metrics"));
        PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
        server.createContext("/", exchange -> {
            try (exchange) {
                route(exchange, registry, writer, health);
            }
        });
        server.setExecutor(executor);
        server.start();
        return new MetricsEndpoint(server, executor);
    }

    private static void route(HttpExchange ex, PrometheusRegistry registry, PrometheusTextFormatWriter writer, Health health)
            throws IOException {
        String method = ex.getRequestMethod();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            ex.getResponseHeaders().set("Allow", "GET, HEAD");
            send(ex, 405, "text/plain; charset=utf-8", "method not allowed\n".getBytes(StandardCharsets.UTF_8));
            return;
        }
        switch (ex.getRequestURI().getPath()) {
            case "/metrics" -> {
                ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
                writer.write(out, registry.scrape());
                send(ex, 200, writer.getContentType(), out.toByteArray());
            }
            case "/health", "/healthz", "/live" -> answer(ex, health.live());
            case "/ready", "/readyz" -> answer(ex, health.ready());
            default -> send(ex, 404, "text/plain; charset=utf-8",
                    "not found: try /metrics, /health or /ready\n".getBytes(StandardCharsets.UTF_8));
        }
    }

    private static void answer(HttpExchange ex, Health.Status s) throws IOException {
        String body = (s.ok() ? "ok: " : "not ready: ") + s.detail() + "\n";
        send(ex, s.ok() ? 200 : 503, "text/plain; charset=utf-8", body.getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(status, head ? -1 : body.length);
        if (!head) {
            try (OutputStream os = ex.getResponseBody()) {
                os.write(body);
            }
        }
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
