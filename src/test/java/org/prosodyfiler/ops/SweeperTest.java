package org.prosodyfiler.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.prosodyfiler.protocol.StorePath;
import org.prosodyfiler.storage.FileMeta;
import org.prosodyfiler.storage.FileStore;
import org.prosodyfiler.storage.Lookup;
import org.prosodyfiler.storage.Body;
import org.prosodyfiler.storage.Store;
import org.prosodyfiler.storage.StoreException;
import org.prosodyfiler.storage.StoredFile;

class SweeperTest {
    private static final Instant NOON = Instant.parse("2026-11-29T12:30:00Z");

    @TempDir
    Path dir;

    @Test
    void evictsTheOldestFilesFirstAcrossHoursAndWithinOneSecond() throws Exception {
        Path root = dir.resolve("store");
        try (FileStore store = new FileStore(root, false, 0)) {
            // 700 bytes; keep at most 350: the four oldest go, down to the millisecond.
            file(root, "a/old.bin", NOON.minus(Duration.ofHours(5)));
            file(root, "b/old.bin", NOON.minus(Duration.ofHours(5)).plusSeconds(1));
            file(root, "c/older.bin", NOON.minus(Duration.ofHours(2)));
            file(root, "d/first.bin", NOON.minus(Duration.ofHours(1)).plusMillis(100));
            file(root, "e/second.bin", NOON.minus(Duration.ofHours(1)).plusMillis(900));
            file(root, "f/recent.bin", NOON.minus(Duration.ofMinutes(10)));
            file(root, "g/new.bin", NOON);

            Sweeper.Result r = new Sweeper(store, Lifecycle.keepForever(), null, 350, Clock.fixed(NOON, ZoneOffset.UTC)).sweepOnce();

            assertThat(r.evicted()).isEqualTo(4);
            assertThat(r.evictedBytes()).isEqualTo(400);
            assertThat(r.files()).isEqualTo(3);
            assertThat(r.bytes()).isEqualTo(300);
            assertThat(root.resolve("a/old.bin")).doesNotExist();
            assertThat(root.resolve("b/old.bin")).doesNotExist();
            assertThat(root.resolve("c/older.bin")).doesNotExist();
            assertThat(root.resolve("d/first.bin")).doesNotExist();
            assertThat(root.resolve("e/second.bin")).exists();
            assertThat(root.resolve("f/recent.bin")).exists();
            assertThat(root.resolve("g/new.bin")).exists();
            assertThat(root.resolve("a")).doesNotExist(); // emptied directories are pruned
        }
    }

    @Test
    void underTheLimitNothingIsEvicted() throws Exception {
        Path root = dir.resolve("store");
        try (FileStore store = new FileStore(root, false, 0)) {
            file(root, "a/x.bin", NOON.minus(Duration.ofDays(300)));
            file(root, "b/y.bin", NOON);
            Sweeper.Result r = new Sweeper(store, Lifecycle.keepForever(), null, 200, Clock.fixed(NOON, ZoneOffset.UTC)).sweepOnce();
            assertThat(r.evicted()).isZero();
            assertThat(r.files()).isEqualTo(2);
            assertThat(root.resolve("a/x.bin")).exists();
        }
    }

    @Test
    void aFileDeletedBySomeoneElseDuringTheSweepIsNotCountedOrMadeUpFor() throws Exception {
        Path root = dir.resolve("store");
        try (FileStore files = new FileStore(root, false, 0)) {
            // 400 bytes, keep at most 250; after the first walk the purge command removes the oldest.
            file(root, "a/oldest.bin", NOON.minusSeconds(40));
            file(root, "b/older.bin", NOON.minusSeconds(30));
            file(root, "c/newer.bin", NOON.minusSeconds(20));
            file(root, "d/newest.bin", NOON.minusSeconds(10));
            Store store = new PurgedAfterFirstWalk(files, root.resolve("a/oldest.bin"));

            Sweeper.Result r = new Sweeper(store, Lifecycle.keepForever(), null, 250, Clock.fixed(NOON, ZoneOffset.UTC)).sweepOnce();

            assertThat(root.resolve("b/older.bin")).doesNotExist();
            assertThat(root.resolve("c/newer.bin")).exists();
            assertThat(root.resolve("d/newest.bin")).exists();
            assertThat(r.evicted()).isEqualTo(1);
            assertThat(r.files()).isEqualTo(2);
            assertThat(r.bytes()).isEqualTo(200);
        }
    }

    /** A file store whose given file another process deletes right after the first walk. */
    private static final class PurgedAfterFirstWalk implements Store {
        private final FileStore files;
        private final Path victim;
        private int walks;

        PurgedAfterFirstWalk(FileStore files, Path victim) {
            this.files = files;
            this.victim = victim;
        }

        @Override
        public void forEach(Consumer<StoredFile> visitor) throws IOException {
            files.forEach(visitor);
            if (++walks == 1) {
                Files.delete(victim);
            }
        }

        @Override
        public boolean delete(StorePath path) throws IOException {
            return files.delete(path);
        }

        @Override
        public void pruneEmptyDirectories() throws IOException {
            files.pruneEmptyDirectories();
        }

        @Override
        public PendingUpload begin(StorePath path, long size, FileMeta meta) throws StoreException {
            return files.begin(path, size, meta);
        }

        @Override
        public Lookup stat(StorePath path) throws IOException {
            return files.stat(path);
        }

        @Override
        public Body open(StoredFile file, long offset, long length) throws IOException {
            return files.open(file, offset, length);
        }

        @Override
        public void recover() {
        }

        @Override
        public Store.Readiness readiness() {
            return files.readiness();
        }

        @Override
        public void close() {
        }
    }

    /**
     * The sweep holds no list of the store: a million files pass through a JVM with a 32 MiB heap
     * (the kept list of before needed ~400 bytes a file), including an eviction of half of them
     * that were uploaded in a burst, 300 a second, so that the cut-off hour holds ~1 million.
     */
    @Test
    void sweepsAMillionFilesInA32MiBHeap() throws Exception {
        Process p = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx32m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                MillionFiles.class.getName())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("files=500000 bytes=500000000 evicted=500000 evictedBytes=500000000 deleted=500000");
    }

    /** Run in a child JVM by {@link #sweepsAMillionFilesInA32MiBHeap}. */
    public static final class MillionFiles {
        public static void main(String[] args) throws IOException {
            GeneratedStore store = new GeneratedStore(1_000_000, 1000, NOON.minus(Duration.ofDays(2)));
            Sweeper sweeper = new Sweeper(store, Lifecycle.keepForever(), null, 500_000_000L, Clock.fixed(NOON, ZoneOffset.UTC));
            Sweeper.Result r = sweeper.sweepOnce();
            System.out.printf("files=%d bytes=%d evicted=%d evictedBytes=%d deleted=%d%n",
                    r.files(), r.bytes(), r.evicted(), r.evictedBytes(), store.deleted);
        }
    }

    /**
     * A store that makes up its listing as it is walked: file i has 1000 bytes and was uploaded
     * at {@code start + i / 300} seconds. It forgets nothing and keeps nothing, so what the heap
     * holds is the sweeper's own doing.
     */
    static final class GeneratedStore implements Store {
        private final int count;
        private final long size;
        private final Instant start;
        long deleted;

        GeneratedStore(int count, long size, Instant start) {
            this.count = count;
            this.size = size;
            this.start = start;
        }

        @Override
        public void forEach(Consumer<StoredFile> visitor) {
            for (int i = 0; i < count; i++) {
                String dir = "dir" + i;
                StorePath path = new StorePath(dir + "/photo.jpg", List.of(dir, "photo.jpg"));
                Instant at = start.plusSeconds(i / 300).plusMillis(i % 300);
                visitor.accept(new StoredFile(path, size, at, "\"" + i + "\"", FileMeta.NONE));
            }
        }

        @Override
        public boolean delete(StorePath path) {
            deleted++;
            return true;
        }

        @Override
        public PendingUpload begin(StorePath path, long size, FileMeta meta) throws StoreException {
            throw new UnsupportedOperationException();
        }

        @Override
        public Lookup stat(StorePath path) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Body open(StoredFile file, long offset, long length) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void recover() {
        }

        @Override
        public Store.Readiness readiness() {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {
        }
    }

    private static void file(Path root, String path, Instant mtime) throws IOException {
        Path f = root.resolve(path);
        Files.createDirectories(f.getParent());
        Files.write(f, new byte[100]);
        Files.setLastModifiedTime(f, FileTime.from(mtime));
    }
}
