package org.prosodyfiler.storage.s3;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Presigned GET URLs for {@code [s3] redirectDownloads}: the client fetches the bytes from S3
 * itself and the node only does the lookup. The URL signs {@code response-content-type} and
 * {@code response-content-disposition}, so S3 answers with the type and disposition we would
 * have sent; nosniff and the CSP sandbox cannot be carried this way (see the README ("Outgrowing one machine")).
 * Signing is local (an HMAC), no request to S3.
 */
final class S3Redirects implements AutoCloseable {
    private final S3Presigner presigner;
    private final String bucket;
    private final Duration ttl;

    S3Redirects(S3Client client, String bucket, boolean pathStyle, Duration ttl) {
        // The same endpoint, region, credentials and path style as the client's requests.
        // (S3Presigner.Builder.s3Client() would not take the region, and look it up in the
        // environment and the EC2 metadata service instead.)
        var c = client.serviceClientConfiguration();
        S3Presigner.Builder b = S3Presigner.builder().region(c.region()).credentialsProvider(c.credentialsProvider())
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(pathStyle).build());
        c.endpointOverride().ifPresent(b::endpointOverride);
        this.presigner = b.build();
        this.bucket = bucket;
        this.ttl = ttl;
    }

    Duration ttl() {
        return ttl;
    }

    URI presignedGet(String key, String contentType, String contentDisposition) {
        var signed = presigner.presignGetObject(p -> p.signatureDuration(ttl).getObjectRequest(g -> g.bucket(bucket).key(key)
                .responseContentType(contentType).responseContentDisposition(contentDisposition)));
        try {
            return signed.url().toURI();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("presigned URL is not a URI: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        presigner.close();
    }
}
