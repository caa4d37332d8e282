package org.prosodyfiler;

import java.io.IOException;
import java.time.Clock;
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
import org.prosodyfiler.http.Services;
import org.prosodyfiler.http.Telemetry;
import org.prosodyfiler.ops.AccessLog;
import org.prosodyfiler.ops.Lifecycle;
import org.prosodyfiler.ops.Quotas;
import org.prosodyfiler.protocol.Dialect;
import org.prosodyfiler.protocol.JwtVerifier;
import org.prosodyfiler.protocol.MacSigner;
import org.prosodyfiler.protocol.UploadAuthorizer;
import org.prosodyfiler.storage.FileStore;
import org.prosodyfiler.storage.Store;
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

    private FilerApp(Config config, Store store, ExecutorService blocking, FilerServer server, Services services) {
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
        Lifecycle lifecycle = new Lifecycle(config.expireAfter(), Quotas.NONE);

        List<Telemetry> observers = new ArrayList<>();
        if (config.accessLog()) {
            observers.add(new AccessLog());
        }
        observers.addAll(extraTelemetry);
        int cores = Runtime.getRuntime().availableProcessors();
        // Disk and S3 calls block: a bounded pool keeps them off the event loops. Few threads are
        // enough for a local disk; S3 calls wait on the network, hence the larger floor.
        int blockingThreads = Math.max(8, 4 * cores);
        ExecutorService blocking = new ThreadPoolExecutor(blockingThreads, blockingThreads, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), new NamedThreads("pf-disk"));
        Services services = new Services(config, store, authorizer, signer, blocking, clock,
                Telemetry.all(observers), lifecycle);
        FilerServer server;
        var handlers = Handlers.filer(services);
        try {
            server = FilerServer.start(config.listen(), 0, config.maxConnections(), config.readTimeout(),
                    pipeline -> pipeline.addLast("filer", handlers.get()));
        } catch (IOException e) {
            blocking.shutdownNow();
            store.close();
            throw new ConfigException(e.getMessage());
        }
        FilerApp app = new FilerApp(config, store, blocking, server, services);
        log.info("listening on {} (store {}, dialects {}, {} transport)", server.describe(config.urlPrefix()),
                config.storeDir(), config.dialects(), FilerServer.nativeTransport() ? "epoll" : "nio");
        return app;
    }

    private static Store openStore(Config config) {
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

    @Override
    public void close() {
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
