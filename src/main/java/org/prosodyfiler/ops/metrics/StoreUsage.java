package org.prosodyfiler.ops.metrics;

import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.prosodyfiler.http.NamedThreads;
import org.prosodyfiler.storage.Store;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How many files and bytes the store holds. Measured by a periodic walk of the store rather
 * than by counters kept per request: files also leave by expiry, purge, DELETE and by hand, and
 * arrive from a migrated Go store, so only a walk stays right. Between walks, completed uploads
 * are added, so the gauges move with traffic; the next walk corrects any drift.
 */
public final class StoreUsage implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StoreUsage.class);

    private final Store store;
    private final Optional<Path> localRoot;
    private final ScheduledExecutorService scanner;
    private final LongAdder addedFiles = new LongAdder();
    private final LongAdder addedBytes = new LongAdder();
    private volatile Scan last;

    /** One completed walk. */
    record Scan(long files, long bytes, double seconds, long finishedAtMillis) {
    }

    /**
     * @param localRoot the store directory when files are local (for the free-space gauge)
     * @param interval  time between walks; the first starts at once
     */
    public StoreUsage(PrometheusRegistry registry, Store store, Optional<Path> localRoot, Duration interval) {
        this.store = store;
        this.localRoot = localRoot;
        this.scanner = Executors.newSingleThreadScheduledExecutor(new NamedThreads("pf-store-scan"));
        String p = FilerMetrics.PREFIX;
        GaugeWithCallback.builder().name(p + "stored_files")
                .help("Files in the store (last walk plus uploads since).")
                .callback(cb -> {
                    Scan s = last;
                    if (s != null) {
                        cb.call(s.files() + addedFiles.sum());
                    }
                }).register(registry);
        GaugeWithCallback.builder().name(p + "stored_bytes")
                .help("Bytes in the store (last walk plus uploads since).")
                .callback(cb -> {
                    Scan s = last;
                    if (s != null) {
                        cb.call(s.bytes() + addedBytes.sum());
                    }
                }).register(registry);
        GaugeWithCallback.builder().name(p + "store_scan_duration_seconds")
                .help("How long the last walk of the store took.")
                .callback(cb -> {
                    Scan s = last;
                    if (s != null) {
                        cb.call(s.seconds());
                    }
                }).register(registry);
        GaugeWithCallback.builder().name(p + "store_scan_timestamp_seconds")
                .help("When the last walk of the store finished (Unix time).")
                .callback(cb -> {
                    Scan s = last;
                    if (s != null) {
                        cb.call(s.finishedAtMillis() / 1000.0);
                    }
                }).register(registry);
        localRoot.ifPresent(root -> GaugeWithCallback.builder().name(p + "store_free_bytes")
                .help("Space available to the server on the store's file system.")
                .callback(cb -> {
                    try {
                        cb.call(Files.getFileStore(root).getUsableSpace());
                    } catch (IOException e) {
                        log.debug("free space of {}: {}", root, e.getMessage());
                    }
                }).register(registry));
        long every = Math.max(1, interval.toMillis());
        scanner.scheduleWithFixedDelay(this::scan, 0, every, TimeUnit.MILLISECONDS);
    }

    /** Called for each upload that was stored (201). */
    void onStored(long bytes) {
        addedFiles.increment();
        addedBytes.add(bytes);
    }

    Optional<Scan> lastScan() {
        return Optional.ofNullable(last);
    }

    Optional<Path> localRoot() {
        return localRoot;
    }

    private void scan() {
        long start = System.nanoTime();
        // Uploads finishing during the walk may or may not be seen by it; counting them again
        // afterwards errs by a file or two until the next walk, never more.
        long filesBefore = addedFiles.sum();
        long bytesBefore = addedBytes.sum();
        long[] totals = new long[2];
        try {
            store.forEachCounted(f -> {
                totals[0]++;
                totals[1] += f.size();
            });
        } catch (IOException | RuntimeException e) {
            log.warn("cannot measure the store: {}", e.getMessage());
            return;
        }
        addedFiles.add(-filesBefore);
        addedBytes.add(-bytesBefore);
        last = new Scan(totals[0], totals[1], (System.nanoTime() - start) / 1e9, System.currentTimeMillis());
    }

    @Override
    public void close() {
        scanner.shutdownNow();
    }
}
