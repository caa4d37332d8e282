package org.prosodyfiler.http;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Token buckets per client address: each request takes one token (a request refused for a bad
 * token takes {@link #FAILURE_COST}), tokens come back at {@code ratePerSecond}, up to a burst of
 * {@code burst}. When a bucket is empty the client gets 429 with Retry-After.
 *
 * <p>Pure and thread-safe; time is passed in, so tests need no sleeping.
 */
public final class RateLimiter {
    /** Guessing MACs is what this mostly stops: a refused token costs ten ordinary requests. */
    public static final int FAILURE_COST = 10;
    private static final int MAX_CLIENTS = 100_000;

    private final double ratePerNano;
    private final double burst;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    private static final class Bucket {
        double tokens;
        long at;

        Bucket(double tokens, long at) {
            this.tokens = tokens;
            this.at = at;
        }
    }

    public RateLimiter(double ratePerSecond, double burst) {
        this.ratePerNano = ratePerSecond / 1e9;
        this.burst = burst;
    }

    /** Takes {@code cost} tokens; returns 0 if allowed, else the seconds to wait (>= 1). */
    public long acquire(String client, int cost, long nowNanos) {
        if (buckets.size() > MAX_CLIENTS) {
            prune(nowNanos);
        }
        Bucket b = buckets.computeIfAbsent(client, k -> new Bucket(burst, nowNanos));
        synchronized (b) {
            refill(b, nowNanos);
            if (b.tokens >= cost) {
                b.tokens -= cost;
                return 0;
            }
            double missing = cost - b.tokens;
            return Math.max(1, (long) Math.ceil(missing / ratePerNano / 1e9));
        }
    }

    /** Charges extra tokens after the fact (a request that turned out to be a refused token). */
    public void charge(String client, int cost, long nowNanos) {
        Bucket b = buckets.computeIfAbsent(client, k -> new Bucket(burst, nowNanos));
        synchronized (b) {
            refill(b, nowNanos);
            b.tokens = Math.max(-burst, b.tokens - cost);
        }
    }

    private void refill(Bucket b, long now) {
        b.tokens = Math.min(burst, b.tokens + (now - b.at) * ratePerNano);
        b.at = now;
    }

    /** Forgets clients whose buckets are full again: they are indistinguishable from new ones. */
    void prune(long nowNanos) {
        buckets.entrySet().removeIf(e -> {
            Bucket b = e.getValue();
            synchronized (b) {
                refill(b, nowNanos);
                return b.tokens >= burst;
            }
        });
    }

    int clients() {
        return buckets.size();
    }
}
