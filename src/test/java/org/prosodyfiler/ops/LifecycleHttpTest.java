package org.prosodyfiler.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.prosodyfiler.protocol.JwtVerifier;
import org.prosodyfiler.testsupport.MutableClock;
import org.prosodyfiler.testsupport.RawHttp;
import org.prosodyfiler.testsupport.RawHttp.Response;
import org.prosodyfiler.testsupport.TestFiler;

/** Expiry, quotas and eviction against the running server, with an injected clock. */
class LifecycleHttpTest {
    @TempDir
    Path dir;
    final MutableClock clock = new MutableClock(Instant.now());

    private static Response put(TestFiler f, String path, int size, String... headers) throws IOException {
        try (RawHttp c = f.connect()) {
            List<String> h = new java.util.ArrayList<>(List.of(headers));
            h.add("Content-Length: " + size);
            return c.exchange("PUT", f.signedTarget(path, path, size), h, new byte[size]);
        }
    }

    private static int get(TestFiler f, String path) throws IOException {
        try (RawHttp c = f.connect()) {
            return c.exchange("GET", "/upload/" + path, List.of(), null).status();
        }
    }

    @Test
    void expireAfterHidesThenDeletesOldFiles() throws Exception {
        try (TestFiler f = TestFiler.start(dir, clock, "expireAfter = \"28d\"")) {
            assertThat(put(f, "u/old/a.txt", 10).status()).isEqualTo(201);
            clock.advance(Duration.ofDays(27));
            assertThat(get(f, "u/old/a.txt")).isEqualTo(200);
            clock.advance(Duration.ofDays(2));
            assertThat(get(f, "u/old/a.txt")).isEqualTo(404); // hidden before any sweep
            assertThat(f.store().resolve("u/old/a.txt")).exists();
            assertThat(f.app().sweeper().sweepOnce().expired()).isEqualTo(1);
            assertThat(f.store().resolve("u/old/a.txt")).doesNotExist();
        }
    }

    @Test
    void sweeperDeletesExpiredFilesAndEmptyDirectories() throws Exception {
        try (TestFiler f = TestFiler.start(dir, clock, "expireAfter = \"1h\"")) {
            assertThat(put(f, "s/one/a.txt", 10).status()).isEqualTo(201);
            assertThat(put(f, "s/two/b.txt", 20).status()).isEqualTo(201);
            clock.advance(Duration.ofMinutes(59));
            assertThat(f.app().sweeper().sweepOnce().expired()).isZero();
            clock.advance(Duration.ofMinutes(2));
            Sweeper.Result r = f.app().sweeper().sweepOnce();
            assertThat(r.expired()).isEqualTo(2);
            assertThat(r.expiredBytes()).isEqualTo(30);
            assertThat(f.store().resolve("s")).doesNotExist();
            assertThat(f.store()).exists();
        }
    }

    @Test
    void jwtExpiresIsHonouredPerFile() throws Exception {
        try (TestFiler f = TestFiler.start(dir, clock)) {
            long now = clock.instant().getEpochSecond();
            String claims = "{\"sub\":\"juliet@example.org\",\"iat\":" + now + ",\"exp\":" + (now + 300)
                    + ",\"slot\":\"slotA\",\"expires\":" + (now + 3600) + ",\"filename\":\"pic.jpg\",\"filesize\":5,\"filetype\":\"image/jpeg\"}";
            String jwt = JwtVerifier.sign(f.signer(), claims);
            try (RawHttp c = f.connect()) {
                Response r = c.exchange("PUT", "/upload/slotA/pic.jpg", List.of("Content-Length: 5", "Authorization: Bearer " + jwt,
                        "Content-Type: image/jpeg"), new byte[5]);
                assertThat(r.status()).isEqualTo(201);
                Response again = c.exchange("PUT", "/upload/slotA/pic.jpg", List.of("Content-Length: 5", "Authorization: Bearer " + jwt), new byte[5]);
                assertThat(again.status()).isEqualTo(409);
            }
            assertThat(get(f, "slotA/pic.jpg")).isEqualTo(200);
            clock.advance(Duration.ofMinutes(61));
            assertThat(get(f, "slotA/pic.jpg")).isEqualTo(404);
            assertThat(f.app().sweeper().sweepOnce().expired()).isEqualTo(1);
            assertThat(f.store().resolve("slotA/pic.jpg")).doesNotExist();
        }
    }

    @Test
    void storageQuotaRefusesWith507UntilSpaceIsFreed() throws Exception {
        try (TestFiler f = TestFiler.start(dir, clock, "storageQuota = 1000")) {
            assertThat(put(f, "q/a.bin", 600).status()).isEqualTo(201);
            Response r = put(f, "q/b.bin", 600);
            assertThat(r.status()).isEqualTo(507);
            assertThat(r.text()).contains("storage quota");
            Files.delete(f.store().resolve("q/a.bin"));
            f.app().sweeper().sweepOnce(); // recount
            assertThat(put(f, "q/b.bin", 600).status()).isEqualTo(201);
        }
    }

    @Test
    void evictOldestKeepsTheStoreUnderTheQuota() throws Exception {
        try (TestFiler f = TestFiler.start(dir, clock, "storageQuota = 1000", "storageQuotaPolicy = \"evict-oldest\"")) {
            for (int i = 0; i < 4; i++) {
                assertThat(put(f, "e/f" + i + ".bin", 400).status()).isEqualTo(201);
                Files.setLastModifiedTime(f.store().resolve("e/f" + i + ".bin"),
                        java.nio.file.attribute.FileTime.from(Instant.now().minusSeconds(100 - i)));
            }
            Sweeper.Result r = f.app().sweeper().sweepOnce();
            assertThat(r.bytes()).isLessThanOrEqualTo(1000);
            assertThat(f.store().resolve("e/f0.bin")).doesNotExist();
            assertThat(f.store().resolve("e/f1.bin")).doesNotExist();
            assertThat(f.store().resolve("e/f3.bin")).exists();
        }
    }

    @Test
    void dailyQuotaPerEjabberdUserSurvivesARestart() throws Exception {
        String romeo = "2ed681f17049ef21eba6d9ffe6a7c5eaf5193572";
        String juliet = "0123456789abcdef0123456789abcdef01234567";
        try (TestFiler f = TestFiler.start(dir, clock, "dailyQuotaPerUser = 1000")) {
            assertThat(put(f, romeo + "/r1/a.bin", 600).status()).isEqualTo(201);
        }
        try (TestFiler f = TestFiler.start(dir, clock, "dailyQuotaPerUser = 1000")) {
            Response over = put(f, romeo + "/r2/b.bin", 600);
            assertThat(over.status()).isEqualTo(413);
            assertThat(over.text()).contains("daily upload quota");
            assertThat(put(f, juliet + "/j1/c.bin", 300).status()).isEqualTo(201);
            // a failed upload does not count: after this 409 juliet still has 700 bytes left
            assertThat(put(f, juliet + "/j1/c.bin", 300).status()).isEqualTo(409);
            assertThat(put(f, juliet + "/j2/d.bin", 700).status()).isEqualTo(201);
            assertThat(put(f, juliet + "/j3/e.bin", 1).status()).isEqualTo(413);
        }
    }

    @Test
    void dailyQuotaRollsOver() throws Exception {
        String romeo = "2ed681f17049ef21eba6d9ffe6a7c5eaf5193572";
        try (TestFiler f = TestFiler.start(dir, clock, "dailyQuotaPerUser = 1000")) {
            assertThat(put(f, romeo + "/r1/a.bin", 600).status()).isEqualTo(201);
            assertThat(put(f, romeo + "/r2/b.bin", 600).status()).isEqualTo(413);
            clock.advance(Duration.ofHours(25));
            assertThat(put(f, romeo + "/r2/b.bin", 600).status()).isEqualTo(201);
        }
    }
}
