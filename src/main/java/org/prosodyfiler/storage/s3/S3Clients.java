package org.prosodyfiler.storage.s3;

import java.net.URI;
import java.time.Duration;
import org.prosodyfiler.config.Config;
import org.prosodyfiler.config.ConfigException;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;

/** Builds the SDK client from the [s3] table. Nothing here logs or prints the secret key. */
final class S3Clients {
    private S3Clients() {
    }

    static S3Client build(Config.S3Settings s) {
        // HttpURLConnection keeps only 5 idle connections per host by default: under load every
        // further S3 request would open (and with https, handshake) a new one. Read once, by the
        // JDK's keep-alive cache, so it has to be set before the first request; an admin's -D wins.
        if (System.getProperty("http.maxConnections") == null) {
            System.setProperty("http.maxConnections", "64");
        }
        S3ClientBuilder b = S3Client.builder()
                // The JDK's HttpURLConnection: no Netty 4.1 or Apache client next to our Netty 4.2.
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(Duration.ofSeconds(60)))
                .region(Region.of(s.region()))
                .forcePathStyle(s.pathStyle())
                // Since SDK 2.30 every PutObject/UploadPart carries a CRC trailer by default, which
                // many S3-compatible servers (older MinIO, Ceph RGW, Garage, ...) reject. Only send
                // checksums where S3 requires them; TLS (or SigV4 chunk signatures on plain
                // http) already protect the bytes in transit.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                // On plain-http endpoints the SDK would sign the body in aws-chunked encoding, which
                // not every S3-compatible server reads to the end (S3Proxy stores the object, then
                // drops the connection under the final chunk, and the retry finds its own object).
                // Our bodies come from a spool and can be read twice: the SDK hashes first, then
                // sends with a plain Content-Length. On https, S3 bodies are not signed at all.
                .serviceConfiguration(S3Configuration.builder().chunkedEncodingEnabled(false).build())
                .credentialsProvider(credentials(s));
        if (!s.endpoint().isBlank()) {
            b.endpointOverride(endpoint(s.endpoint()));
        }
        return b.build();
    }

    static URI endpoint(String endpoint) {
        URI uri;
        try {
            uri = URI.create(endpoint.trim());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("[s3] endpoint \"" + endpoint + "\" is not a URL");
        }
        if (uri.getHost() == null || !("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))) {
            throw new ConfigException("[s3] endpoint must look like https://s3.example.com (got \"" + endpoint + "\")");
        }
        return uri;
    }

    private static AwsCredentialsProvider credentials(Config.S3Settings s) {
        if (s.accessKey().isPresent() != s.secretKey().isPresent()) {
            throw new ConfigException("[s3] accessKey and secretKey must be set together"
                    + " (or both left out to use AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, ~/.aws or an instance role)");
        }
        if (s.accessKey().isPresent()) {
            return StaticCredentialsProvider.create(AwsBasicCredentials.create(s.accessKey().get(), s.secretKey().get()));
        }
        // Environment, system properties, ~/.aws profiles, web identity, container and instance roles.
        return DefaultCredentialsProvider.builder().build();
    }

    /** For logs: where the objects go, never the credentials. */
    static String describe(Config.S3Settings s) {
        String where = "s3://" + s.bucket() + "/" + S3Keys.normalizePrefix(s.prefix());
        return s.endpoint().isBlank() ? where + " (AWS " + s.region() + ")" : where + " at " + s.endpoint();
    }
}
