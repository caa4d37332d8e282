package org.prosodyfiler.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.prosodyfiler.protocol.Dialect;
import org.prosodyfiler.testsupport.RawHttp;
import org.prosodyfiler.testsupport.TestFiler;

/**
 * The README promises that the nginx site of the Go original's README keeps working:
 * its location block (CORS preflight answered by nginx, proxy_pass to "[::]:port/upload/",
 * request buffering off, a body size limit) in front of this server, with a Go-style
 * listenport of "[::]:port". Real nginx (Debian nginx-light) on loopback.
 */
class NginxGoConfigIT {
    private static final Path NGINX = Path.of("/usr/sbin/nginx");

    @TempDir
    Path dir;

    @Test
    void theGoOriginalsNginxSiteWorksUnchanged() throws Exception {
        requireNginx();
        try (TestFiler filer = TestFiler.start(dir, "listenport = \"[::]:0\"")) {
            Process nginx = startNginx(filer.port());
            try {
                int port = nginxPort;
                // Preflight: nginx answers it itself, as in the Go setup.
                try (RawHttp c = new RawHttp("127.0.0.1", port)) {
                    RawHttp.Response r = c.exchange("OPTIONS", "/upload/x/y.jpg", List.of("Origin: https://web.example"), null);
                    assertThat(r.status()).isEqualTo(200);
                    assertThat(r.header("Access-Control-Allow-Methods")).contains("PUT");
                }
                byte[] body = new byte[300_000];
                new Random(3).nextBytes(body);
                String path = "abc123/voix née.jpg";
                String raw = "abc123/voix%20n%C3%A9e.jpg";
                String mac = filer.signer().sign(Dialect.V, path, body.length, null);
                try (RawHttp c = new RawHttp("127.0.0.1", port)) {
                    RawHttp.Response put = c.exchange("PUT", "/upload/" + raw + "?v=" + mac,
                            List.of("Content-Length: " + body.length, "Content-Type: image/jpeg"), body);
                    assertThat(put.status()).as("nginx log:\n%s", log()).isEqualTo(201);
                }
                try (RawHttp c = new RawHttp("127.0.0.1", port)) {
                    RawHttp.Response again = c.exchange("PUT", "/upload/" + raw + "?v=" + mac,
                            List.of("Content-Length: " + body.length), body);
                    assertThat(again.status()).isEqualTo(409);
                }
                try (RawHttp c = new RawHttp("127.0.0.1", port)) {
                    RawHttp.Response bad = c.exchange("PUT", "/upload/abc123/other.jpg?v=" + mac,
                            List.of("Content-Length: " + body.length), body);
                    assertThat(bad.status()).isEqualTo(403);
                }
                try (RawHttp c = new RawHttp("127.0.0.1", port)) {
                    RawHttp.Response get = c.exchange("GET", "/upload/" + raw, List.of(), null);
                    assertThat(get.status()).isEqualTo(200);
                    assertThat(get.body()).isEqualTo(body);
                    assertThat(get.header("X-Content-Type-Options")).isEqualTo("nosniff");
                }
                assertThat(Files.readAllBytes(filer.store().resolve(path))).isEqualTo(body);
            } finally {
                nginx.destroy();
                if (!nginx.waitFor(10, TimeUnit.SECONDS)) {
                    nginx.destroyForcibly();
                }
            }
        }
    }

    private int nginxPort;

    /** The Go README's site, with only the ports and paths of this test put in. */
    private Process startNginx(int filerPort) throws IOException, InterruptedException {
        nginxPort = freePort();
        boolean root = "root".equals(System.getProperty("user.name"));
        String conf = (root ? "user root root;\n" : "") + """
                worker_processes 1;
                daemon off;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log warn;
                events { worker_connections 64; }
                http {
                    access_log off;
                    client_body_temp_path %1$s/body;
                    proxy_temp_path %1$s/proxy;
                    server {
                        listen 127.0.0.1:%2$d;
                        client_max_body_size 50m;
                        location /upload/ {
                            if ( $request_method = OPTIONS ) {
                                add_header Access-Control-Allow-Origin '*';
                                add_header Access-Control-Allow-Methods 'PUT, GET, OPTIONS, HEAD';
                                add_header Access-Control-Allow-Headers 'Authorization, Content-Type';
                                add_header Access-Control-Allow-Credentials 'true';
                                add_header Content-Length 0;
                                add_header Content-Type text/plain;
                                return 200;
                            }
                            proxy_pass http://[::]:%3$d/upload/;
                            proxy_request_buffering off;
                        }
                    }
                }
                """.formatted(dir, nginxPort, filerPort);
        Path file = dir.resolve("nginx.conf");
        Files.writeString(file, conf);
        Process p = new ProcessBuilder(NGINX.toString(), "-p", dir.toString(), "-c", file.toString(),
                "-e", dir.resolve("error.log").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("nginx.out").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                fail("nginx exited with " + p.exitValue() + ":\n" + log());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", nginxPort), 200);
                return p;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        p.destroyForcibly();
        throw new IllegalStateException("nginx did not start:\n" + log());
    }

    private String log() {
        try {
            Path err = dir.resolve("error.log");
            return (Files.exists(err) ? Files.readString(err) : "") + Files.readString(dir.resolve("nginx.out"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void requireNginx() {
        if (Files.isExecutable(NGINX)) {
            return;
        }
        String message = "nginx is not installed (" + NGINX + "); scripts/install-test-deps.sh installs it (as root)";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail("CI=true but " + message);
        }
        Assumptions.abort(message);
    }
}
