import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;

/** The two servers under test, each started fresh in its own directory on loopback. */
final class Servers {
    static final String SECRET = "bench-secret-9f3c1e";

    private Servers() {
    }

    /** A server kind: knows how to write its config and start itself. */
    interface Target {
        String label();

        /** Starts the process on the given port (0 = any free port) without waiting for readiness. */
        Running spawn(Path dir, int port) throws IOException;

        /** Waits until the server answers HTTP, and returns its port. */
        int awaitReady(Running r, long timeoutNanos) throws IOException, InterruptedException;

        /** One-line description of how it runs, for the report header. */
        String describe();
    }

    /** Servers started and not yet stopped, so an interrupted bench can stop them on its way out. */
    private static final java.util.Set<Running> LIVE = new java.util.HashSet<>();
    private static boolean closed;

    /**
     * Starts a server process and registers it, atomically with respect to {@link #stopAll}: once
     * that has run, nothing new starts, so no server can outlive the bench.
     */
    private static synchronized Running start(ProcessBuilder pb, Path dir, Path store, Path log, int port) throws IOException {
        if (closed) {
            throw new IOException("the bench is shutting down");
        }
        Running r = new Running(pb.start(), dir, store, log, port);
        LIVE.add(r);
        return r;
    }

    /** Starts {@code cmd} in {@code dir}, its output and errors going to {@code dir/server.log}. */
    private static Running startLogged(List<String> cmd, Map<String, String> env, Path dir, Path store, int port) throws IOException {
        Path log = dir.resolve("server.log");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        return start(pb, dir, store, log, port);
    }

    /** The java of the JDK running the bench: our server and the floor run on the same one. */
    static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static synchronized void forget(Running r) {
        LIVE.remove(r);
    }

    /** Stops every server still running (shutdown hook: Ctrl-C, CI cancelling the job). */
    static void stopAll() {
        List<Running> live;
        synchronized (Servers.class) {
            closed = true;
            live = List.copyOf(LIVE);
        }
        for (Running r : live) {
            try {
                r.stop();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** A started server process (tree). */
    static final class Running {
        final Process process;
        final Path dir;
        final Path store;
        final Path log;
        int port;

        Running(Process process, Path dir, Path store, Path log, int port) {
            this.process = process;
            this.dir = dir;
            this.store = store;
            this.log = log;
            this.port = port;
        }

        long pid() {
            return process.pid();
        }

        String logTail(int lines) {
            try {
                List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
                return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
            } catch (IOException e) {
                return "(no log: " + e.getMessage() + ")";
            }
        }

        /** SIGTERM to the root, then to leftovers, then SIGKILL; returns seconds the stop took. */
        double stop() throws InterruptedException {
            long t0 = System.nanoTime();
            List<Long> pids = process.isAlive() ? Proc.tree(process.pid()) : List.of();
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
            for (long pid : pids) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
            forget(this);
            return (System.nanoTime() - t0) / 1e9;
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Polls with a cheap GET until any HTTP answer comes back. */
    static void awaitHttp(Running r, int port, long deadline) throws IOException, InterruptedException {
        while (true) {
            if (Blocking.status(port, "GET /upload/ready-probe HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n") > 0) {
                return;
            }
            if (!r.process.isAlive()) {
                throw new IOException("server exited with " + r.process.exitValue() + ":\n" + r.logTail(30));
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("server not answering on port " + port + ":\n" + r.logTail(30));
            }
            Thread.sleep(5);
        }
    }

    /** Our server, via the launcher (bin/prosody-filer) or java -jar. */
    static final class Ours implements Target {
        private static final java.util.regex.Pattern LISTENING =
                java.util.regex.Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)/upload/");
        private final List<String> command;
        private final Map<String, String> env;

        Ours(List<String> command, Map<String, String> env) {
            this.command = command;
            this.env = env;
        }

        @Override
        public String label() {
            return "prosody-filer";
        }

        @Override
        public String describe() {
            return String.join(" ", command) + " -config FILE";
        }

        /** nginx never fsyncs; BENCH_FSYNC=true measures what our default durability costs. */
        static final String FSYNC = "true".equals(System.getenv("BENCH_FSYNC")) ? "true" : "false";

        static String config(Path store, int port) {
            return """
                    # written by bench/ for one run
                    listenport   = "127.0.0.1:%d"
                    unixsocket   = false
                    secret       = "%s"
                    storeDir     = "%s"
                    uploadSubDir = "upload/"
                    logLevel     = "info"
                    accessLog    = false
                    fsync        = %s
                    maxUploadSize = 0
                    """.formatted(port, SECRET, store, FSYNC);
        }

        @Override
        public Running spawn(Path dir, int port) throws IOException {
            Path store = Files.createDirectories(dir.resolve("store"));
            Path cfg = dir.resolve("config.toml");
            Files.writeString(cfg, config(store, port));
            List<String> cmd = new ArrayList<>(command);
            cmd.addAll(List.of("-config", cfg.toString()));
            return startLogged(cmd, env, dir, store, port);
        }

        @Override
        public int awaitReady(Running r, long timeoutNanos) throws IOException, InterruptedException {
            return awaitListening(r, timeoutNanos);
        }

        /** Waits for the "listening on" line in the log, then for an HTTP answer on that port. */
        static int awaitListening(Running r, long timeoutNanos) throws IOException, InterruptedException {
            long deadline = System.nanoTime() + timeoutNanos;
            while (true) {
                Matcher m = LISTENING.matcher(Files.readString(r.log, StandardCharsets.UTF_8));
                if (m.find()) {
                    r.port = Integer.parseInt(m.group(1));
                    break;
                }
                if (!r.process.isAlive()) {
                    throw new IOException("server exited with " + r.process.exitValue() + ":\n" + r.logTail(30));
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException("no 'listening on' line within timeout:\n" + r.logTail(30));
                }
                Thread.sleep(10);
            }
            awaitHttp(r, r.port, deadline);
            return r.port;
        }
    }

    /** {@link FloorServer}: the least a server can do per upload, run from the generator's own classes. */
    static final class Floor implements Target {
        private final List<String> command;

        Floor() {
            command = List.of(javaBinary(), "-XX:+UseSerialGC", "-Xmx64m", "-cp", System.getProperty("java.class.path"), "FloorServer");
        }

        @Override
        public String label() {
            return "floor";
        }

        @Override
        public String describe() {
            return String.join(" ", command) + " STORE PORT";
        }

        @Override
        public Running spawn(Path dir, int port) throws IOException {
            Path store = Files.createDirectories(dir.resolve("store"));
            List<String> cmd = new ArrayList<>(command);
            cmd.addAll(List.of(store.toString(), String.valueOf(port)));
            return startLogged(cmd, Map.of(), dir, store, port);
        }

        @Override
        public int awaitReady(Running r, long timeoutNanos) throws IOException, InterruptedException {
            return Ours.awaitListening(r, timeoutNanos);
        }
    }

    /** nginx with its WebDAV module doing PUT and static GET from the same directory layout. */
    static final class Nginx implements Target {
        static final String WORKERS = "auto";
        private final String binary;
        private final String label;

        Nginx(String binary, String label) {
            this.binary = binary;
            this.label = label;
        }

        @Override
        public String label() {
            return label;
        }

        @Override
        public String describe() {
            return binary + " (conf below)";
        }

        static String config(Path dir, Path store, int port) {
            boolean root = "root".equals(System.getProperty("user.name"));
            return """
                    # written by bench/ for one run
                    %s
                    worker_processes %s;
                    daemon off;
                    pid %s/nginx.pid;
                    error_log %s/error.log warn;
                    events { worker_connections 4096; }
                    http {
                        access_log off;
                        sendfile on;
                        tcp_nopush on;
                        tcp_nodelay on;
                        keepalive_timeout 75s;
                        keepalive_requests 1000000;
                        client_max_body_size 0;
                        client_body_temp_path %s/body-temp;
                        default_type application/octet-stream;
                        server {
                            listen 127.0.0.1:%d;
                            location /upload/ {
                                alias %s/;
                                dav_methods PUT;
                                create_full_put_path on;
                                dav_access user:rw;
                            }
                        }
                    }
                    """.formatted(root ? "user root root;" : "", WORKERS, dir, dir, dir, port, store);
        }

        @Override
        public Running spawn(Path dir, int port) throws IOException {
            Path store = Files.createDirectories(dir.resolve("store"));
            int p = port != 0 ? port : freePort();
            Path conf = dir.resolve("nginx.conf");
            Files.writeString(conf, config(dir, store, p));
            Path log = dir.resolve("error.log");
            ProcessBuilder pb = new ProcessBuilder(binary, "-p", dir.toString(), "-c", conf.toString(),
                    "-e", log.toString())
                    .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile());
            return start(pb, dir, store, log, p);
        }

        @Override
        public int awaitReady(Running r, long timeoutNanos) throws IOException, InterruptedException {
            awaitHttp(r, r.port, System.nanoTime() + timeoutNanos);
            return r.port;
        }
    }
}
