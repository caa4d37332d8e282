package org.prosodyfiler.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The global upload budget wakes paused uploads a few at a time, never losing one. */
class UploadBudgetTest {
    private static final long KIB = 1024;

    @Test
    void wakesOnlyAsManyUploadsAsTheRoomHolds() {
        UploadBudget budget = new UploadBudget(1024 * KIB, 512 * KIB);
        budget.add(2048 * KIB);
        assertThat(budget.exhausted()).isTrue();
        AtomicInteger woken = new AtomicInteger();
        for (int i = 0; i < 100; i++) {
            budget.whenRoom(woken::incrementAndGet);
        }
        assertThat(woken).hasValue(0);
        budget.release(1024 * KIB); // 1 MiB left: not below the low mark yet
        assertThat(woken).hasValue(0);
        budget.release(768 * KIB); // 256 KiB left: room for 768 KiB, twelve 64 KiB reads
        assertThat(woken).hasValue(12);
        budget.release(128 * KIB); // 128 KiB left: fourteen more
        assertThat(woken).hasValue(26);
        budget.release(128 * KIB); // nothing queued: nothing else would wake the rest
        assertThat(woken).hasValue(100);
    }

    @Test
    void aWaiterRegisteringWhenThereIsRoomRunsAtOnce() {
        UploadBudget budget = new UploadBudget(1024 * KIB, 512 * KIB);
        budget.add(100 * KIB);
        AtomicInteger woken = new AtomicInteger();
        budget.whenRoom(woken::incrementAndGet);
        assertThat(woken).hasValue(1);
    }
}
