package org.prosodyfiler.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.prosodyfiler.protocol.StorePath;

/** The hot-file cache: bounded in bytes, trusted for a second, never answering for a changed file. */
class HotFilesTest {
    @TempDir
    Path dir;

    private final AtomicLong now = new AtomicLong(1_000_000_000_000L);
    private final FileMeta meta = new FileMeta(Optional.of("text/plain"), Optional.empty(), Optional.empty());

    private BasicFileAttributes write(String name, int size) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, new byte[size]);
        return Files.readAttributes(p, BasicFileAttributes.class);
    }

    private StoredFile stored(String name, BasicFileAttributes a, String etag) {
        return new StoredFile(new StorePath(name, java.util.List.of(name)), a.size(), Instant.EPOCH, etag, meta);
    }

    private static ByteBuffer bytes(int n) {
        return ByteBuffer.allocateDirect(n).asReadOnlyBuffer();
    }

    private HotFiles hotFiles(int capacity, long budget) {
        return new HotFiles(capacity, budget, now::get);
    }

    @Test
    void remembersTheFileAndItsBytes() throws IOException {
        HotFiles hot = hotFiles(10, 1 << 20);
        BasicFileAttributes a = write("a", 100);
        assertThat(hot.get("a", a)).isNull();
        StoredFile f = stored("a", a, "\"e1\"");
        hot.put("a", a, f);
        assertThat(hot.get("a", a)).isSameAs(f);
        assertThat(hot.hot("a")).isTrue();
        hot.putContent("a", "\"e1\"", bytes(100));
        assertThat(hot.content("a", "\"e1\"").remaining()).isEqualTo(100);
        assertThat(hot.content("a", "\"other\"")).isNull();
    }

    @Test
    void aStatIsTrustedForOneSecondOnly() throws IOException {
        HotFiles hot = hotFiles(10, 1 << 20);
        BasicFileAttributes a = write("a", 100);
        StoredFile f = stored("a", a, "e");
        hot.put("a", a, f);
        now.addAndGet(HotFiles.TRUST_NANOS - 1);
        assertThat(hot.trusted("a")).isSameAs(f);
        now.addAndGet(1);
        assertThat(hot.trusted("a")).isNull();
        assertThat(hot.get("a", a)).isSameAs(f); // a new stat that agrees renews the trust
        assertThat(hot.trusted("a")).isSameAs(f);
        assertThat(hot.trusted("b")).isNull();
    }

    @Test
    void aChangedFileIsNotKnown() throws IOException {
        HotFiles hot = hotFiles(10, 1 << 20);
        BasicFileAttributes a = write("a", 100);
        hot.put("a", a, stored("a", a, "e"));
        Files.setLastModifiedTime(dir.resolve("a"), FileTime.fromMillis(a.lastModifiedTime().toMillis() + 1000));
        assertThat(hot.get("a", Files.readAttributes(dir.resolve("a"), BasicFileAttributes.class))).isNull();
        assertThat(hot.get("a", write("a", 101))).isNull();
    }

    @Test
    void bytesStayWithinTheBudgetDroppingTheLeastRecentlyUsed() throws IOException {
        HotFiles hot = hotFiles(100, 10_000);
        for (int i = 0; i < 5; i++) {
            BasicFileAttributes a = write("f" + i, 4000);
            hot.put("f" + i, a, stored("f" + i, a, "e" + i));
            hot.putContent("f" + i, "e" + i, bytes(4000));
            assertThat(hot.contentBytes()).isLessThanOrEqualTo(10_000);
        }
        assertThat(hot.contentBytes()).isEqualTo(8000);
        assertThat(hot.content("f4", "e4")).isNotNull();
        assertThat(hot.content("f3", "e3")).isNotNull();
        assertThat(hot.content("f0", "e0")).isNull();
        assertThat(hot.get("f0", Files.readAttributes(dir.resolve("f0"), BasicFileAttributes.class))).isNotNull(); // the rest stays
    }

    @Test
    void filesOverTheSmallFileLimitKeepNoBytes() throws IOException {
        HotFiles hot = hotFiles(10, 1 << 20);
        BasicFileAttributes a = write("big", 10);
        hot.put("big", a, stored("big", a, "e"));
        hot.putContent("big", "e", bytes(HotFiles.SMALL_FILE + 1));
        assertThat(hot.content("big", "e")).isNull();
        assertThat(hot.contentBytes()).isZero();
    }

    @Test
    void forgettingAndEvictingReleaseTheirBytes() throws IOException {
        HotFiles hot = hotFiles(2, 1 << 20);
        for (int i = 0; i < 3; i++) {
            BasicFileAttributes a = write("f" + i, 10);
            hot.put("f" + i, a, stored("f" + i, a, "e" + i));
            hot.putContent("f" + i, "e" + i, bytes(1000));
        }
        assertThat(hot.contentBytes()).isEqualTo(2000); // capacity 2: the first entry went
        hot.forget("f2");
        assertThat(hot.contentBytes()).isEqualTo(1000);
        assertThat(hot.content("f2", "e2")).isNull();
        assertThat(hot.trusted("f2")).isNull();
    }
}
