package org.prosodyfiler.ops.health;

import java.time.Duration;
import org.prosodyfiler.http.Telemetry;

/**
 * Counts uploads between {@link Telemetry#onUploadStarted} and {@link Telemetry#onUploadEnded},
 * so a graceful shutdown can wait for them and the metrics can show them.
 */
public final class InFlightUploads implements Telemetry {
    private int count;

    @Override
    public void onExchange(Exchange exchange) {
    }

    @Override
    public synchronized void onUploadStarted() {
        count++;
    }

    @Override
    public synchronized void onUploadEnded() {
        count--;
        if (count <= 0) {
            notifyAll();
        }
    }

    public synchronized int current() {
        return count;
    }

    /** Waits until no upload is in progress; false if some still are when {@code limit} has passed. */
    public synchronized boolean awaitNone(Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (count > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            long millis = Math.max(1, left / 1_000_000);
            wait(millis);
        }
        return true;
    }
}
