package org.prosodyfiler.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.prosodyfiler.config.ConfigException;
import org.prosodyfiler.config.ConfigLoader;
import org.prosodyfiler.protocol.PathDecoder;
import org.prosodyfiler.protocol.StorePath;
import org.prosodyfiler.storage.Body;
import org.prosodyfiler.storage.FileMeta;
import org.prosodyfiler.storage.Lookup;
import org.prosodyfiler.storage.Store;
import org.prosodyfiler.storage.StoreException;
import org.prosodyfiler.storage.StoredFile;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Object;

/** The {@link Store} contract, held by {@link S3Store} against a real S3 server (S3Proxy). */
class S3StoreIT extends S3BucketTests {
    private static final long MIB = 1024 * 1024;
    /** Small enough to test multipart with 20 MiB, and S3's minimum part size. */
    private static final S3Tuning SMALL = new S3Tuning(5 * MIB, 5 * MIB, 4, 4, Duration.ZERO, Duration.ofDays(1));

    private S3Store store;

    @BeforeEach
    void openStore() throws IOException {
        store = open("files/", SMALL); // the bucket is new for every test (S3BucketTests)
    }

    @AfterEach
    void closeStore() throws IOException {
        store.close();
    }

    private S3Store open(String prefix, S3Tuning tuning) throws IOException {
        S3Store s = new S3Store(S3Clients.build(s3.settings(bucket, prefix)), bucket, prefix, dir.resolve("spool"), 0,
                tuning, "test bucket " + bucket, Clock.systemUTC());
        s.start();
        return s;
    }

    static StorePath path(String raw) {
        return ((PathDecoder.Ok) PathDecoder.decode(raw)).path();
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Writes {@code data} in chunks of varying size, as the HTTP layer hands them over. */
    static Store.PendingUpload write(Store.PendingUpload u, byte[] data, long seed) throws StoreException {
        Random r = new Random(seed);
        int pos = 0;
        while (pos < data.length) {
            int a = Math.min(data.length - pos, 1 + r.nextInt(200_000));
            int b = Math.min(data.length - pos - a, r.nextInt(70_000));
            // two buffers per call, like a gathering write of several ByteBufs
            u.write(new ByteBuffer[] {ByteBuffer.wrap(data, pos, a), ByteBuffer.wrap(data, pos + a, b)});
            pos += a + b;
        }
        return u;
    }

    private StoredFile upload(String raw, byte[] data, FileMeta meta) throws StoreException {
        return write(store.begin(path(raw), data.length, meta), data, data.length).commit();
    }

    private static byte[] read(Store s, StoredFile f, long offset, long length) throws Exception {
        Body body = s.open(f, offset, length);
        assertThat(body).isInstanceOf(Body.StreamBody.class);
        assertThat(body.length()).isEqualTo(length);
        try (InputStream in = ((Body.StreamBody) body).stream()) {
            return in.readAllBytes();
        }
    }

    private StoredFile found(String raw) throws IOException {
        Lookup l = store.stat(path(raw));
        assertThat(l).isInstanceOf(Lookup.Found.class);
        return ((Lookup.Found) l).file();
    }

    private List<String> keys() {
        return s3.admin().listObjectsV2(b -> b.bucket(bucket)).contents().stream().map(S3Object::key).toList();
    }

    private int multipartUploads() {
        return s3.admin().listMultipartUploads(b -> b.bucket(bucket)).uploads().size();
    }

    @Test
    void conditionalWritesAreDetectedAsSupported() {
        assertThat(store.conditionalWrites()).isEqualTo(ConditionalWrites.SUPPORTED);
        assertThat(keys()).as("the startup probe cleans up after itself").isEmpty();
    }

    @Test
    void smallUploadRoundTripsBytesAndMetadata() throws Exception {
        byte[] data = random(300_000, 1);
        FileMeta meta = new FileMeta(Optional.of("image/jpeg; name=\"très\""), Optional.of(Instant.ofEpochSecond(4_000_000_000L)),
                Optional.of("jüliet@example.org"));
        Instant before = Instant.now().minusSeconds(1);
        StoredFile committed = upload("abc/photo%20one.jpg", data, meta);

        assertThat(keys()).containsExactly("files/abc/photo one.jpg");
        StoredFile f = found("abc/photo%20one.jpg");
        assertThat(f.size()).isEqualTo(data.length);
        assertThat(f.meta()).isEqualTo(meta);
        assertThat(f.etag()).isEqualTo(committed.etag()).matches("\"[!#-~]+\"");
        assertThat(f.lastModified()).isEqualTo(committed.lastModified()).isBetween(before, Instant.now().plusSeconds(1));
        assertThat(read(store, f, 0, data.length)).isEqualTo(data);

        HeadObjectResponse raw = s3.admin().headObject(b -> b.bucket(bucket).key("files/abc/photo one.jpg"));
        assertThat(raw.metadata()).containsKeys("pf-type", "pf-expires", "pf-owner", "pf-uploaded");
        assertThat(raw.contentType()).isEqualTo("application/octet-stream"); // not plain ASCII: kept in metadata only
    }

    @Test
    void plainContentTypeIsAlsoTheObjectsOwn() throws Exception {
        upload("t/a.png", random(10, 2), new FileMeta(Optional.of("image/png"), Optional.empty(), Optional.empty()));
        assertThat(s3.admin().headObject(b -> b.bucket(bucket).key("files/t/a.png")).contentType()).isEqualTo("image/png");
        assertThat(found("t/a.png").meta()).isEqualTo(new FileMeta(Optional.of("image/png"), Optional.empty(), Optional.empty()));
    }

    @Test
    void emptyUploadIsAnEmptyObject() throws Exception {
        StoredFile f = store.begin(path("e/empty.txt"), 0, FileMeta.NONE).commit();
        assertThat(f.size()).isZero();
        assertThat(found("e/empty.txt").meta()).isEqualTo(FileMeta.NONE);
    }

    @Test
    void rangesReturnExactlyTheRequestedBytes() throws Exception {
        byte[] data = random(1_000_003, 3);
        StoredFile f = upload("r/data.bin", data, FileMeta.NONE);
        assertThat(read(store, f, 0, 1)).containsExactly(data[0]);
        assertThat(read(store, f, 999_999, 4)).isEqualTo(Arrays.copyOfRange(data, 999_999, 1_000_003));
        assertThat(read(store, f, 12_345, 500_000)).isEqualTo(Arrays.copyOfRange(data, 12_345, 512_345));
    }

    @Test
    void closingADownloadEarlyIsFine() throws Exception {
        byte[] data = random(3_000_000, 4);
        StoredFile f = upload("r/big.bin", data, FileMeta.NONE);
        Body body = store.open(f, 0, data.length);
        try {
            byte[] first = ((Body.StreamBody) body).stream().readNBytes(1000);
            assertThat(first).isEqualTo(Arrays.copyOf(data, 1000));
        } finally {
            body.close(); // drops the connection rather than reading 3 MB to reuse it
        }
        assertThat(read(store, f, 2_000_000, 10)).isEqualTo(Arrays.copyOfRange(data, 2_000_000, 2_000_010));
    }

    @Test
    void secondUploadOfAPathIsRefusedBeforeTheBody() throws Exception {
        byte[] first = random(1000, 5);
        upload("x/same.txt", first, FileMeta.NONE);
        assertThatThrownBy(() -> store.begin(path("x/same.txt"), 10, FileMeta.NONE))
                .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.EXISTS));
        assertThat(read(store, found("x/same.txt"), 0, 1000)).isEqualTo(first);
    }

    @Test
    void whenTwoUploadsRaceTheSecondCommitGetsExistsAndChangesNothing() throws Exception {
        byte[] a = random(4000, 6);
        byte[] b = random(4000, 7);
        Store.PendingUpload ua = write(store.begin(path("race/small.txt"), a.length, FileMeta.NONE), a, 1);
        Store.PendingUpload ub = write(store.begin(path("race/small.txt"), b.length, FileMeta.NONE), b, 2);
        ua.commit();
        assertThatThrownBy(ub::commit)
                .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.EXISTS));
        assertThat(read(store, found("race/small.txt"), 0, a.length)).isEqualTo(a);
    }

    @Test
    void racingMultipartUploadsAlsoNeverOverwrite() throws Exception {
        byte[] a = random((int) (6 * MIB), 8);
        byte[] b = random((int) (7 * MIB), 9);
        Store.PendingUpload ua = write(store.begin(path("race/big.bin"), a.length, FileMeta.NONE), a, 3);
        Store.PendingUpload ub = write(store.begin(path("race/big.bin"), b.length, FileMeta.NONE), b, 4);
        ub.commit();
        assertThatThrownBy(ua::commit)
                .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.EXISTS));
        StoredFile f = found("race/big.bin");
        assertThat(f.size()).isEqualTo(b.length);
        assertThat(read(store, f, 0, b.length)).isEqualTo(b);
        assertThat(multipartUploads()).as("the losing multipart upload is aborted").isZero();
    }

    @Test
    void multipartUploadOfTwentyMegabytes() throws Exception {
        byte[] data = random((int) (20 * MIB + 123), 10);
        FileMeta meta = new FileMeta(Optional.of("video/mp4"), Optional.empty(), Optional.of("romeo@example.net"));
        StoredFile committed = upload("mp/movie.mp4", data, meta);

        StoredFile f = found("mp/movie.mp4");
        assertThat(f.size()).isEqualTo(data.length);
        assertThat(f.meta()).isEqualTo(meta);
        assertThat(f.etag()).isEqualTo(committed.etag());
        // S3's ETag of a multipart object is "<md5 of part md5s>-<parts>": 4 full parts + 123 bytes.
        assertThat(f.etag()).endsWith("-5\"");
        assertThat(read(store, f, 0, data.length)).isEqualTo(data);
        long boundary = 5 * MIB;
        assertThat(read(store, f, boundary - 10, 20)).isEqualTo(Arrays.copyOfRange(data, (int) boundary - 10, (int) boundary + 10));
        assertThat(multipartUploads()).isZero();
    }

    @Test
    void uploadOfExactlyTwoPartsSendsNoEmptyPart() throws Exception {
        byte[] data = random((int) (10 * MIB), 11);
        StoredFile f = upload("mp/two.bin", data, FileMeta.NONE);
        assertThat(f.etag()).endsWith("-2\"");
        assertThat(read(store, found("mp/two.bin"), 0, data.length)).isEqualTo(data);
    }

    @Test
    void abortLeavesNothingBehind() throws Exception {
        Store.PendingUpload small = store.begin(path("ab/small"), 100, FileMeta.NONE);
        small.write(new ByteBuffer[] {ByteBuffer.wrap(random(60, 12))});
        small.abort();
        small.abort(); // idempotent

        byte[] big = random((int) (12 * MIB), 13);
        Store.PendingUpload large = store.begin(path("ab/large"), big.length + 5, FileMeta.NONE);
        write(large, big, 5); // two parts sent, one in flight or done
        assertThat(multipartUploads()).isEqualTo(1);
        large.abort();

        assertThat(keys()).isEmpty();
        assertThat(multipartUploads()).isZero();
        assertThat(store.stat(path("ab/large"))).isEqualTo(Lookup.MISSING);
        assertThat(dir.resolve("spool")).isEmptyDirectory();
    }

    @Test
    void anIncompleteBodyNeverBecomesAnObject() throws Exception {
        Store.PendingUpload small = store.begin(path("inc/small"), 1000, FileMeta.NONE);
        write(small, random(999, 14), 6);
        assertThatThrownBy(small::commit)
                .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.INCOMPLETE));
        small.abort();

        Store.PendingUpload large = store.begin(path("inc/large"), 11 * MIB, FileMeta.NONE);
        write(large, random((int) (11 * MIB - 1), 15), 7);
        assertThatThrownBy(large::commit).isInstanceOf(StoreException.class);
        large.abort();

        Store.PendingUpload tooLong = store.begin(path("inc/long"), 10, FileMeta.NONE);
        assertThatThrownBy(() -> tooLong.write(new ByteBuffer[] {ByteBuffer.wrap(new byte[11])}))
                .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.INCOMPLETE));
        tooLong.abort();

        assertThat(keys()).isEmpty();
        assertThat(multipartUploads()).isZero();
    }

    @Test
    void forEachPagesThroughEverythingWithMetadataAndSkipsForeignKeys() throws Exception {
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 23; i++) {
            String p = "dir" + (i % 3) + "/file-" + i + ".txt";
            upload(p, ("content " + i).getBytes(StandardCharsets.UTF_8),
                    new FileMeta(Optional.of("text/plain"), Optional.empty(), Optional.of("owner" + (i % 2))));
            expected.add(p);
        }
        // Characters that URL-encoded listings must give back exactly ("+" is not a space).
        upload("odd/a+b%25c%20d.txt", "odd".getBytes(StandardCharsets.UTF_8), FileMeta.NONE);
        expected.add("odd/a+b%c d.txt");
        // Objects our uploads could never have made are not ours to serve or expire.
        s3.admin().putObject(b -> b.bucket(bucket).key("files/.prosody-filer/x"), RequestBody.fromString("internal"));
        s3.admin().putObject(b -> b.bucket(bucket).key("files/bell\u0007.txt"), RequestBody.fromString("control character"));
        s3.admin().putObject(b -> b.bucket(bucket).key("elsewhere/c.txt"), RequestBody.fromString("other prefix"));

        List<StoredFile> seen = new ArrayList<>();
        store.forEach(seen::add); // pages of 4 keys: 7 ListObjectsV2 calls
        List<StoredFile> listed = new ArrayList<>();
        store.forEachCounted(listed::add);
        assertThat(listed).extracting(f -> f.path().value()).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(listed).extracting(StoredFile::size).containsExactlyInAnyOrderElementsOf(seen.stream().map(StoredFile::size).toList());
        assertThat(seen).extracting(f -> f.path().value()).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(seen).allSatisfy(f -> {
            assertThat(f.size()).isPositive();
            if (f.path().value().startsWith("dir")) {
                assertThat(f.meta().contentType()).contains("text/plain");
                assertThat(f.meta().owner()).isPresent();
            }
        });
    }

    @Test
    void deleteRemovesTheObjectAndSaysWhetherItWasThere() throws Exception {
        upload("d/gone.txt", random(10, 16), FileMeta.NONE);
        assertThat(store.delete(path("d/gone.txt"))).isTrue();
        assertThat(store.delete(path("d/gone.txt"))).isFalse();
        assertThat(store.stat(path("d/gone.txt"))).isEqualTo(Lookup.MISSING);
        assertThat(keys()).isEmpty();
    }

    @Test
    void openRefusesAnObjectThatWasReplacedAfterTheLookup() throws Exception {
        StoredFile old = upload("re/place.bin", random(5000, 17), FileMeta.NONE);
        store.delete(path("re/place.bin"));
        upload("re/place.bin", random(5000, 18), FileMeta.NONE);
        assertThatThrownBy(() -> store.open(old, 0, 5000)).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void recoverAbortsOnlyStaleMultipartUploads() throws Exception {
        s3.admin().createMultipartUpload(b -> b.bucket(bucket).key("files/left/behind.bin"));
        store.recover();
        assertThat(multipartUploads()).as("younger than a day: may be another node's upload in progress").isEqualTo(1);

        try (S3Store eager = open("files/", new S3Tuning(5 * MIB, 5 * MIB, 4, 4, Duration.ZERO, Duration.ZERO))) {
            eager.recover();
        }
        assertThat(multipartUploads()).isZero();
    }

    @Test
    void readinessProbesTheBucket() throws Exception {
        Store.Readiness r = store.readiness();
        assertThat(r.ready()).as(r.detail()).isTrue();
        assertThat(keys()).as("probe objects are deleted").isEmpty();

        s3.admin().deleteBucket(b -> b.bucket(bucket));
        Store.Readiness down = store.readiness();
        assertThat(down.ready()).isFalse();
        assertThat(down.detail()).contains(bucket).doesNotContain(s3.credential());
    }

    @Test
    void aMissingBucketStopsTheStartWithoutShowingTheSecret() throws Exception {
        String toml = """
                secret = "xmpp-secret"
                storeDir = "%s"
                """.formatted(dir.resolve("store")) + s3.toml("no-such-bucket", "");
        var config = ConfigLoader.parse(toml, dir).config();
        assertThatThrownBy(() -> S3Store.open(config))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("no-such-bucket")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(s3.credential()));
    }

    @Test
    void aRetriedWriteThatFindsItsOwnObjectSucceeds() throws Exception {
        // The SDK retries a write whose answer was lost; the retry then meets the object the first
        // attempt made. Simulated here by putting that object, with this upload's id, beforehand.
        byte[] data = random(2000, 19);
        S3Upload u = (S3Upload) write(store.begin(path("retry/own.bin"), data.length, FileMeta.NONE), data, 8);
        s3.admin().putObject(b -> b.bucket(bucket).key("files/retry/own.bin").metadata(u.metadata()), RequestBody.fromBytes(data));
        StoredFile f = u.commit();
        assertThat(f.size()).isEqualTo(data.length);

        S3Upload other = (S3Upload) write(store.begin(path("retry/theirs.bin"), data.length, FileMeta.NONE), data, 9);
        s3.admin().putObject(b -> b.bucket(bucket).key("files/retry/theirs.bin"), RequestBody.fromBytes(data));
        assertThatThrownBy(other::commit)
                .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.EXISTS));
    }

    @Test
    void metadataOfObjectsWrittenByOthersIsTolerated() throws Exception {
        s3.admin().putObject(b -> b.bucket(bucket).key("files/hand/made.txt").metadata(Map.of("pf-expires", "soon", "pf-type", "%zz")),
                RequestBody.fromString("by hand"));
        StoredFile f = found("hand/made.txt");
        assertThat(f.meta()).isEqualTo(FileMeta.NONE);
        assertThat(read(store, f, 0, 7)).isEqualTo("by hand".getBytes(StandardCharsets.UTF_8));
    }
}
