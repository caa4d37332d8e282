package org.prosodyfiler.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.prosodyfiler.FilerApp;
import org.prosodyfiler.protocol.Dialect;
import org.prosodyfiler.protocol.MacSigner;

/**
 * The training run for the JVM's start-up cache, started by bin/prosody-filer under
 * {@code -XX:AOTCacheOutput} when the jar has no cache yet, and by scripts/build-deb.sh for the
 * package's cache. It starts the server the way a real start does, from a config file, in a
 * temporary directory, and sends it an upload, downloads (whole, HEAD, a range), the common
 * refusals and the ops endpoints, so the classes and profiles of a server's first requests are in
 * the cache too. A cache recorded from the first real run would depend on what that run happened
 * to serve, and would only be written when it exits. Exit code 0 when every response was the
 * expected one.
 */
final class AotTraining {
    private AotTraining() {
    }

    /**
     * Set by the launcher ({@code -Dprosodyfiler.aotTraining=true -jar ...}). A system property rather
     * than a command-line flag: the jar must be started exactly as a server start is (its manifest
     * enables native access only under -jar), and the server's flags stay those of the Go original.
     */
    static final String PROPERTY = "prosodyfiler.aotTraining";

    static int run() {
        try {
            Path dir = Files.createTempDirectory("prosody-filer-training-");
            try {
                return train(dir);
            } finally {
                deleteTree(dir);
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("training: " + e);
            return 1;
        }
    }

    private static int train(Path dir) throws IOException {
        String secret = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()) + "-training";
        Path config = dir.resolve("config.toml");
        Files.writeString(config, """
                listenport   = "127.0.0.1:0"
                unixsocket   = false
                secret       = "%s"
                storeDir     = "%s"
                uploadSubDir = "upload/"
                logLevel     = "info"
                metricsListen = "127.0.0.1:0"
                """.formatted(secret, dir.resolve("store").toString().replace("\\", "\\\\").replace("\"", "\\\"")));
        Files.createDirectories(dir.resolve("store"));
        Warmup.start();
        ServeCommand.Started started = ServeCommand.start(config);
        if (started.app() == null) {
            return started.exitCode();
        }
        try (FilerApp app = started.app()) {
            URI base = URI.create(app.baseUrl());
            MacSigner signer = new MacSigner(secret);
            byte[] body = new byte[4096];
            ThreadLocalRandom.current().nextBytes(body);
            String path = "training/photo.jpg";
            String v = signer.sign(Dialect.V, path, body.length, null);
            String v2 = signer.sign(Dialect.V2, "training/note.txt", body.length, "text/plain");
            boolean ok = expect(base, "PUT", path + "?v=" + v, "image/jpeg", body, 201)
                    & expect(base, "GET", path, null, null, 200)
                    & expect(base, "HEAD", path, null, null, 200)
                    & expect(base, "GET", path, null, null, 206, "Range: bytes=0-99")
                    & expect(base, "PUT", path + "?v=" + v, "image/jpeg", body, 409)
                    & expect(base, "PUT", "training/other.bin?v=" + v, null, body, 403)
                    & expect(base, "PUT", "training/note.txt?v2=" + v2, "text/plain", body, 201)
                    & expect(base, "GET", "training/note.txt", null, null, 200)
                    & expect(base, "GET", "training/missing.bin", null, null, 404);
            // The ops endpoints too: many installations scrape them from the first minute.
            var ops = app.monitoring().endpointAddress().orElseThrow();
            URI opsBase = URI.create("http://127.0.0.1:" + ops.getPort() + "/");
            ok &= expect(opsBase, "GET", "metrics", null, null, 200) & expect(opsBase, "GET", "ready", null, null, 200);
            return ok ? 0 : 1;
        }
    }

    /** One request on its own connection; prints and returns false when the status is not {@code want}. */
    private static boolean expect(URI base, String method, String pathAndQuery, String contentType, byte[] body, int want,
                                  String... headers) throws IOException {
        StringBuilder head = new StringBuilder(method).append(' ').append(base.getPath()).append(pathAndQuery)
                .append(" HTTP/1.1\r\nHost: ").append(base.getHost()).append(':').append(base.getPort())
                .append("\r\nConnection: close\r\n");
        for (String h : headers) {
            head.append(h).append("\r\n");
        }
        if (contentType != null) {
            head.append("Content-Type: ").append(contentType).append("\r\n");
        }
        // A refused upload is answered before its body is read (and the connection then closed):
        // ask first, as clients that send Expect: 100-continue do, and send no body.
        boolean refused = want >= 400;
        if (body != null) {
            head.append("Content-Length: ").append(body.length).append("\r\n");
            if (refused) {
                head.append("Expect: 100-continue\r\n");
            }
        }
        head.append("\r\n");
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(base.getHost(), base.getPort()), 10_000);
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
            if (body != null && !refused) {
                out.write(body);
            }
            out.flush();
            InputStream in = s.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            String[] status = response.split(" ", 3);
            int got = status.length > 1 && status[1].matches("\\d{3}") ? Integer.parseInt(status[1]) : -1;
            if (got != want) {
                System.err.println("training: " + method + " " + pathAndQuery + " answered " + got + ", expected " + want);
                return false;
            }
            return true;
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) all.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
