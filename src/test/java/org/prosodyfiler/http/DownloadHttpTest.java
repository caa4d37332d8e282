package org.prosodyfiler.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.prosodyfiler.protocol.Dialect;
import org.prosodyfiler.testsupport.RawHttp;
import org.prosodyfiler.testsupport.RawHttp.Response;
import org.prosodyfiler.testsupport.TestFiler;

/** GET/HEAD over real HTTP: safe headers, ranges, conditional requests, keep-alive, pipelining. */
class DownloadHttpTest {
    @TempDir
    Path dir;
    TestFiler filer;
    byte[] data;

    @BeforeEach
    void start() throws IOException {
        filer = TestFiler.start(dir);
        data = new byte[100_000];
        new Random(42).nextBytes(data);
        upload("abc/video.mp4", data, "video/mp4");
    }

    @AfterEach
    void stop() {
        filer.close();
    }

    private void upload(String path, byte[] body, String type) throws IOException {
        try (RawHttp c = filer.connect()) {
            String target = "/upload/" + path + "?v2=" + filer.signer().sign(Dialect.V2, path, body.length, type);
            Response r = c.exchange("PUT", target, List.of("Content-Length: " + body.length, "Content-Type: " + type), body);
            assertThat(r.status()).isEqualTo(201);
        }
    }

    private Response get(String path, String... headers) throws IOException {
        try (RawHttp c = filer.connect()) {
            return c.exchange("GET", "/upload/" + path, List.of(headers), null);
        }
    }

    @Test
    void fullGetHasExactBytesAndHeaders() throws IOException {
        Response r = get("abc/video.mp4");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(data);
        assertThat(r.header("Content-Length")).isEqualTo("100000");
        assertThat(r.header("Content-Type")).isEqualTo("video/mp4");
        assertThat(r.header("Accept-Ranges")).isEqualTo("bytes");
        assertThat(r.header("ETag")).matches("\"[0-9a-f-]+\"");
        assertThat(r.header("Last-Modified")).endsWith("GMT");
        assertThat(r.header("Cache-Control")).contains("immutable").contains("max-age=");
        assertThat(r.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(r.header("Content-Security-Policy")).contains("default-src 'none'").contains("sandbox");
        assertThat(r.header("Content-Disposition")).isEqualTo("inline; filename=\"video.mp4\"; filename*=UTF-8''video.mp4");
        assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo("*");
    }

    @Test
    void headHasTheRealLengthAndNoBody() throws IOException {
        try (RawHttp c = filer.connect()) {
            Response h = c.exchange("HEAD", "/upload/abc/video.mp4", List.of("Accept-Encoding: identity", "Range: bytes=0-9"), null);
            assertThat(h.status()).isEqualTo(200); // Range is for GET only
            assertThat(h.header("Content-Length")).isEqualTo("100000");
            assertThat(h.header("Content-Type")).isEqualTo("video/mp4");
            // keep-alive: the next request on the same connection works, so no body was sent
            Response g = c.exchange("GET", "/upload/abc/video.mp4", List.of("Range: bytes=0-3"), null);
            assertThat(g.status()).isEqualTo(206);
            assertThat(g.body()).isEqualTo(Arrays.copyOfRange(data, 0, 4));
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "bytes=0-99 | 0 | 99",
        "bytes=500- | 500 | 99999",
        "bytes=-1000 | 99000 | 99999",
        "bytes=99999-99999 | 99999 | 99999",
        "bytes=90000-200000 | 90000 | 99999",
    })
    void singleRanges(String range, int first, int last) throws IOException {
        Response r = get("abc/video.mp4", "Range: " + range);
        assertThat(r.status()).isEqualTo(206);
        assertThat(r.header("Content-Range")).isEqualTo("bytes " + first + "-" + last + "/100000");
        assertThat(r.header("Content-Length")).isEqualTo(String.valueOf(last - first + 1));
        assertThat(r.body()).isEqualTo(Arrays.copyOfRange(data, first, last + 1));
    }

    @Test
    void unsatisfiableRange() throws IOException {
        Response r = get("abc/video.mp4", "Range: bytes=100000-");
        assertThat(r.status()).isEqualTo(416);
        assertThat(r.header("Content-Range")).isEqualTo("bytes */100000");
    }

    @Test
    void multiRangeAndMalformedRangeGetTheWholeFile() throws IOException {
        for (String range : List.of("bytes=0-1,5-6", "bytes=abc", "pages=1-2", "bytes=5-1")) {
            Response r = get("abc/video.mp4", "Range: " + range);
            assertThat(r.status()).as(range).isEqualTo(200);
            assertThat(r.body()).isEqualTo(data);
        }
    }

    @Test
    void conditionalRequests() throws IOException {
        Response first = get("abc/video.mp4");
        String etag = first.header("ETag");
        String lastModified = first.header("Last-Modified");
        Response inm = get("abc/video.mp4", "If-None-Match: " + etag);
        assertThat(inm.status()).isEqualTo(304);
        assertThat(inm.body()).isEmpty();
        assertThat(inm.header("ETag")).isEqualTo(etag);
        assertThat(get("abc/video.mp4", "If-None-Match: \"x\"").status()).isEqualTo(200);
        assertThat(get("abc/video.mp4", "If-Modified-Since: " + lastModified).status()).isEqualTo(304);
        assertThat(get("abc/video.mp4", "If-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT").status()).isEqualTo(200);
        assertThat(get("abc/video.mp4", "If-Match: \"x\"").status()).isEqualTo(412);
        assertThat(get("abc/video.mp4", "If-Match: " + etag).status()).isEqualTo(200);
        // If-Range: resume only if the file is the same one
        assertThat(get("abc/video.mp4", "Range: bytes=10-19", "If-Range: " + etag).status()).isEqualTo(206);
        assertThat(get("abc/video.mp4", "Range: bytes=10-19", "If-Range: \"old\"").status()).isEqualTo(200);
        assertThat(get("abc/video.mp4", "Range: bytes=10-19", "If-Range: " + lastModified).status()).isEqualTo(206);
    }

    @Test
    void malformedHeadersNeverCause500() throws IOException {
        String[] nasty = {"Range: bytes=--", "Range: bytes=0-0-0", "If-None-Match: \"", "If-Modified-Since: 32 Foo 99999",
            "If-Range: W/", "Range: bytes=99999999999999999999-", "If-Match: ,,,", "Range: ,", "Range: bytes=,,,"};
        for (String h : nasty) {
            assertThat(get("abc/video.mp4", h).status()).as(h).isLessThan(500);
        }
    }

    @ParameterizedTest(name = "{0} as {1}")
    @CsvSource(delimiter = '|', value = {
        "x/page.html | text/html | text/html | attachment",
        "x/pic.svg | image/svg+xml | image/svg+xml | attachment",
        "x/doc.xhtml | application/xhtml+xml | application/xhtml+xml | attachment",
        "x/lying.jpg | text/html | text/html | attachment",
        "x/photo.jpg | image/jpeg | image/jpeg | inline",
        "x/notes.txt | text/plain | text/plain | inline",
        "x/song.ogg | audio/ogg | audio/ogg | inline",
        "x/report.pdf | application/pdf | application/pdf | attachment",
    })
    void activeContentIsAnAttachmentInertMediaIsInline(String path, String type, String served, String disposition) throws IOException {
        upload(path, "<script>alert(1)</script>".getBytes(StandardCharsets.UTF_8), type);
        Response r = get(path);
        assertThat(r.header("Content-Type")).isEqualTo(served);
        assertThat(r.header("Content-Disposition")).startsWith(disposition + ";");
        assertThat(r.header("Content-Security-Policy")).contains("sandbox");
        assertThat(r.header("X-Content-Type-Options")).isEqualTo("nosniff");
    }

    @Test
    void filesPlacedByHandGetATypeFromTheBuiltInTable() throws IOException {
        Path f = filer.store().resolve("old/legacy.png");
        Files.createDirectories(f.getParent());
        Files.write(f, new byte[] {1, 2, 3});
        Path g = filer.store().resolve("old/unknown.weird");
        Files.write(g, new byte[] {1});
        assertThat(get("old/legacy.png").header("Content-Type")).isEqualTo("image/png");
        assertThat(get("old/unknown.weird").header("Content-Type")).isEqualTo("application/octet-stream");
        assertThat(get("old/unknown.weird").header("Content-Disposition")).startsWith("attachment");
    }

    @Test
    void unicodeFileNamesUseRfc6266() throws IOException {
        String name = "tr%c3%a8s%20cool.jpg";
        String path = "abc/très cool.jpg";
        byte[] body = new byte[5];
        try (RawHttp c = filer.connect()) {
            String wire = "/upload/abc/" + name + "?v=" + filer.signer().sign(Dialect.V, path, 5, null);
            assertThat(c.exchange("PUT", wire, List.of("Content-Length: 5", "Content-Type: image/jpeg"), body).status()).isEqualTo(201);
        }
        Response r = get("abc/" + name);
        assertThat(r.header("Content-Disposition")).isEqualTo("inline; filename=\"tr_s cool.jpg\"; filename*=UTF-8''tr%C3%A8s%20cool.jpg");
    }

    @Test
    void aFileReplacedAtTheSamePathIsServedWithItsOwnType() throws IOException {
        byte[] body = new byte[64];
        upload("abc/again.bin", body, "image/png");
        assertThat(get("abc/again.bin").header("Content-Type")).isEqualTo("image/png");
        Files.delete(filer.store().resolve("abc/again.bin")); // e.g. expired and swept
        upload("abc/again.bin", body, "text/html");
        assertThat(get("abc/again.bin").header("Content-Type")).isEqualTo("text/html");
        assertThat(get("abc/again.bin").header("Content-Disposition")).startsWith("attachment");
    }

    @ParameterizedTest(name = "{0} bytes")
    @CsvSource({"1", "5000", "16384", "16385"}) // around the size up to which files are served from memory
    void smallFilesHaveExactBytesRangesAndValidatorsOnEveryRead(int size) throws IOException {
        byte[] small = new byte[size];
        new Random(size).nextBytes(small);
        upload("abc/small.bin", small, "application/octet-stream");
        String etag = null;
        for (int read = 0; read < 3; read++) { // the first from disk, then from memory
            Response r = get("abc/small.bin");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(small);
            assertThat(r.header("Content-Length")).isEqualTo(String.valueOf(size));
            assertThat(r.header("Content-Disposition")).startsWith("attachment");
            etag = r.header("ETag");
            Response tail = get("abc/small.bin", "Range: bytes=-1");
            assertThat(tail.status()).isEqualTo(206);
            assertThat(tail.body()).isEqualTo(Arrays.copyOfRange(small, size - 1, size));
            Response first = get("abc/small.bin", "Range: bytes=0-0");
            assertThat(first.body()).isEqualTo(Arrays.copyOfRange(small, 0, 1));
        }
        assertThat(get("abc/small.bin", "If-None-Match: " + etag).status()).isEqualTo(304);
        try (RawHttp c = filer.connect()) {
            Response h = c.exchange("HEAD", "/upload/abc/small.bin", List.of(), null);
            assertThat(h.header("Content-Length")).isEqualTo(String.valueOf(size));
            assertThat(h.body()).isEmpty();
        }
    }

    @Test
    void aSmallFileReplacedBehindOurBackIsNeverServedStale() throws IOException {
        byte[] first = "first version".getBytes(StandardCharsets.UTF_8);
        byte[] second = "second versio".getBytes(StandardCharsets.UTF_8); // same size
        upload("abc/note.txt", first, "text/plain");
        assertThat(get("abc/note.txt").body()).isEqualTo(first);
        assertThat(get("abc/note.txt").body()).isEqualTo(first); // now served from memory
        // An admin (or the purge command, another process) deletes it; it is uploaded again later.
        Path file = filer.store().resolve("abc/note.txt");
        java.nio.file.attribute.FileTime before = Files.getLastModifiedTime(file);
        Files.delete(file);
        upload("abc/note.txt", second, "text/plain");
        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(before.toMillis() + 2000));
        Response r = get("abc/note.txt");
        assertThat(r.body()).isEqualTo(second);
        // Removed by hand: a stat is trusted for a second (like nginx's open_file_cache_valid), then it is gone.
        Files.delete(file);
        sleepMillis(1100);
        assertThat(get("abc/note.txt").status()).isEqualTo(404);
    }

    private static void sleepMillis(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Test
    void aTypeTheNameImpliesIsNotRecordedYetServedTheSame() throws IOException {
        byte[] body = new byte[10];
        upload("abc/photo.jpg", body, "image/jpeg");
        upload("abc/photo2.jpg", body, "image/png"); // a client that knows better than the extension
        Path implied = filer.store().resolve("abc/photo.jpg");
        var xattrs = Files.getFileAttributeView(implied, java.nio.file.attribute.UserDefinedFileAttributeView.class);
        if (xattrs != null && Files.getFileStore(implied).supportsFileAttributeView("user")) {
            assertThat(xattrs.list()).doesNotContain("prosody-filer");
        }
        assertThat(get("abc/photo.jpg").header("Content-Type")).isEqualTo("image/jpeg");
        assertThat(get("abc/photo2.jpg").header("Content-Type")).isEqualTo("image/png");
    }

    @Test
    void keepAliveAndPipelining() throws IOException {
        byte[] small = "small".getBytes(StandardCharsets.UTF_8);
        upload("abc/small.txt", small, "text/plain");
        try (RawHttp c = filer.connect()) {
            // Three requests in one write: the answers come back complete and in order.
            c.send("GET /upload/abc/small.txt HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /upload/missing HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /upload/abc/video.mp4 HTTP/1.1\r\nHost: x\r\nRange: bytes=0-9\r\n\r\n");
            Response a = c.read(false);
            Response b = c.read(false);
            Response d = c.read(false);
            assertThat(a.status()).isEqualTo(200);
            assertThat(a.body()).isEqualTo(small);
            assertThat(b.status()).isEqualTo(404);
            assertThat(d.status()).isEqualTo(206);
            assertThat(d.body()).isEqualTo(Arrays.copyOf(data, 10));
            // and the connection is still good afterwards
            assertThat(c.exchange("GET", "/upload/abc/small.txt", List.of(), null).body()).isEqualTo(small);
        }
    }

    @Test
    void http10ClosesUnlessKeepAliveIsAsked() throws IOException {
        try (RawHttp c = filer.connect()) {
            c.send("GET /upload/abc/video.mp4 HTTP/1.0\r\n\r\n");
            Response r = c.read(false);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(data);
            assertThat(c.closedByServer(5000)).isTrue();
        }
    }

    /** Refused at once, before the request's (empty) end is read: still closed right after the answer. */
    @Test
    void http10RefusalsCloseRightAfterTheAnswer() throws IOException {
        for (String target : List.of("/elsewhere/x", "/upload/abc/%2e%2e/x", "/upload/abc/missing.bin")) {
            try (RawHttp c = filer.connect()) {
                c.send("GET " + target + " HTTP/1.0\r\n\r\n");
                assertThat(c.read(false).status()).as(target).isBetween(400, 404);
                assertThat(c.closedByServer(3000)).as(target).isTrue();
            }
        }
    }

    @Test
    void largeFileRangesHaveExactChecksums() throws Exception {
        int size = 24 * 1024 * 1024 + 123;
        byte[] big = new byte[size];
        new Random(1).nextBytes(big);
        upload("abc/big.bin", big, "application/octet-stream");
        assertThat(sha256(get("abc/big.bin").body())).isEqualTo(sha256(big));
        // A downloader resuming in pieces, like Conversations does with Range: bytes=N-
        List<byte[]> parts = new ArrayList<>();
        int step = 5_000_000;
        for (int off = 0; off < size; off += step) {
            Response r = get("abc/big.bin", "Range: bytes=" + off + "-" + (Math.min(size, off + step) - 1));
            assertThat(r.status()).isEqualTo(206);
            parts.add(r.body());
        }
        Response tail = get("abc/big.bin", "Range: bytes=" + (size - 777) + "-");
        assertThat(tail.body()).isEqualTo(Arrays.copyOfRange(big, size - 777, size));
        java.io.ByteArrayOutputStream joined = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            joined.write(p);
        }
        assertThat(sha256(joined.toByteArray())).isEqualTo(sha256(big));
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
