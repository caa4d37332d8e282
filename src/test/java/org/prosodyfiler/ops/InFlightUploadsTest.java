package org.prosodyfiler.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.prosodyfiler.ops.health.InFlightUploads;

class InFlightUploadsTest {

    @Test
    void awaitReturnsAtOnceWhenIdle() throws Exception {
        InFlightUploads u = new InFlightUploads();
        long t0 = System.nanoTime();
        assertThat(u.awaitNone(Duration.ofSeconds(10))).isTrue();
        assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(1));
    }

    @Test
    void awaitWakesWhenTheLastUploadEnds() throws Exception {
        InFlightUploads u = new InFlightUploads();
        u.onUploadStarted();
        u.onUploadStarted();
        assertThat(u.current()).isEqualTo(2);
        CompletableFuture<Boolean> waited = CompletableFuture.supplyAsync(() -> {
            try {
                return u.awaitNone(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        u.onUploadEnded();
        Thread.sleep(100);
        assertThat(waited).isNotDone();
        u.onUploadEnded();
        assertThat(waited.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(u.current()).isZero();
    }

    @Test
    void awaitGivesUpAfterTheLimit() throws Exception {
        InFlightUploads u = new InFlightUploads();
        u.onUploadStarted();
        long t0 = System.nanoTime();
        assertThat(u.awaitNone(Duration.ofMillis(300))).isFalse();
        assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(290));
    }
}
