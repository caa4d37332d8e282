package org.prosodyfiler.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.prosodyfiler.testsupport.RawHttp;
import org.prosodyfiler.testsupport.RawHttp.Response;
import org.prosodyfiler.testsupport.SmallDisk;
import org.prosodyfiler.testsupport.TestFiler;

/** A store on a real 4 MiB file system: full disks answer 507, leave nothing partial, and heal. */
class DiskFullHttpTest {
    @TempDir
    Path dir;

    private static Response put(TestFiler f, String path, byte[] body) throws Exception {
        try (RawHttp c = f.connect()) {
            return c.exchange("PUT", f.signedTarget(path, path, body.length), List.of("Content-Length: " + body.length), body);
        }
    }

    @Test
    void uploadThatCannotFitGets507BeforeItsBody() throws Exception {
        try (SmallDisk disk = SmallDisk.mount(dir.resolve("disk"), "4m");
             TestFiler f = TestFiler.start(disk.path(), "minFreeSpace = \"1MiB\"")) {
            long size = 3_500_000;
            try (RawHttp c = f.connect()) {
                c.send("PUT " + f.signedTarget("a/huge.bin", "a/huge.bin", size) + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + size + "\r\n\r\n");
                Response r = c.read(false);
                assertThat(r.status()).isEqualTo(507);
            }
            assertThat(Files.exists(f.store().resolve("a/huge.bin"))).isFalse();
        }
    }

    @Test
    void diskFillingUpMidUploadUnderConcurrentLoad() throws Exception {
        try (SmallDisk disk = SmallDisk.mount(dir.resolve("disk"), "4m");
             TestFiler f = TestFiler.start(disk.path(), "minFreeSpace = 0")) {
            // Each upload fits alone; together they cannot: some must fail in the middle of writing.
            int n = 6;
            int size = 1_200_000;
            ExecutorService pool = Executors.newFixedThreadPool(n);
            List<Future<Response>> results = new ArrayList<>();
            List<byte[]> bodies = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                byte[] body = new byte[size];
                new Random(i).nextBytes(body);
                bodies.add(body);
                String path = "full/f" + i + ".bin";
                results.add(pool.submit(() -> put(f, path, body)));
            }
            List<Integer> statuses = new ArrayList<>();
            for (Future<Response> r : results) {
                statuses.add(r.get().status());
            }
            pool.shutdown();
            assertThat(statuses).containsOnly(201, 507).contains(507).contains(201);
            for (int i = 0; i < n; i++) {
                Path p = f.store().resolve("full/f" + i + ".bin");
                if (statuses.get(i) == 201) {
                    assertThat(Files.readAllBytes(p)).isEqualTo(bodies.get(i)); // intact
                } else {
                    assertThat(p).doesNotExist(); // nothing partial
                }
            }
            awaitNoTempFiles(f);

            // Space comes back: the server recovers by itself, a retry succeeds.
            for (int i = 0; i < n; i++) {
                Files.deleteIfExists(f.store().resolve("full/f" + i + ".bin"));
            }
            int failed = statuses.indexOf(507);
            assertThat(put(f, "full/f" + failed + ".bin", bodies.get(failed)).status()).isEqualTo(201);
        }
    }

    @Test
    void readOnlyStoreGetsAClear5xxAndTheServerKeepsRunning() throws Exception {
        try (SmallDisk disk = SmallDisk.mount(dir.resolve("disk"), "4m");
             TestFiler f = TestFiler.start(disk.path(), "minFreeSpace = 0")) {
            byte[] body = new byte[1000];
            assertThat(put(f, "ro/before.bin", body).status()).isEqualTo(201);
            disk.readOnly(true);
            try {
                Response r = put(f, "ro/after.bin", body);
                assertThat(r.status()).isEqualTo(500);
                assertThat(r.text()).contains("storage error");
                // downloads still work
                try (RawHttp c = f.connect()) {
                    assertThat(c.exchange("GET", "/upload/ro/before.bin", List.of(), null).status()).isEqualTo(200);
                }
            } finally {
                disk.readOnly(false);
            }
            assertThat(put(f, "ro/after.bin", body).status()).isEqualTo(201);
        }
    }

    private static void awaitNoTempFiles(TestFiler f) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!f.tempFiles().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(f.tempFiles()).isEmpty();
    }
}
