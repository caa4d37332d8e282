package org.prosodyfiler.ops;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.prosodyfiler.protocol.Rejection;
import org.prosodyfiler.protocol.UploadGrant;
import org.prosodyfiler.storage.StoredFile;

/**
 * A global storage cap and a rolling 24-hour byte quota per uploader (the JWT "sub", or
 * ejabberd's SHA-1 user directory). Uploads in flight are reserved so that concurrent uploads
 * cannot together slip past a limit.
 *
 * <p>Nothing extra is persisted: every stored file carries its owner in its metadata and its
 * upload time as mtime, so {@link #rebuild} recovers the state from the store after a restart.
 * All methods are cheap and synchronized: they run on the event loop.
 */
public final class StorageQuotas implements Quotas {
    private static final Duration DAY = Duration.ofDays(1);

    private final long storageQuota;
    private final boolean evictOldest;
    private final long dailyPerUser;
    private final Runnable overQuota;
    private final Clock clock;

    private long storedBytes;
    private long reservedBytes;
    private final Map<String, ArrayDeque<Entry>> recentByOwner = new HashMap<>();
    /** Per-owner entries of uploads still in flight, to take back if they fail. */
    private final Map<UploadGrant, Entry> inFlight = new java.util.IdentityHashMap<>();

    private record Entry(Instant at, long bytes) {
    }

    /**
     * @param storageQuota 0 = no global cap
     * @param evictOldest  at the cap, admit uploads and call {@code overQuota} (the sweeper evicts) instead of refusing
     * @param dailyPerUser 0 = no per-user quota
     */
    public StorageQuotas(long storageQuota, boolean evictOldest, long dailyPerUser, Clock clock, Runnable overQuota) {
        this.storageQuota = storageQuota;
        this.evictOldest = evictOldest;
        this.dailyPerUser = dailyPerUser;
        this.clock = clock;
        this.overQuota = overQuota;
    }

    /**
     * Per-owner uploads of the last 24 hours, counted file by file during a walk over the store:
     * only those files are remembered, never the whole listing.
     */
    public final class Recount {
        private final Instant since = clock.instant().minus(DAY);
        private final Map<String, ArrayDeque<Entry>> recent = new HashMap<>();

        private Recount() {
        }

        public void add(StoredFile f) {
            if (f.meta().owner().isPresent() && f.lastModified().isAfter(since)) {
                recent.computeIfAbsent(f.meta().owner().get(), k -> new ArrayDeque<>()).add(new Entry(f.lastModified(), f.size()));
            }
        }
    }

    public Recount recount() {
        return new Recount();
    }

    /** Takes usage from a walk over the store (at startup, and by every sweep). */
    public synchronized void rebuild(Recount counted, long totalBytes) {
        Map<String, ArrayDeque<Entry>> recent = counted.recent;
        storedBytes = totalBytes;
        // Uploads committed while the listing ran are in the listing or will be counted again on
        // the next rebuild; keeping the newer in-memory entries avoids forgetting them.
        for (var e : recentByOwner.entrySet()) {
            recent.merge(e.getKey(), e.getValue(), (fromDisk, inMemory) -> fromDisk.size() >= inMemory.size() ? fromDisk : inMemory);
        }
        recentByOwner.clear();
        recentByOwner.putAll(recent);
    }

    public synchronized long storedBytes() {
        return storedBytes;
    }

    @Override
    public synchronized Optional<Rejection> admit(UploadGrant grant, Instant now) {
        long size = grant.size();
        if (storageQuota > 0 && !evictOldest && storedBytes + reservedBytes + size > storageQuota) {
            return Optional.of(Rejection.of(507, Rejection.Reason.QUOTA,
                    "storage quota reached: this server keeps at most " + storageQuota + " bytes")
                    .withLogDetail("storage quota " + storageQuota + " bytes reached (" + storedBytes + " stored, "
                            + reservedBytes + " in flight, " + size + " asked): delete files, raise storageQuota or set expireAfter"));
        }
        if (dailyPerUser > 0 && grant.owner().isPresent()) {
            long used = usedToday(grant.owner().get(), now);
            if (used + size > dailyPerUser) {
                return Optional.of(Rejection.of(413, Rejection.Reason.QUOTA,
                        "daily upload quota exceeded: " + used + " of " + dailyPerUser + " bytes used in the last 24 hours")
                        .withLogDetail("daily quota of " + grant.owner().get() + " exceeded: " + used + " + " + size + " > " + dailyPerUser));
            }
        }
        reservedBytes += size;
        grant.owner().ifPresent(o -> {
            Entry e = new Entry(now, size);
            recentByOwner.computeIfAbsent(o, k -> new ArrayDeque<>()).add(e);
            inFlight.put(grant, e);
        });
        return Optional.empty();
    }

    @Override
    public synchronized void onStored(StoredFile file, UploadGrant grant, Instant now) {
        reservedBytes -= grant.size();
        storedBytes += file.size();
        inFlight.remove(grant);
        if (evictOldest && storageQuota > 0 && storedBytes > storageQuota) {
            overQuota.run();
        }
    }

    @Override
    public synchronized void onFailed(UploadGrant grant) {
        reservedBytes -= grant.size();
        Entry e = inFlight.remove(grant);
        if (e != null) {
            ArrayDeque<Entry> q = recentByOwner.get(grant.owner().orElseThrow());
            if (q != null) {
                q.removeIf(x -> x == e); // a failed upload does not count against the uploader
            }
        }
    }

    @Override
    public synchronized void onDeleted(StoredFile file) {
        storedBytes = Math.max(0, storedBytes - file.size());
    }

    private long usedToday(String owner, Instant now) {
        ArrayDeque<Entry> q = recentByOwner.get(owner);
        if (q == null) {
            return 0;
        }
        Instant since = now.minus(DAY);
        q.removeIf(e -> !e.at().isAfter(since));
        return q.stream().mapToLong(Entry::bytes).sum();
    }
}
