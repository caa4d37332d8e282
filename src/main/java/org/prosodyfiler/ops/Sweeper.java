package org.prosodyfiler.ops;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;
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

    /**
     * One full pass. Public so tests (with an injected clock) and the purge command can run it.
     *
     * <p>Memory stays flat however many files the store holds: each file is looked at as the
     * walk passes it and then dropped. (A list of all kept files made a store of 400,000 files
     * exhaust the 96 MiB heap: the server could not start with quotas on.) Eviction needs the
     * oldest files first, so the walk counts bytes per hour of age; see {@link #evictOldest}.
     */
    public Result sweepOnce() throws IOException {
        Instant now = clock.instant();
        Census census = new Census(evictAbove > 0);
        StorageQuotas.Recount recount = quotas == null ? null : quotas.recount();
        store.forEach(f -> {
            if (lifecycle.isExpired(f, now)) {
                if (delete(f)) {
                    census.expired++;
                    census.expiredBytes += f.size();
                }
            } else {
                census.keep(f);
                if (recount != null) {
                    recount.add(f);
                }
            }
        });
        if (evictAbove > 0 && census.bytes > evictAbove) {
            evictOldest(census);
        }
        store.pruneEmptyDirectories();
        if (quotas != null) {
            quotas.rebuild(recount, census.bytes);
        }
        return new Result(census.files, census.bytes, census.expired, census.expiredBytes, census.evicted, census.evictedBytes);
    }

    /**
     * Deletes the oldest files until the store holds at most {@link #evictAbove} bytes, in up to
     * two more walks: the first deletes the hours wholly past the cut-off and counts the cut-off
     * hour's bytes per second; the second does the same within that hour and sorts only the files
     * of the cut-off second. Memory: an entry per hour of age, at most 3,600 per second, and one
     * second's files, even when a burst of uploads all fell within the same hour. Each walk counts
     * the store again, so files deleted by someone else meanwhile (the purge command) are not
     * counted as still there and make the sweep evict no more than it must.
     */
    private void evictOldest(Census census) throws IOException {
        long cutoffHour = cutoff(census.bytesByHour, census.bytes - evictAbove);
        TreeMap<Long, Long> bytesBySecond = new TreeMap<>();
        census.recount();
        store.forEach(f -> {
            long hour = hourOf(f);
            if (hour < cutoffHour && evicted(census, f)) {
                return; // together less than the excess
            }
            census.count(f);
            if (hour == cutoffHour) {
                bytesBySecond.merge(f.lastModified().getEpochSecond(), f.size(), Long::sum);
            }
        });
        if (census.bytes <= evictAbove) {
            return;
        }
        long cutoffSecond = cutoff(bytesBySecond, census.bytes - evictAbove);
        List<StoredFile> atCutoff = new ArrayList<>();
        census.recount();
        store.forEach(f -> {
            long second = f.lastModified().getEpochSecond();
            if (hourOf(f) == cutoffHour && second < cutoffSecond && evicted(census, f)) {
                return;
            }
            census.count(f);
            if (second == cutoffSecond) {
                atCutoff.add(f);
            }
        });
        atCutoff.sort(Comparator.comparing(StoredFile::lastModified));
        for (StoredFile f : atCutoff) {
            if (census.bytes <= evictAbove) {
                break;
            }
            if (evicted(census, f)) {
                census.files--;
                census.bytes -= f.size();
            }
        }
    }

    /** The first time slot whose bytes, added to all older slots', reach {@code excess}. */
    private static long cutoff(TreeMap<Long, Long> bytesBySlot, long excess) {
        long older = 0;
        for (var slot : bytesBySlot.entrySet()) {
            older += slot.getValue();
            if (older >= excess) {
                return slot.getKey();
            }
        }
        return bytesBySlot.isEmpty() ? Long.MIN_VALUE : bytesBySlot.lastKey();
    }

    /** Deletes {@code f} and counts it as evicted; false if it could not be deleted. */
    private boolean evicted(Census census, StoredFile f) {
        if (!delete(f)) {
            return false;
        }
        census.evicted++;
        census.evictedBytes += f.size();
        return true;
    }

    private static long hourOf(StoredFile f) {
        return Math.floorDiv(f.lastModified().getEpochSecond(), 3600);
    }

    /** Running totals of one pass; bytes per hour of last modification only when evicting. */
    private static final class Census {
        final TreeMap<Long, Long> bytesByHour;
        int files;
        long bytes;
        int expired;
        long expiredBytes;
        int evicted;
        long evictedBytes;

        Census(boolean byHour) {
            bytesByHour = byHour ? new TreeMap<>() : null;
        }

        void keep(StoredFile f) {
            count(f);
            if (bytesByHour != null) {
                bytesByHour.merge(hourOf(f), f.size(), Long::sum);
            }
        }

        void count(StoredFile f) {
            files++;
            bytes += f.size();
        }

        /** Starts counting what the store holds again (a new walk). */
        void recount() {
            files = 0;
            bytes = 0;
        }
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
