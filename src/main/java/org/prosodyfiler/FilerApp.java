package org.prosodyfiler;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.prosodyfiler.config.Config;
import org.prosodyfiler.config.ConfigException;
import org.prosodyfiler.http.FilerServer;
import org.prosodyfiler.http.Handlers;
import org.prosodyfiler.http.NamedThreads;
import org.prosodyfiler.http.RateLimiter;
import org.prosodyfiler.http.Services;
import org.prosodyfiler.http.Telemetry;
import org.prosodyfiler.ops.AccessLog;
import org.prosodyfiler.ops.Lifecycle;
import org.prosodyfiler.ops.StorageQuotas;
import org.prosodyfiler.ops.Sweeper;
import org.prosodyfiler.ops.metrics.Monitoring;
import org.prosodyfiler.protocol.Dialect;
import org.prosodyfiler.protocol.JwtVerifier;
import org.prosodyfiler.protocol.MacSigner;
import org.prosodyfiler.protocol.UploadAuthorizer;
import org.prosodyfiler.storage.FileStore;
import org.prosodyfiler.storage.Store;
import org.prosodyfiler.storage.s3.S3Store;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: builds store, protocol and HTTP layers from a {@link Config} and owns
 * their lifetime. Tests start one in-process; the {@code serve} command starts one and waits.
 */
public final class FilerApp implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FilerApp.class);

    private final Config config;
    private final Store store;
    private final ExecutorService blocking;
    private final FilerServer server;
    private final Services services;
    private final Monitoring monitoring;
    private final Sweeper sweeper;

    private FilerApp(Config config, Store store, ExecutorService blocking, FilerServer server, Services services,
                     Monitoring monitoring, Sweeper sweeper) {
        this.monitoring = monitoring;
        this.sweeper = sweeper;
        this.config = config;
        this.store = store;
        this.blocking = blocking;
        this.server = server;
        this.services = services;
    }

    public static FilerApp start(Config config) throws IOException {
        return start(config, Clock.systemUTC(), List.of());
    }

    /**
     * @param extraTelemetry observers added to the access log (metrics, tests)
     * @throws ConfigException when the store or listen address is unusable
     */
    public static FilerApp start(Config config, Clock clock, List<Telemetry> extraTelemetry) throws IOException {
        Store store = openStore(config);
        store.recover();
        MacSigner signer = new MacSigner(config.secret());
        List<MacSigner> signers = new ArrayList<>(List.of(signer));
        config.previousSecrets().forEach(old -> signers.add(new MacSigner(old)));
        Optional<JwtVerifier> jwt = config.dialects().contains(Dialect.JWT)
                ? Optional.of(new JwtVerifier(signers, clock)) : Optional.empty();
        UploadAuthorizer authorizer = new UploadAuthorizer(signers, config.dialects(), config.maxUploadSize(), jwt);
        Sweeper[] sweeperRef = new Sweeper[1];
        StorageQuotas quotas = new StorageQuotas(config.storageQuota(), config.evictOldest(), config.dailyQuotaPerUser(),
                clock, () -> sweeperRef[0].nudge());
        Lifecycle lifecycle = new Lifecycle(config.expireAfter(), quotas);
        Sweeper sweeper = new Sweeper(store, lifecycle, quotas, config.evictOldest() ? config.storageQuota() : 0, clock);
        sweeperRef[0] = sweeper;
        boolean quotasOn = config.storageQuota() > 0 || config.dailyQuotaPerUser() > 0;
        if (quotasOn) {
            // Quota state lives in the files' own metadata: count it before taking uploads.
            sweeper.sweepOnce();
        }

        List<Telemetry> observers = new ArrayList<>();
        if (config.accessLog()) {
            observers.add(new AccessLog());
        }
        Monitoring monitoring = Monitoring.create(config, store);
        observers.addAll(monitoring.telemetry());
        observers.addAll(extraTelemetry);
        int cores = Runtime.getRuntime().availableProcessors();
        // Disk and S3 calls block: a bounded pool keeps them off the event loops. Few threads are
        // enough for a local disk; S3 calls wait on the network, hence the larger floor.
        int blockingThreads = Math.max(8, 4 * cores);
        ExecutorService blocking = new ThreadPoolExecutor(blockingThreads, blockingThreads, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), new NamedThreads("pf-disk"));
        Services services = new Services(config, store, authorizer, signer, blocking, clock,
                Telemetry.all(observers), lifecycle,
                config.rateLimit() > 0 ? Optional.of(new RateLimiter(config.rateLimit(), 4 * config.rateLimit())) : Optional.empty());
        FilerServer server = null;
        var handlers = Handlers.filer(services);
        try {
            server = FilerServer.start(config.listen(), 0, config.maxConnections(), config.readTimeout(), config.headerTimeout(),
                    pipeline -> pipeline.addLast("filer", handlers.get()));
            monitoring.startEndpoint();
        } catch (IOException | ConfigException e) {
            if (server != null) {
                server.close();
            }
            monitoring.close();
            blocking.shutdownNow();
            store.close();
            throw e instanceof ConfigException ce ? ce : new ConfigException(e.getMessage());
        }
        sweeper.start(quotasOn ? config.sweepInterval() : Duration.ZERO, config.sweepInterval());
        FilerApp app = new FilerApp(config, store, blocking, server, services, monitoring, sweeper);
        log.info("listening on {} (store {}, dialects {}, {} transport)", server.describe(config.urlPrefix()),
                config.storage() == Config.Storage.S3 ? config.s3().orElseThrow() : config.storeDir(), config.dialects(),
                FilerServer.nativeTransport() ? "epoll" : "nio");
        return app;
    }

    /** Opens the configured store (file or S3); a bad store is a ConfigException. Admin commands use it too. */
    public static Store openStore(Config config) {
        if (config.storage() == Config.Storage.S3) {
            return S3Store.open(config); // reports a bad bucket or endpoint as a ConfigException
        }
        try {
            return new FileStore(config.storeDir(), config.fsync(), config.minFreeSpace());
        } catch (IOException e) {
            throw new ConfigException("store " + config.storeDir() + " is not usable: " + describe(e));
        }
    }

    private static String describe(IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied (" + e.getMessage() + ")";
        }
        return e.getMessage() == null ? e.toString() : e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    public FilerServer server() {
        return server;
    }

    public Services services() {
        return services;
    }

    public Config config() {
        return config;
    }

    /** The base URL of uploads, e.g. http://127.0.0.1:5050/upload/ */
    public String baseUrl() {
        return server.describe(config.urlPrefix());
    }

    public Monitoring monitoring() {
        return monitoring;
    }

    public Sweeper sweeper() {
        return sweeper;
    }

    /**
     * SIGTERM: stop accepting connections, give uploads in progress up to {@code grace} to finish,
     * then close. Uploads still running then are cut off; their temp files are deleted.
     */
    public void shutdownGracefully(Duration grace) {
        monitoring.draining();
        server.stopAccepting();
        int running = monitoring.uploadsInFlight();
        if (running > 0) {
            log.info("waiting up to {}s for {} upload(s) in progress", grace.toSeconds(), running);
        }
        if (!monitoring.awaitUploads(grace)) {
            log.warn("{} upload(s) still running after {}s: closing them, their partial files are deleted",
                    monitoring.uploadsInFlight(), grace.toSeconds());
        }
        close();
    }

    @Override
    public void close() {
        sweeper.close();
        monitoring.close();
        server.close();
        blocking.shutdown();
        try {
            if (!blocking.awaitTermination(10, TimeUnit.SECONDS)) {
                blocking.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            store.close();
        } catch (IOException e) {
            log.warn("closing store: {}", e.getMessage());
        }
    }
}
