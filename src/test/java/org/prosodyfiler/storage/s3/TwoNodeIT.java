package org.prosodyfiler.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two stateless nodes on one bucket, the scale-out setup of the README ("Outgrowing one machine"): whatever node a
 * request reaches, it sees the same files, and two uploads of one path through different nodes
 * never both succeed.
 */
class TwoNodeIT {
    @TempDir
    static Path dir;
    private static S3ProxyFixture s3;
    private static S3Node a;
    private static S3Node b;
    private static String bucket;

    @BeforeAll
    static void start() throws Exception {
        s3 = S3ProxyFixture.start(dir);
        bucket = s3.createBucket();
        a = S3Node.start(dir.resolve("node-a"), s3.toml(bucket, "shared/"), Clock.systemUTC());
        b = S3Node.start(dir.resolve("node-b"), s3.toml(bucket, "shared/"), Clock.systemUTC());
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {a, b, s3}) {
            if (c != null) {
                c.close();
            }
        }
    }

    @Test
    void uploadThroughOneNodeDownloadThroughTheOther() throws Exception {
        byte[] body = S3StoreIT.random(500_000, 31);
        assertThat(a.put("n/from-a.jpg", body, "image/jpeg").statusCode()).isEqualTo(201);

        HttpResponse<byte[]> got = b.get("n/from-a.jpg");
        assertThat(got.statusCode()).isEqualTo(200);
        assertThat(got.body()).isEqualTo(body);
        assertThat(got.headers().firstValue("Content-Type")).contains("image/jpeg");
        HttpResponse<byte[]> range = b.get("n/from-a.jpg", "Range", "bytes=100-199");
        assertThat(range.statusCode()).isEqualTo(206);
        assertThat(range.body()).isEqualTo(Arrays.copyOfRange(body, 100, 200));
        // same object, same validators on both nodes: caches and resumed downloads work across nodes
        assertThat(b.get("n/from-a.jpg").headers().firstValue("ETag")).isEqualTo(a.get("n/from-a.jpg").headers().firstValue("ETag"));
        assertThat(b.put("n/from-a.jpg", body, "image/jpeg").statusCode()).isEqualTo(409);
    }

    /**
     * Both PUTs wait for "100 Continue", which a node sends only after its begin() found the path
     * free, so both pass the early existence check; then both bodies go at once and only S3's
     * conditional write can tell them apart. Small (one PutObject) and multipart-sized bodies.
     */
    @Test
    void simultaneousUploadsOfOnePathThroughBothNodesGiveOne201AndOne409() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 6; round++) {
                int size = round % 2 == 0 ? 64_000 : 9 * 1024 * 1024;
                String path = "race/" + round + "/same.bin";
                byte[] bodyA = S3StoreIT.random(size, 100 + round);
                byte[] bodyB = S3StoreIT.random(size, 200 + round);
                try (S3Node.RawPut putA = new S3Node.RawPut(a.port(), S3Node.target(path, size), size, true);
                        S3Node.RawPut putB = new S3Node.RawPut(b.port(), S3Node.target(path, size), size, true)) {
                    assertThat(putA.readStatus()).isEqualTo(100);
                    assertThat(putB.readStatus()).isEqualTo(100);
                    Future<Integer> fa = pool.submit(finish(putA, bodyA));
                    Future<Integer> fb = pool.submit(finish(putB, bodyB));
                    List<Integer> statuses = new ArrayList<>(List.of(fa.get(60, TimeUnit.SECONDS), fb.get(60, TimeUnit.SECONDS)));
                    assertThat(statuses).as("round %d, %d bytes", round, size).containsExactlyInAnyOrder(201, 409);
                    byte[] winner = statuses.get(0) == 201 ? bodyA : bodyB;
                    assertThat(S3ServerIT.sha256(a.get(path).body())).isEqualTo(S3ServerIT.sha256(winner));
                    assertThat(S3ServerIT.sha256(b.get(path).body())).isEqualTo(S3ServerIT.sha256(winner));
                }
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(s3.admin().listMultipartUploads(r -> r.bucket(bucket)).uploads())
                .as("the losers' multipart uploads are aborted").isEmpty();
    }

    private static Callable<Integer> finish(S3Node.RawPut put, byte[] body) {
        return () -> {
            put.send(body, 0, body.length);
            return put.readStatus();
        };
    }

    @Test
    void behindNginxEveryRequestSeesTheSameFilesWhicheverNodeServesIt() throws Exception {
        try (NginxFront nginx = NginxFront.start(dir.resolve("nginx"), a.port(), b.port())) {
            URI front = URI.create("http://127.0.0.1:" + nginx.port());
            byte[] body = S3StoreIT.random(12 * 1024 * 1024 + 3, 41);
            String path = "lb/through-nginx.bin";
            HttpResponse<String> put = S3Node.HTTP.send(HttpRequest.newBuilder(front.resolve(S3Node.target(path, body.length)))
                    .timeout(Duration.ofSeconds(120)).PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(put.statusCode()).as(nginx.log()).isEqualTo(201);

            Set<String> servedBy = new HashSet<>();
            for (int i = 0; i < 6; i++) {
                HttpResponse<byte[]> got = S3Node.HTTP.send(HttpRequest.newBuilder(front.resolve("/upload/" + path))
                        .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofByteArray());
                assertThat(got.statusCode()).as(nginx.log()).isEqualTo(200);
                assertThat(S3ServerIT.sha256(got.body())).isEqualTo(S3ServerIT.sha256(body));
                assertThat(got.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
                servedBy.add(got.headers().firstValue("X-Upstream").orElse("?"));
            }
            assertThat(servedBy).as("round robin reached both nodes")
                    .containsExactlyInAnyOrder("127.0.0.1:" + a.port(), "127.0.0.1:" + b.port());
        }
    }
}
