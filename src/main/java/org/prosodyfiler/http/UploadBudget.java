package org.prosodyfiler.http;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes received for all uploads but not yet written to the store. Each upload already pauses
 * its own connection past a high-water mark, but with hundreds of concurrent uploads the sum
 * could still exhaust direct memory; past this global budget every upload connection pauses
 * until the disk catches up, and the rest waits in the clients' socket buffers.
 */
final class UploadBudget {
    private final long high;
    private final long low;
    private final AtomicLong queued = new AtomicLong();
    private final ConcurrentLinkedQueue<Runnable> waiting = new ConcurrentLinkedQueue<>();

    UploadBudget(long high, long low) {
        this.high = high;
        this.low = low;
    }

    void add(long n) {
        queued.addAndGet(n);
    }

    boolean exhausted() {
        return queued.get() > high;
    }

    /**
     * What one woken connection typically adds before it can be paused again: one socket read.
     * Waking every paused upload at once let each read that much on top of the budget (200
     * uploads: 12 MiB over), so only as many are woken as the free room holds.
     */
    static final long PER_WAKE = 64 * 1024;

    /** Bytes left the queue (written or dropped); wakes paused uploads once below the low mark. */
    void release(long n) {
        long now = queued.addAndGet(-n);
        if (now < low) {
            wake(now);
        }
    }

    /** Runs {@code resume} once the budget has room again (at once if it already has). */
    void whenRoom(Runnable resume) {
        waiting.add(resume);
        long now = queued.get();
        if (now < low) {
            wake(now); // the budget freed up between the check and the registration
        }
    }

    long queued() {
        return queued.get();
    }

    /**
     * Wakes as many waiting uploads as the room holds, at least one. With nothing queued no
     * release will come to wake the rest, so then all go.
     */
    private void wake(long queuedNow) {
        long room = Math.max(PER_WAKE, high - queuedNow);
        long n = queuedNow <= 0 ? Long.MAX_VALUE : room / PER_WAKE;
        Runnable r;
        while (n-- > 0 && (r = waiting.poll()) != null) {
            r.run();
        }
    }
}
