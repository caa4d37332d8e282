package org.prosodyfiler.it.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.prosodyfiler.protocol.Dialect;
import org.prosodyfiler.protocol.MacSigner;
import org.prosodyfiler.testsupport.FilerProcess;

/**
 * Empty files (Content-Length: 0) uploaded by many clients at once, with and without
 * Expect: 100-continue. Found by scripts/soak.sh: now and then the server never answered such
 * a PUT and closed the connection after readTimeout (logged as 499 "client went away after 0 of
 * 0 bytes"), so the client waited a minute for nothing. Every one must get its 201 promptly.
 */
class ConcurrentEmptyUploadsIT {
    private static final String SECRET = "empty-uploads-secret";
    private static final int CLIENTS = 8;
    private static final int PER_CLIENT = 150;
    private static final int ANSWER_WITHIN_MS = 10_000;

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void everyEmptyUploadIsAnswered() throws Exception {
        String toml = "listenport = \"127.0.0.1:0\"\nsecret = \"" + SECRET + "\"\nstoreDir = \"" + dir.resolve("store")
                + "\"\nuploadSubDir = \"upload/\"\nminFreeSpace = 0\naccessLog = false\n";
        MacSigner signer = new MacSigner(SECRET);
        ConcurrentLinkedQueue<String> unanswered = new ConcurrentLinkedQueue<>();
        try (FilerProcess server = FilerProcess.start(dir, toml)) {
            ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < PER_CLIENT; i++) {
                        String path = "empty/" + client + "-" + i + "/e.bin";
                        boolean expect = i % 2 == 1;
                        String status = putEmpty(server.baseUri(), path, signer.sign(Dialect.V, path, 0, null), expect);
                        if (!status.equals("201")) {
                            unanswered.add(path + (expect ? " (Expect: 100-continue)" : "") + ": " + status);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(4, TimeUnit.MINUTES);
            }
            pool.shutdown();
            assertThat(unanswered).as("empty uploads without a 201 within %d ms, of %d; server log:%n%s",
                    ANSWER_WITHIN_MS, CLIENTS * PER_CLIENT, server.logTail(20)).isEmpty();
        }
    }

    /** The final status of one empty PUT, or what went wrong. */
    private static String putEmpty(URI base, String path, String mac, boolean expectContinue) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(base.getHost(), base.getPort()), 5000);
            s.setSoTimeout(ANSWER_WITHIN_MS);
            String head = "PUT " + base.getPath() + path + "?v=" + mac + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n"
                    + (expectContinue ? "Expect: 100-continue\r\n" : "") + "\r\n";
            s.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = s.getInputStream();
            while (true) {
                String status = statusOf(in);
                if (!status.equals("100")) {
                    return status;
                }
            }
        } catch (SocketTimeoutException e) {
            return "no answer";
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** Reads one response head and returns its status code (the body of a 201 is empty). */
    private static String statusOf(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            head.write(c);
            String h = head.toString(StandardCharsets.ISO_8859_1);
            if (h.endsWith("\r\n\r\n")) {
                return h.split(" ", 3)[1];
            }
        }
        throw new IOException("connection closed before a response");
    }
}
