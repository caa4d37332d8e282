package org.prosodyfiler.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RateLimiterTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void burstThenSteadyRate() {
        RateLimiter l = new RateLimiter(10, 40);
        for (int i = 0; i < 40; i++) {
            assertThat(l.acquire("a", 1, 0)).isZero();
        }
        assertThat(l.acquire("a", 1, 0)).isEqualTo(1); // empty: retry after a second
        assertThat(l.acquire("b", 1, 0)).isZero(); // other clients are not affected
        assertThat(l.acquire("a", 1, SECOND / 10)).isZero(); // one token back after 100 ms
        assertThat(l.acquire("a", 1, SECOND / 10)).isPositive();
    }

    @Test
    void refusedTokensCostMore() {
        RateLimiter l = new RateLimiter(1, 20);
        l.charge("x", RateLimiter.FAILURE_COST - 1, 0);
        l.acquire("x", 1, 0);
        l.charge("x", RateLimiter.FAILURE_COST - 1, 0);
        l.acquire("x", 1, 0);
        assertThat(l.acquire("x", 1, 0)).isGreaterThanOrEqualTo(1);
        assertThat(l.acquire("x", 1, 30 * SECOND)).isZero();
    }

    @Test
    void fullBucketsAreForgotten() {
        RateLimiter l = new RateLimiter(1, 5);
        l.acquire("a", 1, 0);
        l.acquire("b", 1, 0);
        l.prune(100 * SECOND);
        assertThat(l.clients()).isZero();
    }
}
