package org.prosodyfiler.storage.s3;

import java.time.Duration;

/**
 * The knobs of {@link S3Store} that are not in config.toml: sizes and timings chosen for real
 * S3 and overridable by tests (small parts, small list pages).
 *
 * @param singlePutMax     uploads up to this size go up in one PutObject after the body is in;
 *                         larger ones go multipart, each part sent while the next one arrives
 * @param partSize         bytes per multipart part (S3's minimum is 5 MiB, except the last part)
 * @param listPageSize     keys per ListObjectsV2 page (S3's maximum is 1000)
 * @param headConcurrency  HeadObject calls in flight while listing (metadata is not in listings)
 * @param readinessTtl     how long a readiness answer is reused (each check writes to the bucket)
 * @param staleUploadAge   multipart uploads older than this are aborted by recover()
 */
public record S3Tuning(long singlePutMax, long partSize, int listPageSize, int headConcurrency,
        Duration readinessTtl, Duration staleUploadAge) {

    static final long MIB = 1024 * 1024;
    /** S3 refuses more parts than this in one multipart upload. */
    static final int MAX_PARTS = 10_000;

    public static final S3Tuning DEFAULTS = new S3Tuning(8 * MIB, 8 * MIB, 1000, 16,
            Duration.ofSeconds(10), Duration.ofDays(1));

    public S3Tuning {
        if (partSize < 1 || singlePutMax < 0 || listPageSize < 1 || listPageSize > 1000 || headConcurrency < 1) {
            throw new IllegalArgumentException("bad S3 tuning: " + partSize + "/" + singlePutMax + "/" + listPageSize);
        }
    }

    /** The part size for one upload: large enough that {@code size} fits in {@link #MAX_PARTS} parts. */
    long partSizeFor(long size) {
        long needed = (size + MAX_PARTS - 1) / MAX_PARTS;
        if (needed <= partSize) {
            return partSize;
        }
        return (needed + MIB - 1) / MIB * MIB;
    }
}
