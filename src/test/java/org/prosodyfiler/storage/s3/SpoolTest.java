package org.prosodyfiler.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolTest {
    @TempDir
    Path dir;

    @Test
    void contentsCanBeReadAgainAndTheFileIsNeverVisible() throws Exception {
        try (Spool s = Spool.create(dir)) {
            assertThat(dir).as("unlinked at once: a crash leaves nothing").isEmptyDirectory();
            s.append(ByteBuffer.wrap(new byte[] {1, 2, 3}), ByteBuffer.wrap(new byte[] {4}));
            s.append(ByteBuffer.wrap(new byte[] {5}));
            assertThat(s.length()).isEqualTo(5);
            var provider = s.contents();
            for (int i = 0; i < 2; i++) { // the SDK reads twice (hash, then send) or again on a retry
                try (InputStream in = provider.newStream()) {
                    assertThat(in.readAllBytes()).containsExactly(1, 2, 3, 4, 5);
                }
            }
            s.reset();
            assertThat(s.length()).isZero();
            s.append(ByteBuffer.wrap(new byte[] {9}));
            try (InputStream in = s.contents().newStream()) {
                assertThat(in.readAllBytes()).containsExactly(9);
            }
        }
    }

    @Test
    void partSizeGrowsOnlyWhenTenThousandPartsWouldNotDo() {
        S3Tuning t = S3Tuning.DEFAULTS;
        assertThat(t.partSizeFor(1L << 30)).isEqualTo(8 * S3Tuning.MIB);
        assertThat(t.partSizeFor(10_000 * 8 * S3Tuning.MIB)).isEqualTo(8 * S3Tuning.MIB);
        long huge = 200L << 30; // 200 GiB: 8 MiB parts would need 25,600
        long part = t.partSizeFor(huge);
        assertThat(part % S3Tuning.MIB).isZero();
        assertThat((huge + part - 1) / part).isLessThanOrEqualTo(10_000);
        assertThat(t.readinessTtl()).isEqualTo(Duration.ofSeconds(10));
    }
}
