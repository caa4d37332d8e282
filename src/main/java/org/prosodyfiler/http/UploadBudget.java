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

    /** Bytes left the queue (written or dropped); wakes paused uploads once below the low mark. */
    void release(long n) {
        if (queued.addAndGet(-n) < low) {
            wakeAll();
        }
    }

    /** Runs {@code resume} once the budget has room again (at once if it already has). */
    void whenRoom(Runnable resume) {
        waiting.add(resume);
        if (queued.get() < low) {
            wakeAll(); // the budget freed up between the check and the registration
        }
    }

    long queued() {
        return queued.get();
    }

    private void wakeAll() {
        Runnable r;
        while ((r = waiting.poll()) != null) {
            r.run();
        }
    }
}
