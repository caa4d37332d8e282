package org.prosodyfiler.ops.metrics;

import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.prosodyfiler.config.Config;
import org.prosodyfiler.config.ConfigException;
import org.prosodyfiler.config.ListenAddress;
import org.prosodyfiler.http.Telemetry;
import org.prosodyfiler.ops.health.Health;
import org.prosodyfiler.ops.health.InFlightUploads;
import org.prosodyfiler.storage.Store;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything operations needs from a running server, in one place for {@code FilerApp}: the
 * in-flight upload count (always, for the graceful shutdown), and when {@code metricsListen} is
 * set the Prometheus metrics and the /metrics, /health, /ready listener.
 */
public final class Monitoring implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Monitoring.class);
    /** Walking a large store costs disk reads; a few minutes of lag is fine for a capacity graph. */
    static final Duration STORE_SCAN_INTERVAL = Duration.ofMinutes(5);

    private final Optional<ListenAddress> listen;
    private final InFlightUploads inFlight;
    private final Health health;
    private final PrometheusRegistry registry;
    private final StoreUsage storeUsage;
    private final Telemetry telemetry;
    private volatile MetricsEndpoint endpoint;

    private Monitoring(Optional<ListenAddress> listen, InFlightUploads inFlight, Health health,
                       PrometheusRegistry registry, StoreUsage storeUsage, Telemetry telemetry) {
        this.listen = listen;
        this.inFlight = inFlight;
        this.health = health;
        this.registry = registry;
        this.storeUsage = storeUsage;
        this.telemetry = telemetry;
    }

    public static Monitoring create(Config config, Store store) {
        return create(config, store, STORE_SCAN_INTERVAL);
    }

    static Monitoring create(Config config, Store store, Duration scanInterval) {
        Health health = new Health(store);
        InFlightUploads inFlight = new InFlightUploads();
        if (config.metricsListen().isEmpty()) {
            return new Monitoring(Optional.empty(), inFlight, health, null, null, null);
        }
        PrometheusRegistry registry = new PrometheusRegistry();
        StoreUsage usage = new StoreUsage(registry, store,
                config.storage() == Config.Storage.FILE ? Optional.of(config.storeDir()) : Optional.empty(), scanInterval);
        FilerMetrics metrics = new FilerMetrics(registry, inFlight::current, usage);
        JvmGauges.register(registry, version());
        GaugeWithCallback.builder().name(FilerMetrics.PREFIX + "ready")
                .help("1 when uploads can be accepted (store writable, free space above minFreeSpace, not shutting down).")
                .callback(cb -> cb.call(health.ready().ok() ? 1 : 0)).register(registry);
        return new Monitoring(config.metricsListen(), inFlight, health, registry, usage, metrics);
    }

    /** The observers to add to the request telemetry. */
    public List<Telemetry> telemetry() {
        return telemetry == null ? List.of(inFlight) : List.of(inFlight, telemetry);
    }

    /**
     * Binds the metrics listener when configured; call once the upload listener is up.
     *
     * @throws ConfigException when the metrics address cannot be bound
     */
    public void startEndpoint() {
        if (listen.isEmpty()) {
            return;
        }
        if (!(listen.get() instanceof ListenAddress.Tcp tcp)) {
            throw new ConfigException("metricsListen must be host:port");
        }
        try {
            endpoint = MetricsEndpoint.start(tcp.socketAddress(), registry, health);
        } catch (IOException e) {
            throw new ConfigException("cannot listen on metricsListen " + tcp + ": " + e.getMessage());
        }
        InetSocketAddress a = endpoint.address();
        String host = a.getAddress().getHostAddress();
        log.info("metrics on http://{}:{}/metrics (also /health and /ready)", host.contains(":") ? "[" + host + "]" : host, a.getPort());
    }

    public Optional<InetSocketAddress> endpointAddress() {
        MetricsEndpoint e = endpoint;
        return e == null ? Optional.empty() : Optional.of(e.address());
    }

    public Health health() {
        return health;
    }

    public int uploadsInFlight() {
        return inFlight.current();
    }

    /** Shutdown begins: /ready turns 503 so that a balancer stops sending new uploads. */
    public void draining() {
        health.draining();
    }

    /** Waits for uploads in progress; false if some are still running after {@code grace}. */
    public boolean awaitUploads(Duration grace) {
        try {
            return inFlight.awaitNone(grace);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        MetricsEndpoint e = endpoint;
        if (e != null) {
            e.close();
        }
        if (storeUsage != null) {
            storeUsage.close();
        }
    }

    static String version() {
        Properties p = new Properties();
        try (InputStream in = Monitoring.class.getResourceAsStream("/prosody-filer-version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException ignored) {
            // "unknown" below
        }
        return p.getProperty("version", "unknown");
    }
}
