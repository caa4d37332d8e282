package org.prosodyfiler.storage.s3;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;

/**
 * nginx (Debian nginx-light) as the load balancer in front of several nodes, with the
 * configuration the README ("Outgrowing one machine") shows. A developer box without nginx skips; CI (CI=true)
 * installs it with scripts/install-test-deps.sh, so there its absence fails the test.
 */
final class NginxFront implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/sbin/nginx");

    private final Process process;
    private final Path dir;
    private final int port;

    private NginxFront(Process process, Path dir, int port) {
        this.process = process;
        this.dir = dir;
        this.port = port;
    }

    static void requireInstalled() {
        if (Files.isExecutable(BINARY)) {
            return;
        }
        String message = "nginx is not installed (" + BINARY + "); install with scripts/install-test-deps.sh (as root)";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail("CI=true but " + message);
        }
        Assumptions.abort(message);
    }

    /**
     * The part of the config that matters, as in the README ("Outgrowing one machine"): stream request and response
     * bodies (no buffering to disk in nginx), pass the raw URI on (the MAC covers the path), keep
     * connections to the nodes open. The X-Upstream header is only there for the test.
     */
    static String httpBlock(int listenPort, int... nodePorts) {
        StringBuilder servers = new StringBuilder();
        for (int p : nodePorts) {
            servers.append("        server 127.0.0.1:").append(p).append(" max_fails=1 fail_timeout=10s;\n");
        }
        return """
                http {
                    upstream prosody_filer {
                %s        keepalive 32;
                    }
                    server {
                        listen 127.0.0.1:%d;
                        client_max_body_size 0;
                        location /upload/ {
                            proxy_pass http://prosody_filer;
                            proxy_http_version 1.1;
                            proxy_set_header Connection "";
                            proxy_set_header Host $host;
                            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                            proxy_request_buffering off;
                            proxy_buffering off;
                            proxy_read_timeout 300s;
                            proxy_send_timeout 300s;
                            proxy_next_upstream error timeout;
                            add_header X-Upstream $upstream_addr always;
                        }
                    }
                }
                """.formatted(servers, listenPort);
    }

    static NginxFront start(Path dir, int... nodePorts) throws IOException, InterruptedException {
        requireInstalled();
        Files.createDirectories(dir);
        int port = freePort();
        boolean root = "root".equals(System.getProperty("user.name"));
        String conf = (root ? "user root root;\n" : "") + """
                worker_processes 1;
                daemon off;
                pid %s/nginx.pid;
                error_log %s/error.log warn;
                events { worker_connections 256; }
                """.formatted(dir, dir) + httpBlock(port, nodePorts)
                .replace("http {\n", "http {\n    access_log off;\n    client_body_temp_path " + dir + "/body;\n"
                        + "    proxy_temp_path " + dir + "/proxy;\n");
        Path file = dir.resolve("nginx.conf");
        Files.writeString(file, conf);
        Process p = new ProcessBuilder(BINARY.toString(), "-p", dir.toString(), "-c", file.toString(), "-e", dir.resolve("error.log").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
        NginxFront front = new NginxFront(p, dir, port);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("nginx exited with " + p.exitValue() + ": " + front.log());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return front;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        front.close();
        throw new IllegalStateException("nginx did not listen on " + port + ": " + front.log());
    }

    int port() {
        return port;
    }

    String log() {
        try {
            String err = Files.exists(dir.resolve("error.log")) ? Files.readString(dir.resolve("error.log")) : "";
            return err + Files.readString(dir.resolve("stdout.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
