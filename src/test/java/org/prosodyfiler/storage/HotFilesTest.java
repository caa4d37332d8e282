package org.prosodyfiler.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The small-file cache: bounded in bytes, and never answers for a file that changed. */
class HotFilesTest {
    @TempDir
    Path dir;

    private final FileMeta meta = new FileMeta(Optional.of("text/plain"), Optional.empty(), Optional.empty());

    private BasicFileAttributes file(String name, int size) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, new byte[size]);
        return Files.readAttributes(p, BasicFileAttributes.class);
    }

    private static ByteBuffer bytes(int n) {
        return ByteBuffer.allocateDirect(n).asReadOnlyBuffer();
    }

    @Test
    void keepsMetadataAndBytesOfTheFileItWasGiven() throws IOException {
        HotFiles hot = new HotFiles(10, 1 << 20);
        BasicFileAttributes a = file("a", 100);
        assertThat(hot.get("a", a)).isNull();
        hot.put("a", a, meta, "\"e1\"");
        assertThat(hot.get("a", a)).isEqualTo(new HotFiles.Known(meta, "\"e1\""));
        assertThat(hot.hot("a")).isTrue();
        hot.putContent("a", "\"e1\"", bytes(100));
        assertThat(hot.content("a", "\"e1\"").remaining()).isEqualTo(100);
        assertThat(hot.content("a", "\"other\"")).isNull();
    }

    @Test
    void aChangedFileIsNotKnown() throws IOException {
        HotFiles hot = new HotFiles(10, 1 << 20);
        BasicFileAttributes a = file("a", 100);
        hot.put("a", a, meta, "\"e1\"");
        Files.setLastModifiedTime(dir.resolve("a"), FileTime.fromMillis(a.lastModifiedTime().toMillis() + 1000));
        assertThat(hot.get("a", Files.readAttributes(dir.resolve("a"), BasicFileAttributes.class))).isNull();
        assertThat(hot.get("a", file("a", 101))).isNull();
    }

    @Test
    void bytesStayWithinTheBudgetDroppingTheLeastRecentlyUsed() throws IOException {
        HotFiles hot = new HotFiles(100, 10_000);
        for (int i = 0; i < 5; i++) {
            BasicFileAttributes a = file("f" + i, 4000);
            hot.put("f" + i, a, meta, "e" + i);
            hot.putContent("f" + i, "e" + i, bytes(4000));
            assertThat(hot.contentBytes()).isLessThanOrEqualTo(10_000);
        }
        assertThat(hot.contentBytes()).isEqualTo(8000);
        assertThat(hot.content("f4", "e4")).isNotNull();
        assertThat(hot.content("f3", "e3")).isNotNull();
        assertThat(hot.content("f0", "e0")).isNull();
        assertThat(hot.get("f0", Files.readAttributes(dir.resolve("f0"), BasicFileAttributes.class))).isNotNull(); // metadata stays
    }

    @Test
    void filesOverTheSmallFileLimitKeepNoBytes() throws IOException {
        HotFiles hot = new HotFiles(10, 1 << 20);
        hot.put("big", file("big", 10), meta, "e");
        hot.putContent("big", "e", bytes(HotFiles.SMALL_FILE + 1));
        assertThat(hot.content("big", "e")).isNull();
        assertThat(hot.contentBytes()).isZero();
    }

    @Test
    void forgettingAndEvictingReleaseTheirBytes() throws IOException {
        HotFiles hot = new HotFiles(2, 1 << 20);
        for (int i = 0; i < 3; i++) {
            hot.put("f" + i, file("f" + i, 10), meta, "e" + i);
            hot.putContent("f" + i, "e" + i, bytes(1000));
        }
        assertThat(hot.contentBytes()).isEqualTo(2000); // capacity 2: the first entry went
        hot.forget("f2");
        assertThat(hot.contentBytes()).isEqualTo(1000);
        assertThat(hot.content("f2", "e2")).isNull();
    }
}
