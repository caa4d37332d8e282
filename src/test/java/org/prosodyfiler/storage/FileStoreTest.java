package org.prosodyfiler.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.prosodyfiler.protocol.PathDecoder;
import org.prosodyfiler.protocol.StorePath;

/** The Store contract on real disks, with metadata in xattrs and in sidecar files. */
class FileStoreTest {
    @TempDir
    Path dir;

    private FileStore open(boolean xattrs) throws IOException {
        return new FileStore(dir.resolve("store"), false, 0, xattrs);
    }

    private static StorePath path(String raw) {
        return ((PathDecoder.Ok) PathDecoder.decode(raw)).path();
    }

    private static ByteBuffer[] bytes(String s) {
        return new ByteBuffer[] {ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8))};
    }

    /** One whole upload of {@code body} to {@code raw}, published. */
    private static StoredFile publish(FileStore s, String raw, String body, FileMeta meta) throws StoreException {
        Store.PendingUpload u = s.begin(path(raw), body.getBytes(StandardCharsets.UTF_8).length, meta);
        u.write(bytes(body));
        return u.commit();
    }

    private static final FileMeta META = new FileMeta(Optional.of("image/png"), Optional.of(Instant.ofEpochSecond(2_000_000_000L)), Optional.of("romeo@example.org"));

    @ParameterizedTest(name = "xattrs={0}")
    @ValueSource(booleans = {true, false})
    void uploadIsInvisibleUntilCommitThenHasItsMeta(boolean xattrs) throws Exception {
        try (FileStore s = open(xattrs)) {
            Store.PendingUpload u = s.begin(path("a/b.png"), 10, META);
            u.write(bytes("01234"));
            assertThat(s.stat(path("a/b.png"))).isInstanceOf(Lookup.Missing.class);
            u.write(bytes("56789"));
            StoredFile f = u.commit();
            assertThat(f.size()).isEqualTo(10);
            Lookup l = s.stat(path("a/b.png"));
            assertThat(l).isInstanceOf(Lookup.Found.class);
            assertThat(((Lookup.Found) l).file().meta()).isEqualTo(META);
            assertThat(Files.readString(s.root().resolve("a/b.png"))).isEqualTo("0123456789");
            assertThat(s.stat(path("a"))).isInstanceOf(Lookup.NotAFile.class);
        }
    }

    @ParameterizedTest(name = "xattrs={0}")
    @ValueSource(booleans = {true, false})
    void aFileRemovedBehindOurBackAndUploadedAgainIsServedNew(boolean xattrs) throws Exception {
        try (FileStore s = open(xattrs)) {
            publish(s, "r/again.txt", "old", FileMeta.NONE);
            StoredFile old = ((Lookup.Found) s.stat(path("r/again.txt"))).file(); // now trusted for a second
            Files.delete(s.root().resolve("r/again.txt")); // e.g. the purge command, another process
            publish(s, "r/again.txt", "newer", META);
            StoredFile now = ((Lookup.Found) s.stat(path("r/again.txt"))).file();
            assertThat(now.size()).isEqualTo(5);
            assertThat(now.etag()).isNotEqualTo(old.etag());
            assertThat(now.meta()).isEqualTo(META);
        }
    }

    @ParameterizedTest(name = "xattrs={0}")
    @ValueSource(booleans = {true, false})
    void secondCommitLosesAndFirstFileIsKept(boolean xattrs) throws Exception {
        try (FileStore s = open(xattrs)) {
            Store.PendingUpload a = s.begin(path("x/y"), 1, META);
            Store.PendingUpload b = s.begin(path("x/y"), 1, FileMeta.NONE);
            a.write(bytes("A"));
            b.write(bytes("B"));
            a.commit();
            assertThatThrownBy(b::commit).isInstanceOf(StoreException.class)
                    .extracting(e -> ((StoreException) e).kind()).isEqualTo(StoreException.Kind.EXISTS);
            assertThat(Files.readString(s.root().resolve("x/y"))).isEqualTo("A");
            assertThat(((Lookup.Found) s.stat(path("x/y"))).file().meta()).isEqualTo(META);
            assertThatThrownBy(() -> s.begin(path("x/y"), 1, FileMeta.NONE)).isInstanceOf(StoreException.class);
            assertThat(tempFiles(s)).isEmpty();
        }
    }

    /** A replay whose body has all arrived skips the early check; the commit still refuses it. */
    @ParameterizedTest(name = "xattrs={0}")
    @ValueSource(booleans = {true, false})
    void bodyInHandOverAnExistingFileIsRefusedAtCommit(boolean xattrs) throws Exception {
        try (FileStore s = open(xattrs)) {
            publish(s, "r/kept.txt", "first", META);
            Store.PendingUpload replay = s.beginWithBodyInHand(path("r/kept.txt"), 6, FileMeta.NONE);
            replay.write(bytes("second"));
            assertThatThrownBy(replay::commit).isInstanceOf(StoreException.class)
                    .extracting(e -> ((StoreException) e).kind()).isEqualTo(StoreException.Kind.EXISTS);
            assertThat(Files.readString(s.root().resolve("r/kept.txt"))).isEqualTo("first");
            assertThat(((Lookup.Found) s.stat(path("r/kept.txt"))).file().meta()).isEqualTo(META);
            assertThat(tempFiles(s)).isEmpty();
            // Without the body in hand the refusal comes before any byte is read.
            assertThatThrownBy(() -> s.begin(path("r/kept.txt"), 6, FileMeta.NONE)).isInstanceOf(StoreException.class)
                    .extracting(e -> ((StoreException) e).kind()).isEqualTo(StoreException.Kind.EXISTS);
        }
    }

    @ParameterizedTest(name = "xattrs={0}")
    @ValueSource(booleans = {true, false})
    void shortOrLongBodiesNeverPublish(boolean xattrs) throws Exception {
        try (FileStore s = open(xattrs)) {
            Store.PendingUpload u = s.begin(path("s/short"), 5, FileMeta.NONE);
            u.write(bytes("abc"));
            assertThatThrownBy(u::commit).extracting(e -> ((StoreException) e).kind()).isEqualTo(StoreException.Kind.INCOMPLETE);
            Store.PendingUpload v = s.begin(path("s/long"), 2, FileMeta.NONE);
            assertThatThrownBy(() -> v.write(bytes("abc"))).extracting(e -> ((StoreException) e).kind()).isEqualTo(StoreException.Kind.INCOMPLETE);
            v.abort();
            assertThat(s.root().resolve("s/short")).doesNotExist();
            assertThat(s.root().resolve("s/long")).doesNotExist();
            assertThat(tempFiles(s)).isEmpty();
        }
    }

    @ParameterizedTest(name = "xattrs={0}")
    @ValueSource(booleans = {true, false})
    void forEachSeesPublishedFilesOnlyAndDeleteRemovesMeta(boolean xattrs) throws Exception {
        try (FileStore s = open(xattrs)) {
            for (String p : List.of("u1/a/one.txt", "u1/b/two.txt", "u2/c/tr%c3%a8s.txt")) {
                publish(s, p, "z", META);
            }
            s.begin(path("u3/pending"), 1, FileMeta.NONE); // never committed
            List<String> seen = new ArrayList<>();
            s.forEach(f -> seen.add(f.path().value()));
            assertThat(seen).containsExactlyInAnyOrder("u1/a/one.txt", "u1/b/two.txt", "u2/c/très.txt");
            assertThat(s.delete(path("u1/a/one.txt"))).isTrue();
            assertThat(s.delete(path("u1/a/one.txt"))).isFalse();
            s.pruneEmptyDirectories();
            assertThat(s.root().resolve("u1/a")).doesNotExist();
            assertThat(s.root().resolve("u1/b")).exists();
            // a new upload at a deleted path starts with no stale metadata
            publish(s, "u1/a/one.txt", "q", FileMeta.NONE);
            assertThat(((Lookup.Found) s.stat(path("u1/a/one.txt"))).file().meta()).isEqualTo(FileMeta.NONE);
        }
    }

    @org.junit.jupiter.api.Test
    void recoverDeletesTempFilesOfDeadProcessesOnly() throws Exception {
        Path store = dir.resolve("store");
        Path deadDir;
        try (FileStore first = open(true)) {
            first.begin(path("a/b"), 10, FileMeta.NONE).write(bytes("12345"));
            deadDir = first.tmpDir();
        }
        // Simulate a crashed process: its temp dir, named for a pid that is not running.
        Path crashed = store.resolve(".prosody-filer/tmp/999999999-1-deadbeef");
        Files.createDirectories(crashed);
        Files.writeString(crashed.resolve("x.part"), "half an upload");
        try (FileStore second = open(true); FileStore third = open(true)) {
            Path live = second.tmpDir();
            third.recover();
            assertThat(crashed).doesNotExist();
            assertThat(live).exists(); // a running process's temp dir is left alone
        }
        assertThat(deadDir).doesNotExist();
    }

    @org.junit.jupiter.api.Test
    void readinessReportsWritableStore() throws Exception {
        try (FileStore s = open(true)) {
            assertThat(s.readiness().ready()).isTrue();
        }
        try (FileStore s = new FileStore(dir.resolve("store2"), false, Long.MAX_VALUE / 2)) {
            assertThat(s.readiness().ready()).isFalse();
            assertThat(s.readiness().detail()).contains("minFreeSpace");
        }
    }

    private static List<Path> tempFiles(FileStore s) throws IOException {
        try (var w = Files.walk(s.tmpDir())) {
            return w.filter(p -> p.toString().endsWith(".part")).toList();
        }
    }
}
