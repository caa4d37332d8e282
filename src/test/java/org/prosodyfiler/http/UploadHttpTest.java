package org.prosodyfiler.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.prosodyfiler.protocol.Dialect;
import org.prosodyfiler.testsupport.RawHttp;
import org.prosodyfiler.testsupport.RawHttp.Response;
import org.prosodyfiler.testsupport.TestFiler;

/** The upload path over real HTTP on loopback, with real files: issue "Core", rule by rule. */
class UploadHttpTest {
    @TempDir
    Path dir;
    TestFiler filer;

    @BeforeEach
    void start() throws IOException {
        filer = TestFiler.start(dir, "maxUploadSize = 1000000");
    }

    @AfterEach
    void stop() {
        filer.close();
    }

    private Response put(String target, byte[] body, String... headers) throws IOException {
        try (RawHttp c = filer.connect()) {
            List<String> h = new ArrayList<>(List.of(headers));
            h.add("Content-Length: " + body.length);
            return c.exchange("PUT", target, h, body);
        }
    }

    private Response get(String target, String... headers) throws IOException {
        try (RawHttp c = filer.connect()) {
            return c.exchange("GET", target, List.of(headers), null);
        }
    }

    private String sign(Dialect d, String decoded, long size, String type) {
        return filer.signer().sign(d, decoded, size, type);
    }

    // --- the Go original's own test cases ----------------------------------------------------

    @Test
    void validV1UploadThenGetAndHead() throws IOException {
        byte[] body = "hello world".getBytes(StandardCharsets.UTF_8);
        Response r = put(filer.signedTarget("thomas/abc/catmetal.jpg", "thomas/abc/catmetal.jpg", body.length), body, "Content-Type: image/jpeg");
        assertThat(r.status()).isEqualTo(201);
        assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo("*");
        assertThat(Files.readAllBytes(filer.store().resolve("thomas/abc/catmetal.jpg"))).isEqualTo(body);

        Response g = get("/upload/thomas/abc/catmetal.jpg");
        assertThat(g.status()).isEqualTo(200);
        assertThat(g.body()).isEqualTo(body);
        assertThat(g.header("Content-Type")).isEqualTo("image/jpeg");

        try (RawHttp c = filer.connect()) {
            Response h = c.exchange("HEAD", "/upload/thomas/abc/catmetal.jpg", List.of(), null);
            assertThat(h.status()).isEqualTo(200);
            assertThat(h.header("Content-Length")).isEqualTo("11");
            assertThat(h.header("Content-Type")).isEqualTo("image/jpeg");
            assertThat(h.body()).isEmpty();
        }
    }

    @Test
    void validV2AndTokenUploads() throws IOException {
        byte[] body = new byte[23];
        String p2 = "thomas/abc/v2.jpg";
        assertThat(put("/upload/" + p2 + "?v2=" + sign(Dialect.V2, p2, 23, "image/jpeg"), body, "Content-Type: image/jpeg").status()).isEqualTo(201);
        String pt = "thomas/abc/token.jpg";
        assertThat(put("/upload/" + pt + "?token=" + sign(Dialect.TOKEN, pt, 23, "image/jpeg"), body, "Content-Type: image/jpeg").status()).isEqualTo(201);
    }

    @Test
    void v2WithTheMonalOmemoTypeIsAcceptedWhereTheGoOriginalRefusesIt() throws IOException {
        byte[] body = new byte[40];
        String p = "abc/photo.jpg";
        String mac = sign(Dialect.V2, p, 40, "application/octet-stream");
        assertThat(put("/upload/" + p + "?v2=" + mac, body, "Content-Type: application/octet-stream").status()).isEqualTo(201);
        String t = "abc/notes.txt";
        assertThat(put("/upload/" + t + "?v2=" + sign(Dialect.V2, t, 40, "text/plain"), body, "Content-Type: text/plain").status()).isEqualTo(201);
        assertThat(get("/upload/" + t).header("Content-Type")).isEqualTo("text/plain");
    }

    @Test
    void missingAndInvalidMac() throws IOException {
        byte[] body = new byte[5];
        Response missing = put("/upload/abc/a.txt", body);
        assertThat(missing.status()).isEqualTo(401); // JWT dialect on by default: ask for a Bearer token too
        assertThat(missing.header("WWW-Authenticate")).isEqualTo("Bearer");
        Response bad = put("/upload/abc/a.txt?v=" + "ab".repeat(32), body);
        assertThat(bad.status()).isEqualTo(403);
        assertThat(bad.text()).contains("Invalid MAC");
        assertThat(Files.exists(filer.store().resolve("abc/a.txt"))).isFalse();
    }

    @Test
    void missingMacIs403WithoutJwt(@TempDir Path other) throws IOException {
        try (TestFiler hmacOnly = TestFiler.start(other, "dialects = [\"v\", \"v2\", \"token\"]");
             RawHttp c = hmacOnly.connect()) {
            Response r = c.exchange("PUT", "/upload/abc/a.txt", List.of("Content-Length: 1"), new byte[1]);
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.text()).contains("no upload token");
        }
    }

    @Test
    void malformedQueryEscapesGet400() throws IOException {
        assertThat(put("/upload/abc/q.txt?v=%zz", new byte[1]).status()).isEqualTo(400);
        assertThat(put("/upload/abc/q.txt?v=%", new byte[1]).status()).isEqualTo(400);
    }

    @Test
    void otherMethodsGet405WithAllow() throws IOException {
        try (RawHttp c = filer.connect()) {
            Response r = c.exchange("POST", "/upload/abc/a.txt", List.of("Content-Length: 3"), "abc".getBytes(StandardCharsets.UTF_8));
            assertThat(r.status()).isEqualTo(405);
            assertThat(r.header("Allow")).isEqualTo("OPTIONS, HEAD, GET, PUT");
            // the small body was read and dropped: the connection is still usable
            assertThat(c.exchange("GET", "/upload/abc/a.txt", List.of(), null).status()).isEqualTo(404);
        }
    }

    @Test
    void bareEmptyPathAndDirectoriesAreNotListed() throws IOException {
        byte[] body = new byte[3];
        assertThat(put(filer.signedTarget("dir/sub/f.txt", "dir/sub/f.txt", 3), body).status()).isEqualTo(201);
        assertThat(get("/upload/").status()).isEqualTo(403);
        assertThat(get("/upload/dir").status()).isEqualTo(403);
        assertThat(get("/upload/dir/").status()).isEqualTo(403);
        assertThat(get("/upload/dir/sub").status()).isEqualTo(403);
        assertThat(get("/upload/nope.txt").status()).isEqualTo(404);
        assertThat(get("/elsewhere/dir/sub/f.txt").status()).isEqualTo(404);
        assertThat(get("/upload/dir/sub/f.txt").status()).isEqualTo(200);
    }

    @Test
    void optionsAnswersThePreflight() throws IOException {
        try (RawHttp c = filer.connect()) {
            Response r = c.exchange("OPTIONS", "/upload/abc/a.txt", List.of("Origin: https://web.example", "Access-Control-Request-Method: PUT"), null);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo("*");
            assertThat(r.header("Access-Control-Allow-Methods")).contains("PUT");
            assertThat(r.header("Access-Control-Allow-Headers")).contains("Content-Type").contains("Authorization");
            assertThat(r.header("Access-Control-Allow-Credentials")).isNull();
            assertThat(r.header("Allow")).contains("PUT");
        }
    }

    // --- lengths and sizes ------------------------------------------------------------------

    @Test
    void chunkedUploadGets411() throws IOException {
        try (RawHttp c = filer.connect()) {
            c.send("PUT " + filer.signedTarget("abc/c.txt", "abc/c.txt", 5) + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
            Response r = c.read(false);
            assertThat(r.status()).isEqualTo(411);
        }
        assertThat(Files.exists(filer.store().resolve("abc/c.txt"))).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "abc", "1e3", "0x10"})
    void malformedLengthGets400(String length) throws IOException {
        try (RawHttp c = filer.connect()) {
            c.send("PUT " + filer.signedTarget("abc/l.txt", "abc/l.txt", 5) + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + length + "\r\n\r\n");
            assertThat(c.read(false).status()).isEqualTo(400);
        }
    }

    @Test
    void tooLargeGets413BeforeTheBodyIsRead() throws IOException {
        long size = 2_000_000;
        try (RawHttp c = filer.connect()) {
            // Only the head is sent: the answer must come without waiting for 2 MB.
            c.send("PUT " + filer.signedTarget("abc/big.bin", "abc/big.bin", size) + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + size + "\r\n\r\n");
            Response r = c.read(false);
            assertThat(r.status()).isEqualTo(413);
            assertThat(r.text()).contains("limit");
        }
    }

    @Test
    void sizeMismatchIsAnInvalidMac() throws IOException {
        byte[] body = new byte[10];
        assertThat(put(filer.signedTarget("abc/m.txt", "abc/m.txt", 11), body).status()).isEqualTo(403);
    }

    @Test
    void emptyFileUpload() throws IOException {
        assertThat(put(filer.signedTarget("abc/empty", "abc/empty", 0), new byte[0]).status()).isEqualTo(201);
        Response g = get("/upload/abc/empty");
        assertThat(g.status()).isEqualTo(200);
        assertThat(g.header("Content-Length")).isEqualTo("0");
    }

    // --- no overwrite, concurrency, interrupted uploads -------------------------------------

    @Test
    void secondUploadGets409AndTheStoredFileIsUntouched() throws IOException {
        byte[] first = "first".getBytes(StandardCharsets.UTF_8);
        byte[] second = "other".getBytes(StandardCharsets.UTF_8);
        String target = filer.signedTarget("abc/x.txt", "abc/x.txt", 5);
        assertThat(put(target, first).status()).isEqualTo(201);
        assertThat(put(target, second).status()).isEqualTo(409);
        assertThat(Files.readAllBytes(filer.store().resolve("abc/x.txt"))).isEqualTo(first);
    }

    @Test
    void ofManyConcurrentUploadsToOnePathExactlyOneWins() throws Exception {
        int n = 24;
        int size = 64 * 1024;
        String target = filer.signedTarget("race/same.bin", "race/same.bin", size);
        ExecutorService pool = Executors.newFixedThreadPool(n);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Integer>> results = new ArrayList<>();
        List<byte[]> bodies = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] body = new byte[size];
            java.util.Arrays.fill(body, (byte) i);
            bodies.add(body);
            Callable<Integer> task = () -> {
                go.await();
                return put(target, body).status();
            };
            results.add(pool.submit(task));
        }
        go.countDown();
        List<Integer> statuses = new ArrayList<>();
        for (Future<Integer> f : results) {
            statuses.add(f.get());
        }
        pool.shutdown();
        assertThat(statuses).containsOnly(201, 409);
        assertThat(statuses.stream().filter(s -> s == 201).count()).isEqualTo(1);
        byte[] stored = Files.readAllBytes(filer.store().resolve("race/same.bin"));
        int winner = statuses.indexOf(201);
        assertThat(stored).isEqualTo(bodies.get(winner));
        awaitNoTempFiles();
    }

    @Test
    void truncatedUploadLeavesNothingAndTheRetrySucceeds() throws Exception {
        int size = 300_000;
        byte[] body = new byte[size];
        new java.util.Random(7).nextBytes(body);
        String target = filer.signedTarget("abc/flaky.bin", "abc/flaky.bin", size);
        try (RawHttp c = filer.connect()) {
            c.send("PUT " + target + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + size + "\r\n\r\n");
            c.send(java.util.Arrays.copyOf(body, size / 2));
        } // connection dropped mid-body
        awaitNoTempFiles();
        assertThat(Files.exists(filer.store().resolve("abc/flaky.bin"))).isFalse();
        assertThat(get("/upload/abc/flaky.bin").status()).isEqualTo(404);

        assertThat(put(target, body).status()).isEqualTo(201);
        assertThat(Files.readAllBytes(filer.store().resolve("abc/flaky.bin"))).isEqualTo(body);
    }

    @Test
    void expectContinueGets100ThenTheUploadCompletes() throws IOException {
        byte[] body = new byte[4096];
        try (RawHttp c = filer.connect()) {
            c.send("PUT " + filer.signedTarget("abc/cont.bin", "abc/cont.bin", body.length) + " HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4096\r\n\r\n");
            assertThat(c.read(false).status()).isEqualTo(100);
            c.send(body);
            assertThat(c.read(false).status()).isEqualTo(201);
        }
    }

    @Test
    void expectContinueRefusalNeverAsksForTheBody() throws IOException {
        try (RawHttp c = filer.connect()) {
            c.send("PUT /upload/abc/no.bin?v=" + "00".repeat(32) + " HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4096\r\n\r\n");
            Response r = c.read(false);
            assertThat(r.status()).isEqualTo(403);
            assertThat(c.closedByServer(5000)).isTrue();
        }
    }

    /**
     * A client that keeps sending a big body after we answered (409, 413) must see our answer,
     * not a connection reset: the server drains the body before closing.
     */
    @Test
    void earlyAnswersToBigBodiesAreReadNotReset(@TempDir Path other) throws Exception {
        int size = 8 << 20;
        byte[] body = new byte[size];
        try (TestFiler unlimited = TestFiler.start(other)) {
            String target = unlimited.signedTarget("big/replay.bin", "big/replay.bin", size);
            assertThat(sendWhileReading(unlimited, target, body).status()).isEqualTo(201);
            for (int i = 0; i < 5; i++) {
                assertThat(sendWhileReading(unlimited, target, body).status()).as("replay " + i).isEqualTo(409);
            }
        }
        String tooBig = filer.signedTarget("big/toolarge.bin", "big/toolarge.bin", size);
        for (int i = 0; i < 5; i++) {
            assertThat(sendWhileReading(filer, tooBig, body).status()).as("too large " + i).isEqualTo(413);
        }
    }

    /**
     * nginx in the Go original's site proxies with HTTP/1.0 and does not buffer bodies: a refused
     * upload's small body must still be read before the connection closes, or the reset can reach
     * nginx before our 403 does and it answers 502 instead.
     */
    @Test
    void http10RefusalReadsTheSmallBodyBeforeClosing() throws Exception {
        int size = 300_000;
        try (RawHttp c = filer.connect()) {
            c.send("PUT /upload/abc/refused.bin?v=" + "00".repeat(32) + " HTTP/1.0\r\nContent-Length: " + size + "\r\n\r\n");
            assertThat(c.read(false).status()).isEqualTo(403);
            byte[] chunk = new byte[16 * 1024];
            for (int sent = 0; sent < size; sent += chunk.length) {
                c.send(java.util.Arrays.copyOf(chunk, Math.min(chunk.length, size - sent))); // a reset makes this throw
                Thread.sleep(1);
            }
            assertThat(c.closedByServer(5000)).isTrue();
        }
        assertThat(filer.store().resolve("abc/refused.bin")).doesNotExist();
    }

    /** Writes head and body from another thread, like a client that does not wait for answers. */
    private static Response sendWhileReading(TestFiler f, String target, byte[] body) throws Exception {
        try (RawHttp c = f.connect()) {
            java.util.concurrent.CompletableFuture<Void> writer = java.util.concurrent.CompletableFuture.runAsync(() -> {
                try {
                    c.send("PUT " + target + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length + "\r\n\r\n");
                    c.send(body);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            Response r = c.read(false);
            writer.get(30, java.util.concurrent.TimeUnit.SECONDS); // the whole body went out: no reset
            return r;
        }
    }

    // --- paths ------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "abc/my%20cat.jpg | abc/my cat.jpg",
        "abc/tr%c3%a8s%20cool%20%c3%a9t%c3%a9.jpg | abc/très cool été.jpg",
        "abc/100%25.png | abc/100%.png",
        "abc/a%2bb.jpg | abc/a+b.jpg",
        "abc/a+b.jpg | abc/a+b.jpg",
        "abc/a%3fb%23c%26e%3df%3bg%27h.txt | abc/a?b#c&e=f;g'h.txt",
        "abc/日本.png | abc/日本.png",
    })
    void namesSignedAsProsodySignsThem(String raw, String decoded) throws IOException {
        byte[] body = decoded.getBytes(StandardCharsets.UTF_8);
        String wire = new String(raw.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
        assertThat(put("/upload/" + wire + "?v=" + sign(Dialect.V, decoded, body.length, null), body).status()).isEqualTo(201);
        assertThat(Files.readAllBytes(filer.store().resolve(decoded))).isEqualTo(body);
        assertThat(get("/upload/" + wire).body()).isEqualTo(body);
    }

    @Test
    void plusIsNeverASpace() throws IOException {
        byte[] body = new byte[2];
        // A MAC over "a b.jpg" must not authorise "a+b.jpg".
        assertThat(put("/upload/abc/a+b.jpg?v=" + sign(Dialect.V, "abc/a b.jpg", 2, null), body).status()).isEqualTo(403);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "../escape.txt | ../escape.txt",
        "abc/../../escape.txt | abc/../../escape.txt",
        "%2e%2e/escape.txt | ../escape.txt",
        "abc/%2e%2e/%2e%2e/escape.txt | abc/../../escape.txt",
        "abc%2f..%2f..%2fescape.txt | abc/../../escape.txt",
        "abc/..%5c..%5cescape.txt | abc/..\\..\\escape.txt",
        "abc//escape.txt | abc//escape.txt",
        "abc/./escape.txt | abc/./escape.txt",
        "abc/%00escape.txt | abc/\u0000escape.txt",
        ".prosody-filer/tmp/escape.txt | .prosody-filer/tmp/escape.txt",
    })
    void traversalIsRefusedEvenWithAValidMac(String raw, String signedPath) throws IOException {
        byte[] body = "pwned".getBytes(StandardCharsets.UTF_8);
        Response r = put("/upload/" + raw + "?v=" + sign(Dialect.V, signedPath, body.length, null), body);
        assertThat(r.status()).isEqualTo(400);
        try (var files = Files.walk(dir)) {
            assertThat(files.filter(p -> p.getFileName().toString().contains("escape"))).isEmpty();
        }
        assertThat(get("/upload/" + raw).status()).isIn(400, 404);
    }

    @Test
    void absoluteFormRequestTargetsWork() throws IOException {
        byte[] body = new byte[3];
        String target = filer.signedTarget("abc/abs.txt", "abc/abs.txt", 3);
        assertThat(put("http://uploads.example.org" + target, body).status()).isEqualTo(201);
    }

    // --- metadata ---------------------------------------------------------------------------

    @Test
    void uploadedContentTypeIsServedBack() throws IOException {
        byte[] body = "<p>hi</p>".getBytes(StandardCharsets.UTF_8);
        String p = "abc/page.bin";
        assertThat(put("/upload/" + p + "?v2=" + sign(Dialect.V2, p, body.length, "text/html; charset=utf-8"), body,
                "Content-Type: text/html; charset=utf-8").status()).isEqualTo(201);
        Response g = get("/upload/" + p);
        assertThat(g.header("Content-Type")).isEqualTo("text/html; charset=utf-8");
        assertThat(g.header("Content-Disposition")).startsWith("attachment");
    }

    @Test
    void contentTypeSurvivesARestart() throws IOException {
        byte[] body = new byte[7];
        String p = "abc/voice.m4a";
        assertThat(put("/upload/" + p + "?v2=" + sign(Dialect.V2, p, 7, "audio/x-m4a"), body, "Content-Type: audio/x-m4a").status()).isEqualTo(201);
        filer.close();
        filer = TestFiler.start(dir, "maxUploadSize = 1000000");
        assertThat(get("/upload/" + p).header("Content-Type")).isEqualTo("audio/x-m4a");
    }

    @Test
    void everyResponseCarriesCorsAndNosniff() throws IOException {
        for (Response r : List.of(get("/upload/"), get("/upload/missing"), put("/upload/a/b?v=00", new byte[1]), get("/nowhere"))) {
            assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo("*");
            assertThat(r.header("X-Content-Type-Options")).isEqualTo("nosniff");
        }
    }

    private void awaitNoTempFiles() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!filer.tempFiles().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(filer.tempFiles()).isEmpty();
    }
}
