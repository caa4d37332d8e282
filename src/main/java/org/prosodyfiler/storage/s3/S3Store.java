package org.prosodyfiler.storage.s3;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;
import org.prosodyfiler.config.Config;
import org.prosodyfiler.config.ConfigException;
import org.prosodyfiler.protocol.PathDecoder;
import org.prosodyfiler.protocol.StorePath;
import org.prosodyfiler.storage.Body;
import org.prosodyfiler.storage.FileMeta;
import org.prosodyfiler.storage.Lookup;
import org.prosodyfiler.storage.Store;
import org.prosodyfiler.storage.StoreException;
import org.prosodyfiler.storage.StoredFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.EncodingType;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;

/**
 * Uploads as objects in an S3 (or S3-compatible) bucket, so that any number of stateless nodes
 * can serve one set of files. Keys are {@code <prefix><path>}; metadata travels as
 * {@code x-amz-meta-pf-*} (see {@link S3Metadata}).
 *
 * <p>The {@link Store} invariants, and what they rest on here:
 * <ul>
 * <li>invisible until commit: a PutObject with a Content-Length, or a multipart upload, becomes
 *     an object only when complete; a truncated body never does;</li>
 * <li>no overwrite, also between nodes: PutObject and CompleteMultipartUpload carry
 *     {@code If-None-Match: *}, S3 answers 412 to all but the first (checked at startup, see
 *     {@link ConditionalWrites}); begin() also HEADs the key to refuse early;</li>
 * <li>nothing left behind: abort() aborts the multipart upload; uploads whose node died are
 *     aborted by {@link #recover()} once older than a day.</li>
 * </ul>
 * Bytes wait in {@link Spool}s on local disk, never more than two parts per upload.
 */
public final class S3Store implements Store {
    private static final Logger log = LoggerFactory.getLogger(S3Store.class);
    private static final String PROBE_BODY = "ok";

    private final S3Client s3;
    private final String bucket;
    private final S3Keys keys;
    private final Path spoolDir;
    private final long minFreeSpace;
    private final S3Tuning tuning;
    private final String description;
    private final Clock clock;
    /** Present with {@code [s3] redirectDownloads}: downloads may go straight to S3. */
    private final Optional<S3Redirects> redirects;
    /** S3 calls that run beside the request threads: part uploads, HEADs while listing. */
    private final ExecutorService background = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("pf-s3-", 0).factory());
    private volatile ConditionalWrites conditionalWrites = ConditionalWrites.SUPPORTED;
    private volatile CachedReadiness readiness;

    private record CachedReadiness(Readiness readiness, long atNanos) {
    }

    S3Store(S3Client s3, String bucket, String prefix, Path spoolDir, long minFreeSpace, S3Tuning tuning,
            String description, Clock clock) throws IOException {
        this(s3, bucket, prefix, spoolDir, minFreeSpace, tuning, description, clock, Optional.empty());
    }

    /** @param redirects present: {@link #redirectFor} hands out its presigned GET URLs */
    S3Store(S3Client s3, String bucket, String prefix, Path spoolDir, long minFreeSpace, S3Tuning tuning,
            String description, Clock clock, Optional<S3Redirects> redirects) throws IOException {
        this.s3 = s3;
        this.bucket = bucket;
        this.keys = new S3Keys(prefix);
        this.spoolDir = Files.createDirectories(spoolDir);
        this.minFreeSpace = minFreeSpace;
        this.tuning = tuning;
        this.description = description;
        this.clock = clock;
        this.redirects = redirects;
    }

    /**
     * The store for {@code storage = "s3"}: checks that the bucket answers and how it treats
     * conditional writes, so that a wrong endpoint, bucket or key stops the start with one line.
     * Spool files go under {@code storeDir/.prosody-filer/spool/}.
     */
    public static S3Store open(Config config) {
        Config.S3Settings s = config.s3().orElseThrow(() -> new ConfigException("storage = \"s3\" needs an [s3] table"));
        String where = S3Clients.describe(s);
        S3Client client = S3Clients.build(s);
        Optional<S3Redirects> redirects = s.redirectDownloads()
                ? Optional.of(new S3Redirects(client, s.bucket(), s.pathStyle(), s.presignTtl())) : Optional.empty();
        try {
            Path spool = config.storeDir().resolve(PathDecoder.RESERVED).resolve("spool");
            S3Store store = new S3Store(client, s.bucket(), s.prefix(), spool, config.minFreeSpace(), S3Tuning.DEFAULTS,
                    where, Clock.systemUTC(), redirects);
            store.start();
            return store;
        } catch (IOException | RuntimeException e) {
            redirects.ifPresent(S3Redirects::close);
            client.close();
            if (e instanceof ConfigException ce) {
                throw ce;
            }
            throw new ConfigException("S3 store " + where + " is not usable: " + e.getMessage());
        }
    }

    /** Fails when the bucket does not answer; finds out whether conditional writes work. */
    void start() throws IOException {
        try {
            s3.headBucket(b -> b.bucket(bucket));
        } catch (SdkException e) {
            throw S3Errors.io("bucket " + bucket + " does not answer (check endpoint, region, pathStyle and credentials)", e);
        }
        conditionalWrites = ConditionalWrites.probe(s3, bucket, keys.internalPrefix() + "conditional-probe-" + UUID.randomUUID());
        switch (conditionalWrites) {
            case SUPPORTED -> log.info("S3 store {}: conditional writes work, an upload never replaces an object", description);
            case IGNORED -> log.warn("S3 store {}: the server ignores If-None-Match. Uploads still refuse paths that exist,"
                    + " but two nodes that receive the same path at the same moment could both succeed, the later one"
                    + " replacing the earlier (XMPP upload paths are random, so this needs a misbehaving client).", description);
            case REJECTED -> log.warn("S3 store {}: the server refuses If-None-Match, uploads are sent without it: uploads"
                    + " still refuse paths that exist, but two simultaneous uploads of one path through two nodes"
                    + " could both succeed, the later one replacing the earlier.", description);
        }
        redirects.ifPresent(r -> log.info("S3 store {}: downloads are redirected to presigned URLs valid for {}",
                description, r.ttl()));
    }

    S3Client client() {
        return s3;
    }

    ExecutorService partExecutor() {
        return background;
    }

    ConditionalWrites conditionalWrites() {
        return conditionalWrites;
    }

    S3Keys keys() {
        return keys;
    }

    // --- uploads ----------------------------------------------------------------------------

    @Override
    public PendingUpload begin(StorePath path, long size, FileMeta meta) throws StoreException {
        String key = keys.key(path);
        try {
            if (head(key).isPresent()) {
                throw new StoreException(StoreException.Kind.EXISTS, "already exists");
            }
        } catch (SdkException e) {
            throw S3Errors.store("HEAD " + key, e);
        }
        boolean multipart = size > tuning.singlePutMax();
        long partSize = multipart ? tuning.partSizeFor(size) : size;
        checkSpoolSpace(multipart ? Math.min(size, 2 * partSize) : size);
        Map<String, String> metadata = S3Metadata.encode(meta, clock.instant(), UUID.randomUUID().toString());
        Spool first = null;
        Spool second = null;
        try {
            first = Spool.create(spoolDir);
            if (!multipart) {
                return new S3Upload(this, path, key, size, meta, metadata, partSize, first, null, null);
            }
            second = Spool.create(spoolDir);
            String uploadId = s3.createMultipartUpload(b -> b.bucket(bucket).key(key)
                    .contentType(S3Metadata.objectContentType(meta)).metadata(metadata)).uploadId();
            return new S3Upload(this, path, key, size, meta, metadata, partSize, first, second, uploadId);
        } catch (IOException | SdkException e) {
            close(first);
            close(second);
            if (e instanceof SdkException se) {
                throw S3Errors.store("CreateMultipartUpload " + key, se);
            }
            throw new StoreException(StoreException.Kind.IO, "cannot create spool file in " + spoolDir + ": " + e.getMessage(), e);
        }
    }

    private void checkSpoolSpace(long needed) throws StoreException {
        try {
            long usable = Files.getFileStore(spoolDir).getUsableSpace();
            if (usable - needed < minFreeSpace) {
                throw new StoreException(StoreException.Kind.NO_SPACE, "spool " + spoolDir + ": " + usable
                        + " bytes free, " + needed + " needed plus a reserve of " + minFreeSpace);
            }
        } catch (IOException e) {
            throw new StoreException(StoreException.Kind.IO, "cannot read free space of " + spoolDir + ": " + e.getMessage(), e);
        }
    }

    /** One conditional PutObject of a whole spooled upload; returns the S3 ETag. */
    String putObject(String key, Spool spool, FileMeta meta, Map<String, String> metadata) throws StoreException {
        String type = S3Metadata.objectContentType(meta);
        PutObjectRequest.Builder r = PutObjectRequest.builder().bucket(bucket).key(key)
                .contentLength(spool.length()).contentType(type).metadata(metadata);
        if (conditionalWrites != ConditionalWrites.REJECTED) {
            r.ifNoneMatch("*");
        }
        try {
            return s3.putObject(r.build(), RequestBody.fromContentProvider(spool.contents(), spool.length(), type)).eTag();
        } catch (SdkException e) {
            return writeFailure("PutObject", key, metadata, e);
        }
    }

    CompletedPart uploadPart(String key, String uploadId, int number, ContentStreamProvider body, long length) throws StoreException {
        try {
            String etag = s3.uploadPart(UploadPartRequest.builder().bucket(bucket).key(key).uploadId(uploadId)
                    .partNumber(number).contentLength(length).build(),
                    RequestBody.fromContentProvider(body, length, "application/octet-stream")).eTag();
            return CompletedPart.builder().partNumber(number).eTag(etag).build();
        } catch (SdkException e) {
            throw S3Errors.store("UploadPart " + number + " of " + key, e);
        }
    }

    String completeMultipart(String key, String uploadId, List<CompletedPart> parts, Map<String, String> metadata)
            throws StoreException {
        CompleteMultipartUploadRequest.Builder r = CompleteMultipartUploadRequest.builder().bucket(bucket).key(key)
                .uploadId(uploadId).multipartUpload(CompletedMultipartUpload.builder().parts(parts).build());
        if (conditionalWrites != ConditionalWrites.REJECTED) {
            r.ifNoneMatch("*");
        }
        try {
            return s3.completeMultipartUpload(r.build()).eTag();
        } catch (SdkException e) {
            return writeFailure("CompleteMultipartUpload", key, metadata, e);
        }
    }

    void abortMultipart(String key, String uploadId) {
        try {
            s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId));
        } catch (SdkException e) {
            log.warn("could not abort multipart upload of {}: {} (recover() removes it after {})",
                    key, S3Errors.describe(e), tuning.staleUploadAge());
        }
    }

    /**
     * A conditional write that failed. 412 (or 409, two writes overlapping) means the key exists,
     * but it may be our own object: when the SDK retries a write whose first attempt reached S3
     * and only the answer was lost, the retry finds that object. Our upload id in its metadata
     * tells the two cases apart. The same goes for a retried CompleteMultipartUpload, which
     * finds its upload gone (404).
     */
    private String writeFailure(String op, String key, Map<String, String> metadata, SdkException e) throws StoreException {
        if (S3Errors.preconditionFailed(e) || S3Errors.conflict(e) || S3Errors.notFound(e)) {
            Optional<HeadObjectResponse> now;
            try {
                now = head(key);
            } catch (SdkException headFailed) {
                throw S3Errors.store(op + " " + key, e);
            }
            if (now.isPresent()) {
                Optional<String> id = S3Metadata.uploadId(now.get().metadata());
                if (id.isPresent() && id.equals(S3Metadata.uploadId(metadata))) {
                    log.debug("{} of {} was retried after it had succeeded", op, key);
                    return now.get().eTag();
                }
                throw new StoreException(StoreException.Kind.EXISTS,
                        "already exists (S3 " + S3Errors.status(e) + " on " + op + ")");
            }
        }
        throw S3Errors.store(op + " " + key, e);
    }

    /** The published file as commit reports it, from what we sent: no extra round trip. */
    StoredFile afterCommit(StorePath path, long size, FileMeta meta, Map<String, String> metadata, String s3ETag) {
        Instant uploaded = S3Metadata.uploaded(metadata).orElseGet(clock::instant);
        return new StoredFile(path, size, uploaded, S3Keys.etag(s3ETag), meta);
    }

    // --- reads ------------------------------------------------------------------------------

    private Optional<HeadObjectResponse> head(String key) {
        try {
            return Optional.of(s3.headObject(b -> b.bucket(bucket).key(key)));
        } catch (SdkException e) {
            if (S3Errors.notFound(e)) {
                return Optional.empty();
            }
            throw e;
        }
    }

    private StoredFile file(StorePath path, HeadObjectResponse h) {
        Map<String, String> md = h.metadata();
        // The upload time we recorded survives copies between buckets, which reset LastModified.
        Instant modified = S3Metadata.uploaded(md).orElse(h.lastModified());
        return new StoredFile(path, h.contentLength(), modified, S3Keys.etag(h.eTag()), S3Metadata.decode(md));
    }

    @Override
    public Lookup stat(StorePath path) throws IOException {
        String key = keys.key(path);
        try {
            return head(key).<Lookup>map(h -> new Lookup.Found(file(path, h))).orElse(Lookup.MISSING);
        } catch (SdkException e) {
            throw S3Errors.io("HEAD " + key, e);
        }
    }

    @Override
    public Body open(StoredFile file, long offset, long length) throws IOException {
        String key = keys.key(file.path());
        GetObjectRequest.Builder r = GetObjectRequest.builder().bucket(bucket).key(key);
        if (offset != 0 || length != file.size()) {
            r.range("bytes=" + offset + "-" + (offset + length - 1));
        }
        // The very object stat() saw, not one uploaded at the same path after a delete.
        S3Keys.s3ETag(file.etag()).ifPresent(r::ifMatch);
        ResponseInputStream<GetObjectResponse> in;
        try {
            in = s3.getObject(r.build());
        } catch (SdkException e) {
            if (S3Errors.notFound(e) || S3Errors.preconditionFailed(e)) {
                throw new NoSuchFileException(key, null, "gone or replaced since the lookup: " + S3Errors.describe(e));
            }
            throw S3Errors.io("GET " + key, e);
        }
        Long got = in.response().contentLength();
        if (got == null || got != length) {
            // A server that ignored the Range would make us send the wrong bytes under our headers.
            in.abort();
            throw new IOException("GET " + key + " returned " + got + " bytes, asked for " + length + " from " + offset);
        }
        return new Body.StreamBody(new ObjectStream(in, length), length);
    }

    /** A presigned GET of the object, signed to answer with our Content-Type and Content-Disposition. */
    @Override
    public Optional<URI> redirectFor(StoredFile file, String contentType, String contentDisposition) {
        return redirects.map(r -> r.presignedGet(keys.key(file.path()), contentType, contentDisposition));
    }

    /** Closing early drops the connection instead of reading the rest of a large range to reuse it. */
    private static final class ObjectStream extends FilterInputStream {
        private final ResponseInputStream<GetObjectResponse> response;
        private long left;

        ObjectStream(ResponseInputStream<GetObjectResponse> response, long length) {
            super(response);
            this.response = response;
            this.left = length;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                left--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                left -= n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long k = super.skip(n);
            left -= k;
            return k;
        }

        @Override
        public void close() throws IOException {
            if (left > 0) {
                response.abort();
            }
            super.close();
        }
    }

    @Override
    public boolean delete(StorePath path) throws IOException {
        String key = keys.key(path);
        try {
            if (head(key).isEmpty()) {
                return false;
            }
            s3.deleteObject(b -> b.bucket(bucket).key(key));
            return true;
        } catch (SdkException e) {
            throw S3Errors.io("DELETE " + key, e);
        }
    }

    /**
     * Lists the prefix page by page (ListObjectsV2). Listings carry no user metadata, and expiry
     * (per-file "expires") and quotas (owner) need it, so every object is HEADed, up to
     * {@link S3Tuning#headConcurrency} at a time; the visitor still sees them one by one, in
     * key order, on the calling thread. Keys no upload could have made are skipped.
     */
    @Override
    public void forEach(Consumer<StoredFile> visitor) throws IOException {
        Semaphore permits = new Semaphore(tuning.headConcurrency());
        list(page -> {
            List<Future<Optional<StoredFile>>> files = new ArrayList<>();
            for (S3Object o : page.contents()) {
                keys.path(o.key()).ifPresent(p -> files.add(background.submit(() -> headForListing(permits, p))));
            }
            for (Future<Optional<StoredFile>> f : files) {
                awaitListed(f).ifPresent(visitor);
            }
        });
    }

    /**
     * From the listing alone, one request per 1000 objects (forEach adds a HEAD per object): size,
     * S3's Last-Modified and ETag, but no metadata ({@link FileMeta#NONE}).
     */
    @Override
    public void forEachCounted(Consumer<StoredFile> visitor) throws IOException {
        list(page -> {
            for (S3Object o : page.contents()) {
                keys.path(o.key()).ifPresent(p -> visitor.accept(
                        new StoredFile(p, o.size(), o.lastModified(), S3Keys.etag(o.eTag()), FileMeta.NONE)));
            }
        });
    }

    private interface PageVisitor {
        void visit(ListObjectsV2Response page) throws IOException;
    }

    private void list(PageVisitor visitor) throws IOException {
        String token = null;
        do {
            String continuation = token;
            ListObjectsV2Response page;
            try {
                // URL-encoded keys: a key with a control character (which XML cannot carry) must
                // not break every sweep of the bucket. The SDK decodes them again.
                page = s3.listObjectsV2(b -> b.bucket(bucket).prefix(keys.prefix()).maxKeys(tuning.listPageSize())
                        .continuationToken(continuation).encodingType(EncodingType.URL));
            } catch (SdkException e) {
                throw S3Errors.io("LIST " + keys.prefix(), e);
            }
            visitor.visit(page);
            token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
        } while (token != null);
    }

    private Optional<StoredFile> headForListing(Semaphore permits, StorePath p) throws IOException, InterruptedException {
        permits.acquire();
        try {
            return head(keys.key(p)).map(h -> file(p, h)); // gone since the listing: skip it
        } catch (SdkException e) {
            throw S3Errors.io("HEAD " + keys.key(p), e);
        } finally {
            permits.release();
        }
    }

    private static Optional<StoredFile> awaitListed(Future<Optional<StoredFile>> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while listing");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException(String.valueOf(e.getCause()), e.getCause());
        }
    }

    // --- housekeeping -----------------------------------------------------------------------

    /**
     * Aborts the multipart uploads under our prefix that are older than
     * {@link S3Tuning#staleUploadAge}: their node died or lost S3 before it could abort them.
     * Younger ones may belong to another node still receiving the body. Also removes readiness
     * probes that a crash left behind.
     */
    @Override
    public void recover() throws IOException {
        Instant cutoff = clock.instant().minus(tuning.staleUploadAge());
        int aborted = 0;
        String keyMarker = null;
        String idMarker = null;
        try {
            while (true) {
                String km = keyMarker;
                String im = idMarker;
                ListMultipartUploadsResponse r = s3.listMultipartUploads(b -> b.bucket(bucket).prefix(keys.prefix())
                        .keyMarker(km).uploadIdMarker(im).encodingType(EncodingType.URL));
                for (MultipartUpload u : r.uploads()) {
                    if (u.initiated() != null && u.initiated().isBefore(cutoff)) {
                        abortMultipart(u.key(), u.uploadId());
                        aborted++;
                    }
                }
                if (!Boolean.TRUE.equals(r.isTruncated())) {
                    break;
                }
                keyMarker = r.nextKeyMarker();
                idMarker = r.nextUploadIdMarker();
            }
        } catch (SdkException e) {
            // Housekeeping must not keep the server from starting; S3 lifecycle rules are the backstop.
            log.warn("S3 store {}: cannot list unfinished multipart uploads: {}", description, S3Errors.describe(e));
        }
        if (aborted > 0) {
            log.info("S3 store {}: aborted {} multipart upload(s) older than {} that no node finished",
                    description, aborted, tuning.staleUploadAge());
        }
        removeStaleProbes(clock.instant().minus(Duration.ofHours(1)));
    }

    private void removeStaleProbes(Instant cutoff) {
        try {
            for (S3Object o : s3.listObjectsV2(b -> b.bucket(bucket).prefix(keys.internalPrefix())
                    .encodingType(EncodingType.URL)).contents()) {
                if (o.lastModified() != null && o.lastModified().isBefore(cutoff)) {
                    s3.deleteObject(b -> b.bucket(bucket).key(o.key()));
                }
            }
        } catch (SdkException e) {
            log.debug("cannot clean probe objects: {}", S3Errors.describe(e));
        }
    }

    /**
     * Ready when the bucket answers and takes a write (a tiny probe object, deleted at once) and
     * the spool has space. Each check costs three requests, so an answer is reused for
     * {@link S3Tuning#readinessTtl}.
     */
    @Override
    public Readiness readiness() {
        CachedReadiness c = readiness;
        long now = System.nanoTime();
        if (c != null && now - c.atNanos() < tuning.readinessTtl().toNanos()) {
            return c.readiness();
        }
        Readiness r = probe();
        readiness = new CachedReadiness(r, now);
        return r;
    }

    private Readiness probe() {
        String key = keys.internalPrefix() + "ready-" + UUID.randomUUID();
        try {
            s3.headBucket(b -> b.bucket(bucket));
            s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromString(PROBE_BODY));
            s3.deleteObject(b -> b.bucket(bucket).key(key));
        } catch (SdkException e) {
            return new Readiness(false, "S3 " + description + " not writable: " + S3Errors.describe(e));
        }
        try {
            long usable = Files.getFileStore(spoolDir).getUsableSpace();
            if (usable < minFreeSpace) {
                return new Readiness(false, "spool " + spoolDir + ": " + usable + " bytes free, below minFreeSpace " + minFreeSpace);
            }
        } catch (IOException e) {
            return new Readiness(false, "spool " + spoolDir + " unusable: " + e.getMessage());
        }
        return new Readiness(true, "S3 " + description + " writable");
    }

    @Override
    public void close() throws IOException {
        background.shutdownNow();
        redirects.ifPresent(S3Redirects::close);
        s3.close();
    }

    private static void close(Spool s) {
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // unlinked already
            }
        }
    }
}
