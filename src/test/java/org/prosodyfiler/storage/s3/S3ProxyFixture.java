package org.prosodyfiler.storage.s3;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.prosodyfiler.config.Config;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3 server for the tests: S3Proxy with its filesystem blob store (objects are files under
 * a temp dir, metadata in xattrs or sidecars), on a free loopback port, AWS SigV4 authentication
 * on. Not a mock: the requests our store makes go over HTTP to S3Proxy's S3 implementation.
 */
final class S3ProxyFixture implements AutoCloseable {
    static final String REGION = "us-east-1";

    private final S3Proxy proxy;
    private final URI endpoint;
    private final String identity;
    private final String credential;
    private final S3Client admin;

    private S3ProxyFixture(S3Proxy proxy, URI endpoint, String identity, String credential) {
        this.proxy = proxy;
        this.endpoint = endpoint;
        this.identity = identity;
        this.credential = credential;
        this.admin = S3Clients.build(settings("unused", ""));
    }

    static S3ProxyFixture start(Path dir) throws Exception {
        Path data = Files.createDirectories(dir.resolve("s3proxy-data"));
        String identity = "pf-test";
        String credential = "secret-" + UUID.randomUUID();
        Properties p = new Properties();
        p.setProperty("jclouds.provider", "filesystem");
        p.setProperty("jclouds.identity", identity);
        p.setProperty("jclouds.credential", credential);
        p.setProperty("jclouds.filesystem.basedir", data.toString());
        p.setProperty("s3proxy.endpoint", "http://127.0.0.1:0");
        p.setProperty("s3proxy.authorization", "aws-v2-or-v4");
        p.setProperty("s3proxy.identity", identity);
        p.setProperty("s3proxy.credential", credential);
        S3Proxy proxy = S3Proxy.Builder.fromProperties(p)
                .blobStore(BlobStores.create("filesystem", p))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, identity, credential)
                .build();
        proxy.start();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!"STARTED".equals(proxy.getState()) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        if (!"STARTED".equals(proxy.getState())) {
            throw new IllegalStateException("S3Proxy did not start: " + proxy.getState());
        }
        return new S3ProxyFixture(proxy, URI.create("http://127.0.0.1:" + proxy.getPort()), identity, credential);
    }

    URI endpoint() {
        return endpoint;
    }

    String identity() {
        return identity;
    }

    String credential() {
        return credential;
    }

    /** An SDK client for setting up and inspecting buckets behind the store's back. */
    S3Client admin() {
        return admin;
    }

    String createBucket() {
        String bucket = "pf-" + UUID.randomUUID().toString().substring(0, 12);
        admin.createBucket(b -> b.bucket(bucket));
        return bucket;
    }

    Config.S3Settings settings(String bucket, String prefix) {
        return new Config.S3Settings(endpoint.toString(), REGION, bucket, prefix, true,
                Optional.of(identity), Optional.of(credential), false, Duration.ofMinutes(5));
    }

    /** The [s3] table of config.toml for this server. */
    String toml(String bucket, String prefix) {
        return """
                storage = "s3"
                [s3]
                endpoint = "%s"
                region = "%s"
                bucket = "%s"
                prefix = "%s"
                pathStyle = true
                accessKey = "%s"
                secretKey = "%s"
                """.formatted(endpoint, REGION, bucket, prefix, identity, credential);
    }

    @Override
    public void close() throws IOException {
        admin.close();
        try {
            proxy.stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            throw new IOException("stopping S3Proxy: " + e, e);
        }
    }
}
