package org.prosodyfiler.it.xmpp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.jivesoftware.smack.packet.StanzaError;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;
import org.prosodyfiler.testsupport.FilerProcess;

/**
 * Real Prosody 0.12 with its own mod_http_file_share in external mode + Smack + our server: the
 * slot's PUT carries "Authorization: Bearer &lt;JWT&gt;" (HS256 over the shared secret), which
 * Smack copies from the slot into its PUT. After each upload the test checks the token Prosody
 * issued, downloads the file, reads the metadata our server stored with it, and then presents
 * the same token in every wrong way it can think of (replay, edited, wrong key, other path,
 * other length), each of which must be refused with mod_http_file_share's own status codes.
 *
 * <p>A second VirtualHost has http_file_share_expires_after = {@value #SHORT_EXPIRY_SECONDS} s,
 * so the JWT's "expires" claim runs out during the test: the file must be served until then,
 * hidden from then on, and deleted by our sweeper (sweepInterval 1 s here).
 */
@DisplayName("Prosody mod_http_file_share (external, JWT) -> Prosody Filer")
@ExtendWith(ProsodyFileShareIT.AttachLogs.class)
// Smack's PUT has no read timeout; a separate thread lets a hung upload fail instead of hanging the build.
@Timeout(value = 3, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ProsodyFileShareIT {
    static final long MIB = 1024 * 1024;
    /** http_file_share_size_limit: above the 20 MiB upload, so "limit + 1" stays small. */
    static final long SIZE_LIMIT = 21 * MIB;
    /** mod_http_file_share's default http_file_share_expires_after: one week. */
    static final long DEFAULT_EXPIRY_SECONDS = 7 * 86400;
    /** Long enough for a slot, a small PUT and a GET on a loaded CI box; short enough to wait for. */
    static final long SHORT_EXPIRY_SECONDS = 20;

    static final ProsodyServer.FileShareHost HOST = new ProsodyServer.FileShareHost("fs.prosody.test", OptionalLong.empty());
    static final ProsodyServer.FileShareHost SHORT = new ProsodyServer.FileShareHost("expiry.prosody.test",
            OptionalLong.of(SHORT_EXPIRY_SECONDS));
    static final Account ALICE = new Account("alice", HOST.domain(), "alice-pw-fs");
    static final Account BOB = new Account("bob", SHORT.domain(), "bob-pw-fs");

    @TempDir
    static Path dir;
    static Path storeDir;
    static String secret;
    static FilerProcess filer;
    static ProsodyServer prosody;
    static UploadClient alice;
    static UploadClient bob;
    static HttpClient http;

    @BeforeAll
    static void startServers() throws Exception {
        Installed.prosody();
        secret = FilerUnderTest.newSecret();
        storeDir = dir.resolve("store");
        filer = startFiler(dir.resolve("filer"), storeDir, secret);
        prosody = ProsodyServer.startFileShare(dir, filer.baseUri(), secret, SIZE_LIMIT, List.of(HOST, SHORT),
                List.of(ALICE, BOB));
        http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
        alice = UploadClient.login(prosody, ALICE);
        bob = UploadClient.login(prosody, BOB);
    }

    /**
     * Prosody Filer as for the other XMPP tests (default dialects, which include "jwt"), plus a
     * one-second sweep so that a file whose JWT "expires" has passed is deleted within the test.
     */
    static FilerProcess startFiler(Path filerDir, Path store, String sharedSecret) throws IOException {
        Files.createDirectories(filerDir);
        Files.createDirectories(store);
        String toml = """
                listenport = "127.0.0.1:0"
                secret = "%s"
                storeDir = "%s"
                uploadSubDir = "upload/"
                logLevel = "info"
                accessLog = true
                sweepInterval = "1s"
                """.formatted(sharedSecret, store.toString().replace("\\", "\\\\").replace("\"", "\\\""));
        return FilerProcess.start(filerDir, toml);
    }

    @AfterAll
    static void stopServers() {
        for (AutoCloseable c : new AutoCloseable[] {alice, bob, http, prosody, filer}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    // best effort: the next one must still be stopped
                }
            }
        }
    }

    @Test
    @DisplayName("small text file")
    void smallTextFile(@TempDir Path tmp) throws Exception {
        Path file = Files.writeString(tmp.resolve("upload.txt"),
                "Hello from the Prosody Filer JWT end-to-end test.\nZweite Zeile, äöü.\n", StandardCharsets.UTF_8);
        roundTrip(file, "hello.txt");
    }

    @Test
    @DisplayName("20 MiB of random bytes")
    void twentyMebibytesOfRandomBytes(@TempDir Path tmp) throws Exception {
        long seed = System.nanoTime();
        roundTrip(TestFiles.random(tmp, 20, seed), "random-" + seed + ".bin");
    }

    @Test
    @DisplayName("name with spaces and non-ASCII letters")
    void nameWithSpacesAndNonAsciiLetters(@TempDir Path tmp) throws Exception {
        Path file = Files.writeString(tmp.resolve("upload.bin"), "ça marche, même avec des espaces\n",
                StandardCharsets.UTF_8);
        roundTrip(file, "très cool été.bin");
    }

    @Test
    @DisplayName("name with characters Prosody leaves unescaped (+ ( ) = & ')")
    void nameWithSubDelimiters(@TempDir Path tmp) throws Exception {
        // LuaSocket keeps these in the path; "+" must stay a plus and "&" / "=" are not a query.
        Path file = Files.writeString(tmp.resolve("upload.txt"), "sub-delims\n", StandardCharsets.UTF_8);
        roundTrip(file, "notes+draft (v2)=final & co's.txt");
    }

    @Test
    @DisplayName("the content type declared in the slot request is served back")
    void declaredContentTypeIsServed(@TempDir Path tmp) throws Exception {
        // Smack's uploadFile always declares application/octet-stream, so these slots are asked
        // for with Smack's requestSlot and the PUT is ours, with the URL and header from the slot.
        byte[] text = "plain text, declared as such\n".getBytes(StandardCharsets.UTF_8);
        String textType = "text/plain; charset=utf-8";
        FileShareSlot textSlot = requestSlot(alice, ALICE, "declared.txt", text.length, textType, DEFAULT_EXPIRY_SECONDS);
        HttpResponse<String> put = put(textSlot.url(), Optional.of(textSlot.authorization()), Optional.of(textType),
                HttpRequest.BodyPublishers.ofByteArray(text));
        assertThat(put.statusCode()).as("PUT %s with Content-Type %s: %s", textSlot.url(), textType, put.body())
                .isEqualTo(201);
        assertServed(textSlot.url(), text, textType);
        assertStored(textSlot, Files.write(tmp.resolve("declared.txt"), text), textType);

        // A client that sends no Content-Type: the signed filetype claim is what gets recorded.
        byte[] png = new byte[512];
        new SecureRandom().nextBytes(png);
        FileShareSlot pngSlot = requestSlot(alice, ALICE, "picture.png", png.length, "image/png", DEFAULT_EXPIRY_SECONDS);
        put = put(pngSlot.url(), Optional.of(pngSlot.authorization()), Optional.empty(),
                HttpRequest.BodyPublishers.ofByteArray(png));
        assertThat(put.statusCode()).as("PUT %s without Content-Type: %s", pngSlot.url(), put.body()).isEqualTo(201);
        assertServed(pngSlot.url(), png, "image/png");
        assertStored(pngSlot, Files.write(tmp.resolve("picture.png"), png), "image/png");
    }

    @Test
    @DisplayName("file above http_file_share_size_limit gets no slot and stores nothing")
    void fileAboveTheLimitGetsNoSlot(@TempDir Path tmp) throws Exception {
        long tooLarge = SIZE_LIMIT + 1;
        Path file = tmp.resolve("upload.bin");
        try (RandomAccessFile sparse = new RandomAccessFile(file.toFile(), "rw")) {
            sparse.setLength(tooLarge);
        }
        Map<String, Long> before = UploadScenarios.storedFiles(storeDir);
        assertThat(alice.service().getMaxFileSize()).as("max-file-size in the service's disco#info").isEqualTo(SIZE_LIMIT);
        // Smack reads the announced limit and refuses up front, like other clients.
        assertThatThrownBy(() -> alice.upload(file, "too-big.bin")).isInstanceOf(IllegalArgumentException.class);
        // A client that ignores it is refused by Prosody itself (unlike mod_http_upload_external
        // in Debian 12, mod_http_file_share answers with a proper error).
        Optional<StanzaError> error = alice.requestOversizedSlot("too-big.bin", tooLarge, () -> false);
        assertThat(error).as("Prosody's answer to a slot request for %d bytes", tooLarge).isPresent();
        assertThat(error.get().getCondition()).as("slot error %s", error.get().toXML())
                .isEqualTo(StanzaError.Condition.not_acceptable);
        assertThat(error.get().toXML().toString()).as("error names the limit")
                .contains("file-too-large").contains("<max-file-size>" + SIZE_LIMIT + "</max-file-size>");
        assertThat(UploadScenarios.storedFiles(storeDir)).as("files in storeDir").isEqualTo(before);
    }

    @Test
    @DisplayName("JWT 'expires' from http_file_share_expires_after: served until then, hidden and deleted after")
    void expiresClaimIsHonoured(@TempDir Path tmp) throws Exception {
        Path file = Files.writeString(tmp.resolve("upload.txt"), "short-lived\n", StandardCharsets.UTF_8);
        byte[] bytes = Files.readAllBytes(file);
        long notBefore = Instant.now().getEpochSecond();
        UploadClient.Upload upload = bob.upload(file, "short-lived.txt");
        FileShareSlot slot = FileShareSlot.check(upload.putUrl(), upload.getUrl(), upload.putHeaders(),
                expected(BOB, "short-lived.txt", bytes.length, UploadClient.SMACK_CONTENT_TYPE, SHORT_EXPIRY_SECONDS,
                        notBefore));
        Instant expires = Instant.ofEpochSecond(slot.claims().expires().orElseThrow());
        Map<String, String> meta = assertStored(slot, file, UploadClient.SMACK_CONTENT_TYPE);
        assertThat(meta).as("metadata of %s", slot.path()).containsEntry("expires", Long.toString(expires.getEpochSecond()));

        // Until "expires" every GET must succeed; from then on every GET must be a 404.
        Instant lastServed = null;
        Instant firstGone = null;
        Instant deadline = expires.plusSeconds(30);
        while (firstGone == null && Instant.now().isBefore(deadline)) {
            Instant asked = Instant.now();
            HttpResponse<byte[]> get = get(slot.url());
            if (get.statusCode() == 200) {
                assertThat(get.body()).as("GET %s before it expired", slot.url()).isEqualTo(bytes);
                lastServed = asked;
            } else {
                assertThat(get.statusCode()).as("GET %s", slot.url()).isEqualTo(404);
                firstGone = Instant.now();
            }
            Thread.sleep(250);
        }
        assertThat(lastServed).as("the file was served at least once before it expired at %s "
                + "(a slow box can make this fail: raise SHORT_EXPIRY_SECONDS)", expires).isNotNull();
        assertThat(firstGone).as("GET turned 404 within 30 s after %s", expires).isNotNull();
        // Whole seconds on both sides (iat, epoch-second expiry): allow one second of rounding.
        assertThat(lastServed).as("last 200").isBefore(expires.plusSeconds(1));
        assertThat(firstGone).as("first 404").isAfterOrEqualTo(expires.minusSeconds(1));

        Path stored = storeDir.resolve(slot.path());
        Instant sweepDeadline = Instant.now().plusSeconds(30);
        while (Files.exists(stored) && Instant.now().isBefore(sweepDeadline)) {
            Thread.sleep(200);
        }
        assertThat(stored).as("the sweeper deletes the expired file").doesNotExist();
    }

    /** Smack upload, then token, GET, metadata and refusal checks. */
    private static void roundTrip(Path file, String name) throws Exception {
        long size = Files.size(file);
        long notBefore = Instant.now().getEpochSecond();
        UploadClient.Upload upload = alice.upload(file, name);
        assertThat(upload.returnedUrl()).as("Smack returns the slot's GET URL").isEqualTo(upload.getUrl());
        FileShareSlot slot = FileShareSlot.check(upload.putUrl(), upload.getUrl(), upload.putHeaders(),
                expected(ALICE, name, size, UploadClient.SMACK_CONTENT_TYPE, DEFAULT_EXPIRY_SECONDS, notBefore));

        String sha256 = UploadScenarios.sha256(file);
        assertServed(slot.url(), file, size, sha256, UploadClient.SMACK_CONTENT_TYPE);
        assertStored(slot, file, UploadClient.SMACK_CONTENT_TYPE);
        assertRefusals(slot, file, name);
        assertServed(slot.url(), file, size, sha256, UploadClient.SMACK_CONTENT_TYPE);
    }

    /**
     * Every wrong use of a valid token after the upload. The statuses are mod_http_file_share's
     * own (handle_upload): 401 bad or missing token, 400 slot mismatch, 413 size mismatch, 409
     * completed slot. Nothing may change on disk.
     */
    private static void assertRefusals(FileShareSlot slot, Path file, String name) throws Exception {
        Map<String, Long> before = UploadScenarios.storedFiles(storeDir);
        String type = UploadClient.SMACK_CONTENT_TYPE;
        Optional<String> bearer = Optional.of(slot.authorization());
        byte[] plusOne = concat(Files.readAllBytes(file), new byte[] {'!'});

        HttpResponse<String> replay = put(slot.url(), bearer, Optional.of(type), HttpRequest.BodyPublishers.ofFile(file));
        assertThat(replay.statusCode()).as("second PUT with the same token: %s", replay.body()).isEqualTo(409);

        HttpResponse<String> anonymous = put(slot.url(), Optional.empty(), Optional.of(type),
                HttpRequest.BodyPublishers.ofFile(file));
        assertUnauthorized(anonymous, "PUT without Authorization");

        // An uploader who edits the token to reach another slot, keeping Prosody's signature.
        String otherSlot = randomSlotId();
        HttpResponse<String> edited = put(slot.withSlot(otherSlot),
                Optional.of("Bearer " + slot.tamperedToken("slot", otherSlot)), Optional.of(type),
                HttpRequest.BodyPublishers.ofFile(file));
        assertUnauthorized(edited, "PUT with the slot claim edited");
        HttpResponse<String> bigger = put(slot.withSlot(otherSlot),
                Optional.of("Bearer " + slot.tamperedToken("filesize", plusOne.length)), Optional.of(type),
                HttpRequest.BodyPublishers.ofByteArray(plusOne));
        assertUnauthorized(bigger, "PUT with the filesize claim edited");
        HttpResponse<String> wrongKey = put(slot.withSlot(otherSlot),
                Optional.of("Bearer " + slot.tokenSignedWith(FilerUnderTest.newSecret())), Optional.of(type),
                HttpRequest.BodyPublishers.ofFile(file));
        assertUnauthorized(wrongKey, "PUT with a token signed with another secret");

        // The right token, but not for this URL: another real slot Prosody handed out, or another name.
        FileShareSlot second = requestSlot(alice, ALICE, name, Files.size(file), type, DEFAULT_EXPIRY_SECONDS);
        HttpResponse<String> elsewhere = put(second.url(), bearer, Optional.of(type), HttpRequest.BodyPublishers.ofFile(file));
        assertThat(elsewhere.statusCode()).as("PUT to another slot %s with this slot's token: %s", second.url(),
                elsewhere.body()).isEqualTo(400);
        HttpResponse<String> renamed = put(slot.withFileName("renamed-" + name), bearer, Optional.of(type),
                HttpRequest.BodyPublishers.ofFile(file));
        assertThat(renamed.statusCode()).as("PUT to this slot under another file name: %s", renamed.body())
                .isEqualTo(400);

        // The right token and URL, but a body of another length.
        HttpResponse<String> longer = put(slot.url(), bearer, Optional.of(type), HttpRequest.BodyPublishers.ofByteArray(plusOne));
        assertThat(longer.statusCode()).as("PUT with Content-Length = filesize + 1: %s", longer.body()).isEqualTo(413);

        assertThat(UploadScenarios.storedFiles(storeDir)).as("files in storeDir after the refused PUTs").isEqualTo(before);
    }

    private static void assertUnauthorized(HttpResponse<String> response, String what) {
        assertThat(response.statusCode()).as("%s: %s", what, response.body()).isEqualTo(401);
        assertThat(response.headers().allValues("WWW-Authenticate")).as("%s: WWW-Authenticate", what)
                .containsExactly("Bearer");
    }

    /** GET returns the uploaded bytes with the recorded Content-Type. */
    private static void assertServed(URI url, Path file, long size, String sha256, String contentType) throws Exception {
        HttpResponse<InputStream> get = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(60)).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        String downloaded;
        try (InputStream body = get.body()) {
            downloaded = UploadScenarios.sha256(body);
        }
        assertThat(get.statusCode()).as("GET %s", url).isEqualTo(200);
        assertThat(get.headers().firstValueAsLong("Content-Length")).as("GET Content-Length").hasValue(size);
        assertThat(downloaded).as("SHA-256 of the GET body (file %s)", file).isEqualTo(sha256);
        assertThat(get.headers().firstValue("Content-Type")).as("GET Content-Type").hasValue(contentType);
    }

    private static void assertServed(URI url, byte[] bytes, String contentType) throws Exception {
        HttpResponse<byte[]> get = get(url);
        assertThat(get.statusCode()).as("GET %s", url).isEqualTo(200);
        assertThat(get.body()).as("GET body").isEqualTo(bytes);
        assertThat(get.headers().firstValue("Content-Type")).as("GET Content-Type").hasValue(contentType);
    }

    /**
     * The file is at storeDir/&lt;slot&gt;/&lt;name&gt; with the uploaded bytes, and its metadata has
     * the token's "expires" and its "sub" as owner, and the content type: recorded, or left out
     * when the file name implies it anyway. Returns the metadata.
     */
    private static Map<String, String> assertStored(FileShareSlot slot, Path file, String contentType) throws IOException {
        Optional<Path> stored = StoredMetadata.onDisk(storeDir, slot.path());
        if (stored.isEmpty()) {
            return Map.of(); // this JVM cannot name the file (non-UTF-8 locale); the HTTP checks remain
        }
        assertThat(stored.get()).as("file stored under storeDir/<slot>/<file name>").isRegularFile();
        assertThat(UploadScenarios.sha256(stored.get())).as("SHA-256 of %s", stored.get())
                .isEqualTo(UploadScenarios.sha256(file));
        Map<String, String> meta = StoredMetadata.read(storeDir, slot.path());
        String impliedByName = org.prosodyfiler.serving.MimeTypes.forFileName(stored.get().getFileName().toString());
        assertThat(meta.getOrDefault("type", impliedByName)).as("type recorded in, or implied by the name of, %s (metadata %s)",
                stored.get(), meta).isEqualTo(contentType);
        if (contentType.equals(impliedByName)) {
            assertThat(meta).as("a type the name implies is not recorded: %s", stored.get()).doesNotContainKey("type");
        }
        assertThat(meta).as("metadata (getfattr -n user.prosody-filer) of %s", stored.get())
                .containsEntry("expires", Long.toString(slot.claims().expires().orElseThrow()))
                .containsEntry("owner", slot.claims().sub());
        return meta;
    }

    private static FileShareSlot requestSlot(UploadClient client, Account account, String name, long size,
                                             String contentType, long expiresAfter) throws Exception {
        long notBefore = Instant.now().getEpochSecond();
        UploadClient.SlotGrant grant = client.requestSlot(name, size, contentType);
        return FileShareSlot.check(grant.putUrl(), grant.getUrl(), grant.putHeaders(),
                expected(account, name, size, contentType, expiresAfter, notBefore));
    }

    private static FileShareSlot.Expected expected(Account account, String name, long size, String contentType,
                                                   long expiresAfter, long notBefore) {
        return new FileShareSlot.Expected(filer.baseUri(), secret, account.bareJid(), name, size, contentType,
                expiresAfter, notBefore, Instant.now().getEpochSecond());
    }

    private static HttpResponse<String> put(URI url, Optional<String> authorization, Optional<String> contentType,
                                            HttpRequest.BodyPublisher body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(60)).PUT(body);
        authorization.ifPresent(a -> request.header("Authorization", a));
        contentType.ifPresent(t -> request.header("Content-Type", t));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<byte[]> get(URI url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(60)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    /** A slot id of the shape Prosody uses (24 base64url characters) that it never handed out. */
    private static String randomSlotId() {
        byte[] b = new byte[18];
        new SecureRandom().nextBytes(b);
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Appends both servers' log tails to every failure (JUnit deletes the temp dirs). */
    static final class AttachLogs implements TestExecutionExceptionHandler, LifecycleMethodExecutionExceptionHandler {
        @Override
        public void handleTestExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
            throw withLogs(failure);
        }

        @Override
        public void handleBeforeAllMethodExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
            throw withLogs(failure);
        }

        private static Throwable withLogs(Throwable failure) {
            if (failure instanceof TestAbortedException) {
                return failure;
            }
            StringBuilder logs = new StringBuilder(String.valueOf(failure.getMessage()));
            if (prosody != null) {
                logs.append("\n--- ").append(prosody.name()).append(": log tail ---\n").append(prosody.logTail(60));
            }
            if (filer != null) {
                logs.append("\n--- Prosody Filer ").append(filer.baseUri()).append(": log tail ---\n")
                        .append(filer.logTail(40));
            }
            return new AssertionError(logs.toString(), failure);
        }
    }
}
