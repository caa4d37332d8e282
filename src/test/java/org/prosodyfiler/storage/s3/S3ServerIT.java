package org.prosodyfiler.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.model.S3Object;

/** The whole server with {@code storage = "s3"}: uploads and downloads over HTTP land in and come from S3. */
class S3ServerIT extends S3BucketTests {
    private static final String PREFIX = "xmpp/";

    private S3Node node(Clock clock) throws Exception {
        return S3Node.start(dir, s3.toml(bucket, PREFIX), clock);
    }

    private List<String> keys() {
        return s3.admin().listObjectsV2(b -> b.bucket(bucket)).contents().stream().map(S3Object::key).toList();
    }

    private int multipartUploads() {
        return s3.admin().listMultipartUploads(b -> b.bucket(bucket)).uploads().size();
    }

    @Test
    void putThenGetWholeAndRangeWithOurHeaders() throws Exception {
        byte[] body = S3StoreIT.random(300_000, 21);
        try (S3Node n = node(Clock.systemUTC())) {
            assertThat(n.put("4a77/photo.png", body, "image/png").statusCode()).isEqualTo(201);
            assertThat(keys()).containsExactly("xmpp/4a77/photo.png");

            HttpResponse<byte[]> whole = n.get("4a77/photo.png");
            assertThat(whole.statusCode()).isEqualTo(200);
            assertThat(whole.body()).isEqualTo(body);
            assertThat(whole.headers().firstValue("Content-Type")).contains("image/png");
            assertThat(whole.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
            assertThat(whole.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(v -> assertThat(v).contains("sandbox"));
            String etag = whole.headers().firstValue("ETag").orElseThrow();

            HttpResponse<byte[]> part = n.get("4a77/photo.png", "Range", "bytes=1000-1999");
            assertThat(part.statusCode()).isEqualTo(206);
            assertThat(part.headers().firstValue("Content-Range")).contains("bytes 1000-1999/300000");
            assertThat(part.body()).isEqualTo(Arrays.copyOfRange(body, 1000, 2000));

            HttpResponse<byte[]> tail = n.get("4a77/photo.png", "Range", "bytes=-10");
            assertThat(tail.body()).isEqualTo(Arrays.copyOfRange(body, body.length - 10, body.length));

            assertThat(n.get("4a77/photo.png", "If-None-Match", etag).statusCode()).isEqualTo(304);
            assertThat(n.put("4a77/photo.png", body, "image/png").statusCode()).isEqualTo(409);
            assertThat(n.get("4a77/missing.png").statusCode()).isEqualTo(404);
        }
    }

    @Test
    void activeContentIsStillServedAsAnAttachment() throws Exception {
        byte[] svg = "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".getBytes();
        try (S3Node n = node(Clock.systemUTC())) {
            assertThat(n.put("x/evil.svg", svg, "image/svg+xml").statusCode()).isEqualTo(201);
            HttpResponse<byte[]> r = n.get("x/evil.svg");
            assertThat(r.headers().firstValue("Content-Disposition")).hasValueSatisfying(v -> assertThat(v).startsWith("attachment"));
            assertThat(r.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(v -> assertThat(v).contains("default-src 'none'"));
        }
    }

    @Test
    void largeUploadStreamsThroughMultipartAndComesBackIntact() throws Exception {
        byte[] body = S3StoreIT.random(20 * 1024 * 1024 + 7, 22);
        try (S3Node n = node(Clock.systemUTC())) {
            assertThat(n.put("big/video.mp4", body, "video/mp4").statusCode()).isEqualTo(201);
            // default tuning: 8 MiB parts, so three parts
            assertThat(s3.admin().headObject(b -> b.bucket(bucket).key("xmpp/big/video.mp4")).eTag()).endsWith("-3\"");
            HttpResponse<byte[]> r = n.get("big/video.mp4");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(sha256(r.body())).isEqualTo(sha256(body));
            HttpResponse<byte[]> mid = n.get("big/video.mp4", "Range", "bytes=8388600-8388620");
            assertThat(mid.body()).isEqualTo(Arrays.copyOfRange(body, 8388600, 8388621));
        }
        assertThat(multipartUploads()).isZero();
    }

    @Test
    void aClientThatVanishesMidUploadLeavesNothing() throws Exception {
        int size = 12 * 1024 * 1024;
        byte[] body = S3StoreIT.random(size, 23);
        try (S3Node n = node(Clock.systemUTC())) {
            try (S3Node.RawPut put = new S3Node.RawPut(n.port(), S3Node.target("gone/half.bin", size), size, false)) {
                put.send(body, 0, 10 * 1024 * 1024); // more than one part: a multipart upload is under way
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while ((multipartUploads() > 0 || !keys().isEmpty()) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(keys()).isEmpty();
            assertThat(multipartUploads()).isZero();
            assertThat(n.get("gone/half.bin").statusCode()).isEqualTo(404);
            // and the path is still free for a complete upload
            assertThat(n.put("gone/half.bin", body, null).statusCode()).isEqualTo(201);
        }
    }

    @Test
    void badMacIsRefusedAndNothingIsStored() throws Exception {
        try (S3Node n = node(Clock.systemUTC())) {
            var r = S3Node.HTTP.send(java.net.http.HttpRequest.newBuilder(n.url("/upload/a/b.txt?v=" + "0".repeat(64)))
                    .PUT(java.net.http.HttpRequest.BodyPublishers.ofByteArray(new byte[10])).build(),
                    HttpResponse.BodyHandlers.discarding());
            assertThat(r.statusCode()).isEqualTo(403);
            assertThat(keys()).isEmpty();
        }
    }

    @Test
    void expiredFilesAreHiddenThenSweptFromTheBucket() throws Exception {
        S3Node.MovableClock clock = new S3Node.MovableClock();
        try (S3Node n = S3Node.start(dir, "expireAfter = \"2h\"\n" + s3.toml(bucket, PREFIX), clock)) {
            assertThat(n.put("old/a.txt", new byte[10], "text/plain").statusCode()).isEqualTo(201);
            assertThat(n.put("old/b.txt", new byte[20], "text/plain").statusCode()).isEqualTo(201);
            clock.advance(Duration.ofMinutes(119));
            assertThat(n.app().sweeper().sweepOnce().expired()).isZero();
            assertThat(n.get("old/a.txt").statusCode()).isEqualTo(200);
            clock.advance(Duration.ofMinutes(2));
            assertThat(n.get("old/a.txt").statusCode()).isEqualTo(404);
            var result = n.app().sweeper().sweepOnce();
            assertThat(result.expired()).isEqualTo(2);
            assertThat(result.expiredBytes()).isEqualTo(30);
            assertThat(keys()).isEmpty();
        }
    }

    static String sha256(byte[] b) throws Exception {
        return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
