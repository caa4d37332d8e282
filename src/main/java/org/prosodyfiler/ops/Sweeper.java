package org.prosodyfiler.ops;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.prosodyfiler.storage.Store;
import org.prosodyfiler.storage.StoredFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The background job that replaces the Go original's "cron find -mtime +28 | xargs rm": deletes
 * expired files (expireAfter, or the JWT's per-file "expires"), evicts the oldest files when the
 * storage quota says so, removes empty directories and recounts usage for the quotas.
 * It runs on its own thread, so requests never wait for it; expired files are already hidden from
 * downloads by {@link Lifecycle#isExpired} before it gets to them.
 */
public final class Sweeper implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Sweeper.class);

    /** What one pass did. */
    public record Result(int files, long bytes, int expired, long expiredBytes, int evicted, long evictedBytes) {
    }

    private final Store store;
    private final Lifecycle lifecycle;
    private final StorageQuotas quotas;
    private final long evictAbove;
    private final Clock clock;
    private ScheduledExecutorService timer;

    /**
     * @param quotas     usage to recount after each pass (may be null)
     * @param evictAbove 0 = never evict; otherwise delete oldest files until the store holds at most this
     */
    public Sweeper(Store store, Lifecycle lifecycle, StorageQuotas quotas, long evictAbove, Clock clock) {
        this.store = store;
        this.lifecycle = lifecycle;
        this.quotas = quotas;
        this.evictAbove = evictAbove;
        this.clock = clock;
    }

    /** Asks for a pass soon (the storage quota was exceeded in evict-oldest mode). */
    public void nudge() {
        ScheduledExecutorService t = timer;
        if (t != null && nudged.compareAndSet(false, true)) {
            t.execute(() -> {
                nudged.set(false);
                runLogged();
            });
        }
    }

    private final java.util.concurrent.atomic.AtomicBoolean nudged = new java.util.concurrent.atomic.AtomicBoolean();

    public void start(Duration firstAfter, Duration every) {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pf-sweeper");
            t.setDaemon(true);
            t.setPriority(Thread.MIN_PRIORITY);
            return t;
        });
        timer.scheduleWithFixedDelay(this::runLogged, firstAfter.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void runLogged() {
        try {
            Result r = sweepOnce();
            if (r.expired() + r.evicted() > 0) {
                log.info("sweep: deleted {} expired file(s) ({} bytes) and evicted {} ({} bytes); {} files, {} bytes remain",
                        r.expired(), r.expiredBytes(), r.evicted(), r.evictedBytes(), r.files(), r.bytes());
            }
        } catch (IOException | RuntimeException e) {
            log.warn("sweep failed, will retry: {}", e.toString());
        }
    }

    /** One full pass. Public so tests (with an injected clock) and the purge command can run it. */
    public Result sweepOnce() throws IOException {
        Instant now = clock.instant();
        List<StoredFile> kept = new ArrayList<>();
        int[] expired = {0};
        long[] expiredBytes = {0};
        store.forEach(f -> {
            if (lifecycle.isExpired(f, now)) {
                if (delete(f)) {
                    expired[0]++;
                    expiredBytes[0] += f.size();
                }
            } else {
                kept.add(f);
            }
        });
        int evicted = 0;
        long evictedBytes = 0;
        long total = kept.stream().mapToLong(StoredFile::size).sum();
        if (evictAbove > 0 && total > evictAbove) {
            kept.sort(Comparator.comparing(StoredFile::lastModified));
            List<StoredFile> survivors = new ArrayList<>();
            for (StoredFile f : kept) {
                if (total > evictAbove && delete(f)) {
                    total -= f.size();
                    evicted++;
                    evictedBytes += f.size();
                } else {
                    survivors.add(f);
                }
            }
            kept.clear();
            kept.addAll(survivors);
        }
        store.pruneEmptyDirectories();
        if (quotas != null) {
            quotas.rebuild(kept);
        }
        return new Result(kept.size(), total, expired[0], expiredBytes[0], evicted, evictedBytes);
    }

    private boolean delete(StoredFile f) {
        try {
            if (store.delete(f.path())) {
                lifecycle.onDeleted(f);
                return true;
            }
        } catch (IOException e) {
            log.warn("cannot delete {}: {}", f.path(), e.getMessage());
        }
        return false;
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
