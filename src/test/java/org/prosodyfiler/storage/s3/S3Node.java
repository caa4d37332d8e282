package org.prosodyfiler.storage.s3;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.prosodyfiler.FilerApp;
import org.prosodyfiler.config.Config;
import org.prosodyfiler.config.ConfigLoader;
import org.prosodyfiler.protocol.Dialect;
import org.prosodyfiler.protocol.MacSigner;

/**
 * One whole server, in-process, configured with {@code storage = "s3"} as an admin would write
 * it: TOML parsed by the real loader, real sockets on a free loopback port.
 */
final class S3Node implements AutoCloseable {
    static final String SECRET = "s3-node-secret";
    static final MacSigner SIGNER = new MacSigner(SECRET);
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    private final FilerApp app;
    private final URI base;

    private S3Node(FilerApp app) {
        this.app = app;
        this.base = URI.create(app.baseUrl());
    }

    /** The config.toml of a node: the usual keys, then the [s3] table. */
    static String toml(Path spoolDir, String s3Table) {
        return """
                listenport = "127.0.0.1:0"
                secret = "%s"
                storeDir = "%s"
                uploadSubDir = "upload/"
                accessLog = false
                minFreeSpace = 0
                """.formatted(SECRET, spoolDir) + s3Table;
    }

    static S3Node start(Path dir, String s3Table, Clock clock) throws IOException {
        Config config = ConfigLoader.parse(toml(dir.resolve("spool"), s3Table), dir).config();
        return new S3Node(FilerApp.start(config, clock, List.of()));
    }

    FilerApp app() {
        return app;
    }

    int port() {
        return base.getPort();
    }

    /** The signed upload URL ("v", as Prosody signs) of an ASCII path. */
    static String target(String path, long size) {
        return "/upload/" + path + "?v=" + SIGNER.sign(Dialect.V, path, size, null);
    }

    URI url(String pathAndQuery) {
        return base.resolve(pathAndQuery);
    }

    HttpResponse<String> put(String path, byte[] body, String contentType) throws IOException, InterruptedException {
        HttpRequest.Builder r = HttpRequest.newBuilder(url(target(path, body.length)))
                .timeout(Duration.ofSeconds(60)).PUT(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            r.header("Content-Type", contentType);
        }
        return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<byte[]> get(String path, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder r = HttpRequest.newBuilder(url("/upload/" + path)).timeout(Duration.ofSeconds(60)).GET();
        for (int i = 0; i < headers.length; i += 2) {
            r.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Override
    public void close() {
        app.close();
    }

    /** A clock the tests move forward, for expiry. */
    static final class MovableClock extends Clock {
        private volatile Instant now = Instant.now();

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    /**
     * A PUT on a raw socket, for what HttpClient hides: waiting for "100 Continue" before the
     * body, or sending part of a body and vanishing.
     */
    static final class RawPut implements AutoCloseable {
        private final Socket socket;
        private final OutputStream out;
        private final InputStream in;

        RawPut(int port, String target, long length, boolean expectContinue) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(60_000);
            out = socket.getOutputStream();
            in = socket.getInputStream();
            String head = "PUT " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nContent-Length: " + length + "\r\n"
                    + (expectContinue ? "Expect: 100-continue\r\n" : "") + "\r\n";
            out.write(head.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        /** The status code of the next response head (interim or final), its headers skipped. */
        int readStatus() throws IOException {
            String status = line();
            while (!line().isEmpty()) {
                // headers are not needed here
            }
            return Integer.parseInt(status.split(" ")[1]);
        }

        void send(byte[] body, int from, int to) throws IOException {
            out.write(body, from, to - from);
            out.flush();
        }

        private String line() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) != '\n') {
                if (c < 0) {
                    throw new IOException("connection closed, got so far: " + b);
                }
                if (c != '\r') {
                    b.write(c);
                }
            }
            return b.toString(StandardCharsets.ISO_8859_1);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
