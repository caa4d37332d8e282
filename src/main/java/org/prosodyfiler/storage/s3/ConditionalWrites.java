package org.prosodyfiler.storage.s3;

import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * How the server treats {@code If-None-Match: *} on writes, found out once at startup by writing
 * a probe object twice: AWS S3 (since 2024) and S3Proxy 4.x answer the second write with 412, as
 * MinIO, Ceph RGW and R2 document; older or simpler servers silently overwrite; some refuse the
 * header outright, and then we must not send it or no upload would ever succeed.
 */
enum ConditionalWrites {
    /** The second write is refused: commit can never replace an object, whatever the race. */
    SUPPORTED,
    /** The header is accepted but has no effect: only begin()'s HEAD protects existing objects. */
    IGNORED,
    /** The header is refused with an error: we stop sending it. */
    REJECTED;

    private static final Logger log = LoggerFactory.getLogger(ConditionalWrites.class);

    static ConditionalWrites probe(S3Client s3, String bucket, String key) throws IOException {
        try {
            try {
                put(s3, bucket, key);
            } catch (SdkException e) {
                if (S3Errors.notImplemented(e) || S3Errors.status(e) == 400) {
                    log.debug("If-None-Match refused on a new key: {}", S3Errors.describe(e));
                    return REJECTED;
                }
                throw S3Errors.io("probe write to bucket " + bucket, e);
            }
            try {
                put(s3, bucket, key);
                return IGNORED;
            } catch (SdkException e) {
                if (S3Errors.preconditionFailed(e) || S3Errors.conflict(e)) {
                    return SUPPORTED;
                }
                if (S3Errors.notImplemented(e)) {
                    return REJECTED;
                }
                throw S3Errors.io("probe write to bucket " + bucket, e);
            }
        } finally {
            try {
                s3.deleteObject(b -> b.bucket(bucket).key(key));
            } catch (SdkException e) {
                log.debug("cannot delete probe {}: {}", key, S3Errors.describe(e));
            }
        }
    }

    private static void put(S3Client s3, String bucket, String key) {
        s3.putObject(b -> b.bucket(bucket).key(key).ifNoneMatch("*"), RequestBody.fromString("probe"));
    }
}
