package org.prosodyfiler.it.xmpp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jivesoftware.smack.XMPPException.XMPPErrorException;
import org.jivesoftware.smack.packet.StanzaError;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The end-to-end scenarios, run once per XMPP server and dialect (the @Nested subclasses in
 * ProsodyUploadIT and EjabberdUploadIT). Smack asks the real XMPP server for a slot and uploads
 * to the real Prosody Filer; then we GET the URL Smack got back and compare SHA-256, check the
 * file on disk, and replay the PUT (which must be refused with 409 because the file exists).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(AttachServerLogs.class)
// Smack's PUT has no read timeout; a separate thread lets a hung upload fail instead of hanging the build.
@Timeout(value = 3, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
abstract class UploadScenarios {
    static final long MIB = 1024 * 1024;
    /** The XMPP servers' upload limit: above the 20 MiB upload, so "limit + 1" stays small. */
    static final long SIZE_LIMIT = 21 * MIB;

    private UploadClient client;
    private HttpClient http;

    /** Provided by the enclosing IT class, whose @BeforeAll has started both servers. */
    abstract UploadTarget target();

    @BeforeAll
    void login() throws Exception {
        UploadTarget target = target();
        http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
        client = UploadClient.login(target.server(), target.account());
    }

    @AfterAll
    void logout() {
        if (client != null) {
            client.close();
        }
        if (http != null) {
            http.close();
        }
    }

    @Test
    @DisplayName("small text file")
    void smallTextFile(@TempDir Path tmp) throws Exception {
        byte[] text = "Hello from the Prosody Filer end-to-end test.\nZweite Zeile, äöü.\n"
                .getBytes(StandardCharsets.UTF_8);
        Path file = Files.write(tmp.resolve("upload.txt"), text);
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
        Path file = Files.write(tmp.resolve("upload.bin"), "ça marche, même avec des espaces\n"
                .getBytes(StandardCharsets.UTF_8));
        roundTrip(file, "très cool été.bin");
    }

    @Test
    @DisplayName("file above the XMPP server's limit gets no slot and stores nothing")
    void fileAboveTheLimitGetsNoSlot(@TempDir Path tmp) throws Exception {
        UploadTarget target = target();
        long tooLarge = target.sizeLimit() + 1;
        Path file = tmp.resolve("upload.bin");
        try (RandomAccessFile sparse = new RandomAccessFile(file.toFile(), "rw")) {
            sparse.setLength(tooLarge);
        }
        Map<String, Long> before = storedFiles(target.storeDir());
        // The server announces its limit and Smack, like other clients, refuses up front.
        assertThat(client.service().getMaxFileSize()).as("max-file-size in the service's disco#info")
                .isEqualTo(target.sizeLimit());
        assertThatThrownBy(() -> client.upload(file, "too-big.bin"))
                .isInstanceOfAny(IllegalArgumentException.class, XMPPErrorException.class);
        // A client that ignores the announcement is stopped by the XMPP server itself: an error
        // naming the limit, or (Prosody with Debian 12's module) a logged refusal and no answer.
        XmppServer server = target.server();
        String service = client.service().getAddress().toString();
        long mark = server.logMark();
        Optional<StanzaError> error = client.requestOversizedSlot("too-big.bin", tooLarge,
                () -> server.refusedSlotWithoutAnswer(mark, service, tooLarge, target.sizeLimit()));
        if (error.isPresent()) {
            assertThat(error.get().getCondition()).as("slot error %s", error.get().toXML())
                    .isEqualTo(StanzaError.Condition.not_acceptable);
            assertThat(error.get().toXML().toString()).as("error names the limit")
                    .contains("file-too-large").contains(Long.toString(target.sizeLimit()));
        }
        assertThat(storedFiles(target.storeDir())).as("files in storeDir").isEqualTo(before);
    }

    /** Smack upload, then GET, on-disk and replay checks. */
    private void roundTrip(Path file, String name) throws Exception {
        UploadTarget target = target();
        long size = Files.size(file);
        String sha256 = sha256(file);

        UploadClient.Upload upload = client.upload(file, name);

        assertThat(upload.returnedUrl()).as("Smack returns the slot's GET URL").isEqualTo(upload.getUrl());
        String path = target.slotShape().check(upload.putUrl(), upload.getUrl(), name, size);

        HttpResponse<InputStream> get = http.send(HttpRequest.newBuilder(uri(upload.getUrl()))
                .timeout(Duration.ofSeconds(60)).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        String downloaded;
        try (InputStream body = get.body()) {
            downloaded = sha256(body);
        }
        assertThat(get.statusCode()).as("GET %s", upload.getUrl()).isEqualTo(200);
        assertThat(get.headers().firstValueAsLong("Content-Length")).as("GET Content-Length").hasValue(size);
        assertThat(downloaded).as("SHA-256 of the GET body").isEqualTo(sha256);
        assertThat(get.headers().firstValue("Content-Type")).as("Content-Type recorded from Smack's PUT")
                .hasValue(UploadClient.SMACK_CONTENT_TYPE);

        Optional<Path> stored = onDisk(target.storeDir(), path);
        if (stored.isPresent()) {
            assertThat(stored.get()).as("file stored under storeDir/<decoded slot path>").isRegularFile();
            assertThat(sha256(stored.get())).as("SHA-256 of %s", stored.get()).isEqualTo(sha256);
        }

        // Same bytes, same Content-Type as Smack (v2 signs it), same PUT URL: the slot is used up.
        HttpResponse<String> replay = http.send(HttpRequest.newBuilder(uri(upload.putUrl()))
                        .timeout(Duration.ofSeconds(60))
                        .header("Content-Type", UploadClient.SMACK_CONTENT_TYPE)
                        .PUT(HttpRequest.BodyPublishers.ofFile(file)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(replay.statusCode()).as("second PUT %s: %s", upload.putUrl(), replay.body()).isEqualTo(409);
        if (stored.isPresent()) {
            assertThat(sha256(stored.get())).as("stored file after the refused replay").isEqualTo(sha256);
        }
    }

    /** Relative path -> size of every regular file below storeDir. */
    static Map<String, Long> storedFiles(Path storeDir) {
        try (Stream<Path> files = Files.walk(storeDir)) {
            Map<String, Long> result = new TreeMap<>();
            files.filter(Files::isRegularFile).forEach(f -> {
                try {
                    result.put(storeDir.relativize(f).toString(), Files.size(f));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            return result;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * storeDir/path as this JVM sees it. A JVM started under a non-UTF-8 locale (LANG unset, "C")
     * cannot name non-ASCII files at all; then only the HTTP checks can be made from here.
     */
    private static Optional<Path> onDisk(Path storeDir, String path) {
        Charset fileNames = Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"), StandardCharsets.UTF_8);
        return fileNames.newEncoder().canEncode(path) ? Optional.of(storeDir.resolve(path)) : Optional.empty();
    }

    private static java.net.URI uri(URL url) throws URISyntaxException {
        return url.toURI();
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return sha256(in);
        }
    }

    static String sha256(InputStream in) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
        try (DigestInputStream digesting = new DigestInputStream(in, digest)) {
            digesting.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
