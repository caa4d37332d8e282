package org.prosodyfiler.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.prosodyfiler.ops.OpsHttp.value;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.prosodyfiler.protocol.Rejection;
import org.prosodyfiler.testsupport.RawHttp;
import org.prosodyfiler.testsupport.RawHttp.Response;
import org.prosodyfiler.testsupport.TestFiler;

/** The operations listener of a real server (in-process, real sockets, real store). */
class MetricsEndpointTest {
    @TempDir
    Path dir;

    private static URI opsBase(TestFiler filer) {
        InetSocketAddress a = filer.app().monitoring().endpointAddress().orElseThrow();
        return URI.create("http://127.0.0.1:" + a.getPort() + "/");
    }

    private static int put(TestFiler filer, String path, byte[] body) throws IOException {
        try (RawHttp c = filer.connect()) {
            return c.exchange("PUT", filer.signedTarget(path, path, body.length), List.of("Content-Length: " + body.length), body).status();
        }
    }

    private static Response get(TestFiler filer, String method, String target) throws IOException {
        try (RawHttp c = filer.connect()) {
            return c.exchange(method, target, List.of(), null);
        }
    }

    @Test
    void countsUploadsDownloadsBytesAndRejections() throws Exception {
        try (TestFiler filer = TestFiler.start(dir, "metricsListen = \"127.0.0.1:0\"")) {
            URI ops = opsBase(filer);
            byte[] body = new byte[12_345];
            assertThat(put(filer, "a/one.bin", body)).isEqualTo(201);
            assertThat(put(filer, "a/one.bin", body)).isEqualTo(409);
            try (RawHttp c = filer.connect()) {
                assertThat(c.exchange("PUT", "/upload/a/two.bin?v=" + "0".repeat(64), List.of("Content-Length: 3"), new byte[3]).status())
                        .isEqualTo(403);
            }
            assertThat(get(filer, "GET", "/upload/a/one.bin").body()).hasSize(body.length);
            assertThat(get(filer, "HEAD", "/upload/a/one.bin").status()).isEqualTo(200);
            assertThat(get(filer, "GET", "/upload/a/missing.bin").status()).isEqualTo(404);
            assertThat(get(filer, "BREW", "/upload/a/one.bin").status()).isEqualTo(405);

            HttpResponse<String> r = OpsHttp.get(ops.resolve("metrics"));
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain; version=0.0.4");
            String m = r.body();
            assertThat(value(m, "prosody_filer_uploads_total{status=\"201\"}")).isEqualTo(1);
            assertThat(value(m, "prosody_filer_uploads_total{status=\"409\"}")).isEqualTo(1);
            assertThat(value(m, "prosody_filer_uploads_total{status=\"403\"}")).isEqualTo(1);
            assertThat(value(m, "prosody_filer_downloads_total{method=\"GET\",status=\"200\"}")).isEqualTo(1);
            assertThat(value(m, "prosody_filer_downloads_total{method=\"HEAD\",status=\"200\"}")).isEqualTo(1);
            assertThat(value(m, "prosody_filer_downloads_total{method=\"GET\",status=\"404\"}")).isEqualTo(1);
            // A made-up method must not become a label value of its own.
            assertThat(value(m, "prosody_filer_other_requests_total{method=\"OTHER\",status=\"405\"}")).isEqualTo(1);
            assertThat(m).doesNotContain("BREW");
            assertThat(value(m, "prosody_filer_rejections_total{reason=\"exists\"}")).isEqualTo(1);
            assertThat(value(m, "prosody_filer_rejections_total{reason=\"bad_token\"}")).isEqualTo(1);
            assertThat(value(m, "prosody_filer_rejections_total{reason=\"quota\"}")).isZero();
            for (Rejection.Reason reason : Rejection.Reason.values()) {
                assertThat(m).contains("prosody_filer_rejections_total{reason=\"" + reason.label() + "\"}");
            }
            // The 201 body counts in full; the refused bodies may or may not have been read.
            assertThat(value(m, "prosody_filer_received_bytes_total")).isGreaterThanOrEqualTo(body.length);
            assertThat(value(m, "prosody_filer_sent_bytes_total")).isGreaterThanOrEqualTo(body.length);
            assertThat(value(m, "prosody_filer_request_duration_seconds_count{kind=\"upload\"}")).isEqualTo(3);
            assertThat(value(m, "prosody_filer_request_duration_seconds_count{kind=\"download\"}")).isEqualTo(3);
            assertThat(value(m, "prosody_filer_request_duration_seconds_bucket{kind=\"upload\",le=\"+Inf\"}")).isEqualTo(3);
            assertThat(value(m, "prosody_filer_uploads_in_flight")).isZero();
            assertThat(value(m, "prosody_filer_ready")).isEqualTo(1);
            assertThat(value(m, "jvm_memory_used_bytes{area=\"heap\"}")).isPositive();
            assertThat(value(m, "jvm_memory_max_bytes{area=\"heap\"}")).isPositive();
            assertThat(value(m, "jvm_buffer_pool_used_bytes{pool=\"direct\"}")).isNotNegative();
            assertThat(value(m, "process_resident_memory_bytes")).isGreaterThan(10e6);
            assertThat(value(m, "process_open_fds")).isPositive();
            assertThat(m).containsPattern("prosody_filer_build_info\\{java=\"[^\"]+\",version=\"[^\"]+\"} 1");
        }
    }

    @Test
    void storedFilesAndBytesComeFromAWalkPlusUploadsSince() throws Exception {
        // Files the Go original left behind (no metadata) count as much as our own.
        Path store = dir.resolve("store");
        Files.createDirectories(store.resolve("old/x"));
        Files.write(store.resolve("old/x/a.jpg"), new byte[1000]);
        Files.write(store.resolve("old/x/b.jpg"), new byte[500]);
        try (TestFiler filer = TestFiler.start(dir, "metricsListen = \"127.0.0.1:0\"")) {
            URI metrics = opsBase(filer).resolve("metrics");
            String m = awaitSample(metrics, "prosody_filer_stored_files");
            assertThat(value(m, "prosody_filer_stored_files")).isEqualTo(2);
            assertThat(value(m, "prosody_filer_stored_bytes")).isEqualTo(1500);
            assertThat(value(m, "prosody_filer_store_free_bytes")).isPositive();
            assertThat(put(filer, "new/c.bin", new byte[250])).isEqualTo(201);
            m = OpsHttp.get(metrics).body();
            assertThat(value(m, "prosody_filer_stored_files")).isEqualTo(3);
            assertThat(value(m, "prosody_filer_stored_bytes")).isEqualTo(1750);
        }
    }

    private static String awaitSample(URI metrics, String series) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        String m = "";
        while (System.nanoTime() < deadline) {
            m = OpsHttp.get(metrics).body();
            if (OpsHttp.sample(m, series).isPresent()) {
                return m;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(series + " never appeared in:\n" + m);
    }

    @Test
    void healthAndReadinessAndOtherPaths() throws Exception {
        try (TestFiler filer = TestFiler.start(dir, "metricsListen = \"127.0.0.1:0\"")) {
            URI ops = opsBase(filer);
            HttpResponse<String> health = OpsHttp.get(ops.resolve("health"));
            assertThat(health.statusCode()).isEqualTo(200);
            HttpResponse<String> ready = OpsHttp.get(ops.resolve("ready"));
            assertThat(ready.statusCode()).isEqualTo(200);
            assertThat(ready.body()).contains("writable");
            assertThat(OpsHttp.get(ops.resolve("nothing-here")).statusCode()).isEqualTo(404);
            assertThat(OpsHttp.send(ops.resolve("metrics"), "POST").statusCode()).isEqualTo(405);
            HttpResponse<String> head = OpsHttp.send(ops.resolve("metrics"), "HEAD");
            assertThat(head.statusCode()).isEqualTo(200);
            assertThat(head.body()).isEmpty();

            // Draining (shutdown begun): a balancer must stop sending uploads.
            filer.app().monitoring().draining();
            HttpResponse<String> draining = OpsHttp.get(ops.resolve("ready"));
            assertThat(draining.statusCode()).isEqualTo(503);
            assertThat(draining.body()).contains("shutting down");
            assertThat(OpsHttp.get(ops.resolve("health")).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void notReadyWhenFreeSpaceIsBelowTheReserve() throws Exception {
        try (TestFiler filer = TestFiler.start(dir, "metricsListen = \"127.0.0.1:0\"", "minFreeSpace = \"1000000TiB\"")) {
            URI ops = opsBase(filer);
            HttpResponse<String> ready = OpsHttp.get(ops.resolve("ready"));
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.body()).contains("minFreeSpace");
            assertThat(value(OpsHttp.get(ops.resolve("metrics")).body(), "prosody_filer_ready")).isZero();
            assertThat(OpsHttp.get(ops.resolve("health")).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void notReadyWhenTheStoreIsNotWritable() throws Exception {
        try (TestFiler filer = TestFiler.start(dir, "metricsListen = \"127.0.0.1:0\"")) {
            URI ops = opsBase(filer);
            // Root ignores permissions, so make the store's work directory unusable instead:
            // replace this process's temp dir (where the probe writes) with a plain file.
            Path tmp = filer.store().resolve(".prosody-filer").resolve("tmp");
            try (var dirs = Files.list(tmp)) {
                for (Path d : dirs.toList()) {
                    try (var files = Files.walk(d)) {
                        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                    }
                    Files.writeString(d, "not a directory");
                }
            }
            HttpResponse<String> ready = OpsHttp.get(ops.resolve("ready"));
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.body()).contains("not writable");
        }
    }

    @Test
    void theOperationsPathsAreNotOnTheUploadListener() throws Exception {
        try (TestFiler filer = TestFiler.start(dir, "metricsListen = \"127.0.0.1:0\"")) {
            for (String p : List.of("/metrics", "/health", "/ready", "/upload/metrics")) {
                assertThat(get(filer, "GET", p).status()).as(p).isIn(403, 404);
            }
        }
    }

    @Test
    void noListenerWithoutMetricsListen() throws Exception {
        try (TestFiler filer = TestFiler.start(dir)) {
            assertThat(filer.app().monitoring().endpointAddress()).isEmpty();
        }
    }
}
