package org.prosodyfiler.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.prosodyfiler.testsupport.RawHttp;
import org.prosodyfiler.testsupport.RawHttp.Response;
import org.prosodyfiler.testsupport.TestFiler;

/** Clients that try to exhaust the server: it stays responsive and cleans up after them. */
@Timeout(180)
class HostileClientsTest {
    @TempDir
    Path dir;

    private static Socket open(TestFiler f) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", f.port()), 5000);
        s.setSoTimeout(20_000);
        return s;
    }

    private static boolean closedWithin(Socket s, Duration d) throws IOException {
        s.setSoTimeout((int) d.toMillis());
        InputStream in = s.getInputStream();
        try {
            while (true) {
                if (in.read() < 0) {
                    return true;
                }
            }
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (java.net.SocketException reset) {
            return true;
        }
    }

    /** One normal upload and download; returns the worst latency in ms. */
    private static long normalTraffic(TestFiler f, String name) throws IOException {
        byte[] body = new byte[50_000];
        long t0 = System.nanoTime();
        try (RawHttp c = f.connect()) {
            Response put = c.exchange("PUT", f.signedTarget("ok/" + name, "ok/" + name, body.length), List.of("Content-Length: " + body.length), body);
            assertThat(put.status()).isEqualTo(201);
        }
        long t1 = System.nanoTime();
        try (RawHttp c = f.connect()) {
            Response get = c.exchange("GET", "/upload/ok/" + name, List.of(), null);
            assertThat(get.status()).isEqualTo(200);
            assertThat(get.body()).hasSize(body.length);
        }
        long t2 = System.nanoTime();
        return Math.max(t1 - t0, t2 - t1) / 1_000_000;
    }

    @Test
    void slowHeadersAndStalledBodiesAreCutOffWhileOthersAreServed() throws Exception {
        try (TestFiler f = TestFiler.start(dir, "headerTimeout = \"2s\"", "readTimeout = \"3s\"")) {
            List<Socket> slowHeads = new ArrayList<>();
            List<Socket> stalledBodies = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                Socket s = open(f);
                s.getOutputStream().write("GET /upload/a HTTP/1.1\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
                slowHeads.add(s);
                Socket b = open(f);
                String target = f.signedTarget("stall/" + i, "stall/" + i, 1_000_000);
                b.getOutputStream().write(("PUT " + target + " HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\nonly a little")
                        .getBytes(StandardCharsets.US_ASCII));
                stalledBodies.add(b);
            }
            // Trickle header bytes: an idle timeout alone would never fire for these.
            long worst = 0;
            long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            int round = 0;
            while (System.nanoTime() < until) {
                for (Socket s : slowHeads) {
                    try {
                        s.getOutputStream().write('x');
                    } catch (IOException closed) {
                        // expected once the deadline passed
                    }
                }
                worst = Math.max(worst, normalTraffic(f, "n" + round++));
                Thread.sleep(200);
            }
            assertThat(worst).as("worst normal latency (ms) under attack").isLessThan(5000);
            for (Socket s : slowHeads) {
                assertThat(closedWithin(s, Duration.ofSeconds(5))).as("slow head closed").isTrue();
                s.close();
            }
            for (Socket s : stalledBodies) {
                assertThat(closedWithin(s, Duration.ofSeconds(8))).as("stalled body closed").isTrue();
                s.close();
            }
            awaitNoTempFiles(f);
            assertThat(f.store().resolve("stall")).doesNotExist();
            assertThat(f.app().server().openConnections()).isLessThan(10);
        }
    }

    @Test
    void aBodyTricklingInIsCutOff() throws Exception {
        try (TestFiler f = TestFiler.start(dir, "readTimeout = \"2s\"")) {
            try (Socket s = open(f)) {
                String target = f.signedTarget("slow/t.bin", "slow/t.bin", 100_000);
                OutputStream out = s.getOutputStream();
                out.write(("PUT " + target + " HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                long t0 = System.nanoTime();
                boolean cut = false;
                // one byte every 300 ms: never idle for 2 s, yet far below 1 KiB per 2 s
                while (System.nanoTime() - t0 < Duration.ofSeconds(15).toNanos()) {
                    try {
                        out.write('x');
                        out.flush();
                    } catch (IOException closed) {
                        cut = true;
                        break;
                    }
                    if (closedWithin(s, Duration.ofMillis(300))) {
                        cut = true;
                        break;
                    }
                }
                assertThat(cut).as("trickling upload closed").isTrue();
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
            }
            awaitNoTempFiles(f);
            assertThat(f.store().resolve("slow/t.bin")).doesNotExist();
            assertThat(normalTraffic(f, "after-trickle")).isLessThan(5000);
        }
    }

    @Test
    void oversizedAndMalformedRequests() throws Exception {
        try (TestFiler f = TestFiler.start(dir)) {
            try (RawHttp c = f.connect()) {
                c.send("GET /upload/" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(c.read(false).status()).isEqualTo(414);
            }
            try (RawHttp c = f.connect()) {
                c.send("GET /upload/a HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(40_000) + "\r\n\r\n");
                assertThat(c.read(false).status()).isEqualTo(431);
            }
            try (RawHttp c = f.connect()) {
                c.send("PUT /upload/a HTTP/9.9\r\n\r\n");
                assertThat(c.read(false).status()).isEqualTo(505);
            }
            for (String garbage : List.of("\u0000\u0001\u0002 hello\r\n\r\n", "GET\r\n\r\n",
                    "GET /upload/a HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n12345")) {
                try (RawHttp c = f.connect()) {
                    c.send(garbage);
                    Response r = c.read(false);
                    assertThat(r.status()).as(garbage).isEqualTo(400);
                    assertThat(c.closedByServer(5000)).isTrue();
                }
            }
            assertThat(normalTraffic(f, "after-garbage")).isLessThan(5000);
        }
    }

    @Test
    void thousandsOfIdleKeepAliveConnections() throws Exception {
        try (TestFiler f = TestFiler.start(dir, "maxConnections = 3000")) {
            List<Socket> idle = new ArrayList<>();
            for (int i = 0; i < 2500; i++) {
                idle.add(open(f));
            }
            assertThat(normalTraffic(f, "with-idle")).isLessThan(5000);
            for (Socket s : idle) {
                s.close();
            }
        }
    }

    @Test
    void connectionsBeyondTheLimitAreRefused() throws Exception {
        try (TestFiler f = TestFiler.start(dir, "maxConnections = 50")) {
            List<Socket> held = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                held.add(open(f));
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (f.app().server().openConnections() < 50 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            try (Socket extra = open(f)) {
                assertThat(closedWithin(extra, Duration.ofSeconds(5))).isTrue();
            }
            held.forEach(s -> {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            });
            deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (f.app().server().openConnections() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(normalTraffic(f, "after-limit")).isLessThan(5000);
        }
    }

    @Test
    void tokenGuessersGet429WithRetryAfterOthersDoNot() throws Exception {
        try (TestFiler f = TestFiler.start(dir, "rateLimit = 5", "trustedProxies = [\"127.0.0.1\"]")) {
            int limited = 0;
            String retryAfter = null;
            for (int i = 0; i < 30; i++) {
                try (RawHttp c = f.connect()) {
                    Response r = c.exchange("PUT", "/upload/guess/" + i + "?v=" + "00".repeat(32),
                            List.of("Content-Length: 1", "X-Forwarded-For: 203.0.113.7"), new byte[1]);
                    if (r.status() == 429) {
                        limited++;
                        retryAfter = r.header("Retry-After");
                    } else {
                        assertThat(r.status()).isEqualTo(403);
                    }
                }
            }
            assertThat(limited).isGreaterThan(20);
            assertThat(Integer.parseInt(retryAfter)).isPositive();
            // another client behind the same proxy is unaffected
            try (RawHttp c = f.connect()) {
                byte[] body = new byte[3];
                Response r = c.exchange("PUT", f.signedTarget("fair/x", "fair/x", 3),
                        List.of("Content-Length: 3", "X-Forwarded-For: 198.51.100.1"), body);
                assertThat(r.status()).isEqualTo(201);
            }
        }
    }

    private static void awaitNoTempFiles(TestFiler f) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!f.tempFiles().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(f.tempFiles()).isEmpty();
    }

}
