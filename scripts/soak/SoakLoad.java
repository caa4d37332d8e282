import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Mixed load for scripts/soak.sh, as a single-file program (java SoakLoad.java ...): uploads of
 * many sizes in the three MAC dialects (some with Expect: 100-continue), full and ranged downloads
 * checked byte for byte, HEADs, invalid MACs, conflicts, 404s, uploads aborted half-way, and
 * Metronome DELETEs that keep the store bounded. Every answer is compared with the one status the
 * protocol allows; anything else counts as unexpected. Writes running totals to --stats every
 * second and exits 1 if anything unexpected happened.
 *
 * <p>Usage: java SoakLoad.java --base URL --secret S --delete-secret D --seconds N [--clients C] [--stats FILE]
 */
public final class SoakLoad {
    enum Op { UPLOAD, GET, RANGE, HEAD, BAD_MAC, ABORT, MISSING, CONFLICT, DELETE, CHECK }

    /** Relative weights of the operations a client picks (DELETE and CHECK are not picked at random). */
    private static final Map<Op, Integer> WEIGHTS = new LinkedHashMap<>();

    static {
        WEIGHTS.put(Op.UPLOAD, 30);
        WEIGHTS.put(Op.GET, 22);
        WEIGHTS.put(Op.RANGE, 14);
        WEIGHTS.put(Op.HEAD, 5);
        WEIGHTS.put(Op.BAD_MAC, 10);
        WEIGHTS.put(Op.ABORT, 8);
        WEIGHTS.put(Op.MISSING, 4);
        WEIGHTS.put(Op.CONFLICT, 4);
    }

    private static final int POOL_CAP = 300;
    private static final long RETIRE_GRACE_NANOS = 10_000_000_000L;
    private static final String[] TYPES = {"image/jpeg", "application/octet-stream", "text/plain", "video/mp4", null};

    /** A file we uploaded: its bytes are Random(seed) of the given size. */
    record Stored(String rawPath, String path, long size, long seed, String contentType) {
    }

    record Retired(Stored file, long since) {
    }

    record Response(int status, Map<String, String> headers, byte[] body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private final String host;
    private final int port;
    private final String prefix;
    private final String secret;
    private final String deleteSecret;
    private final ArrayDeque<Stored> pool = new ArrayDeque<>();
    private final ArrayDeque<Retired> retired = new ArrayDeque<>();
    private final ConcurrentLinkedQueue<String> aborted = new ConcurrentLinkedQueue<>();
    private final Map<Op, LongAdder> count = new EnumMap<>(Op.class);
    private final Map<Op, LongAdder> unexpected = new EnumMap<>(Op.class);
    private final Map<Op, LongAdder> nanos = new EnumMap<>(Op.class);
    private final Map<Op, AtomicLong> maxNanos = new EnumMap<>(Op.class);
    private final LongAdder bytesUp = new LongAdder();
    private final LongAdder bytesDown = new LongAdder();
    private final ConcurrentLinkedQueue<String> examples = new ConcurrentLinkedQueue<>();
    private final AtomicLong sequence = new AtomicLong();

    SoakLoad(URI base, String secret, String deleteSecret) {
        this.host = base.getHost();
        this.port = base.getPort();
        this.prefix = base.getPath();
        this.secret = secret;
        this.deleteSecret = deleteSecret;
        for (Op op : Op.values()) {
            count.put(op, new LongAdder());
            unexpected.put(op, new LongAdder());
            nanos.put(op, new LongAdder());
            maxNanos.put(op, new AtomicLong());
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            a.put(args[i], args[i + 1]);
        }
        URI base = URI.create(require(a, "--base"));
        SoakLoad load = new SoakLoad(base, require(a, "--secret"), require(a, "--delete-secret"));
        int seconds = Integer.parseInt(require(a, "--seconds"));
        int clients = Integer.parseInt(a.getOrDefault("--clients", "8"));
        Path stats = a.containsKey("--stats") ? Path.of(a.get("--stats")) : null;
        System.exit(load.run(seconds, clients, stats) ? 0 : 1);
    }

    private static String require(Map<String, String> a, String key) {
        String v = a.get(key);
        if (v == null) {
            throw new IllegalArgumentException("missing " + key);
        }
        return v;
    }

    boolean run(int seconds, int clients, Path stats) throws Exception {
        long start = System.nanoTime();
        long deadline = start + seconds * 1_000_000_000L;
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            int id = i;
            threads.add(Thread.ofPlatform().name("client-" + i).start(() -> client(id, deadline)));
        }
        while (threads.stream().anyMatch(Thread::isAlive)) {
            writeStats(stats, start);
            Thread.sleep(1000);
        }
        // Afterwards: no aborted upload may be visible, and stored files are still intact.
        List<String> abortedSample = new ArrayList<>(aborted);
        for (String rawPath : abortedSample.subList(0, Math.min(200, abortedSample.size()))) {
            timed(Op.CHECK, () -> {
                try (Conn c = new Conn()) {
                    Response r = c.exchange("GET", prefix + rawPath, List.of(), null, false);
                    expect(Op.CHECK, r.status() == 404, "aborted upload " + rawPath + " is visible: " + r.status());
                }
            });
        }
        List<Stored> remaining;
        synchronized (pool) {
            remaining = new ArrayList<>(pool);
        }
        for (Stored s : remaining.subList(0, Math.min(100, remaining.size()))) {
            timed(Op.CHECK, () -> {
                try (Conn c = new Conn()) {
                    Response r = c.exchange("GET", prefix + s.rawPath(), List.of(), null, false);
                    expect(Op.CHECK, r.status() == 200 && Arrays.equals(r.body(), bytes(s)), "stored " + s.path() + " damaged: " + r.status());
                }
            });
        }
        writeStats(stats, start);
        report(System.nanoTime() - start);
        return totalUnexpected() == 0;
    }

    private void client(int id, long deadline) {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        int total = WEIGHTS.values().stream().mapToInt(Integer::intValue).sum();
        Conn[] shared = {null};
        try {
            shared[0] = new Conn();
            while (System.nanoTime() < deadline) {
                deleteRetired();
                int pick = rnd.nextInt(total);
                Op op = null;
                for (Map.Entry<Op, Integer> e : WEIGHTS.entrySet()) {
                    pick -= e.getValue();
                    if (pick < 0) {
                        op = e.getKey();
                        break;
                    }
                }
                Op chosen = op;
                timed(chosen, () -> {
                    try {
                        perform(chosen, id, shared, rnd);
                    } catch (IOException | RuntimeException e) {
                        shared[0].close(); // unknown state: the next request starts afresh
                        throw e;
                    }
                });
            }
        } catch (IOException e) {
            note(Op.GET, "client " + id + " could not connect: " + e);
        } finally {
            if (shared[0] != null) {
                shared[0].close();
            }
        }
    }

    private void perform(Op op, int id, Conn[] keepAlive, ThreadLocalRandom rnd) throws IOException {
        switch (op) {
            case UPLOAD -> upload(id, rnd);
            case GET -> {
                Stored s = anyStored(rnd);
                if (s == null) {
                    return;
                }
                Response r = reuse(keepAlive, rnd).exchange("GET", prefix + s.rawPath(), List.of(), null, false);
                bytesDown.add(r.body().length);
                expect(op, r.status() == 200 && Arrays.equals(r.body(), bytes(s)), "GET " + s.path() + " -> " + r.status() + " (" + r.body().length + " of " + s.size() + " bytes)");
                closeIfAsked(keepAlive, r);
            }
            case RANGE -> {
                Stored s = anyStored(rnd);
                if (s == null || s.size() == 0) {
                    return;
                }
                long first;
                long last;
                String range;
                if (rnd.nextInt(5) == 0) { // suffix form: the last n bytes
                    long n = 1 + rnd.nextLong(Math.min(s.size(), 256 * 1024));
                    first = s.size() - n;
                    last = s.size() - 1;
                    range = "bytes=-" + n;
                } else {
                    first = rnd.nextLong(s.size());
                    last = Math.min(s.size() - 1, first + rnd.nextLong(256 * 1024));
                    range = "bytes=" + first + "-" + last;
                }
                Response r = reuse(keepAlive, rnd).exchange("GET", prefix + s.rawPath(), List.of("Range: " + range), null, false);
                bytesDown.add(r.body().length);
                byte[] want = Arrays.copyOfRange(bytes(s), (int) first, (int) last + 1);
                expect(op, r.status() == 206 && Arrays.equals(r.body(), want)
                        && ("bytes " + first + "-" + last + "/" + s.size()).equals(r.header("content-range")),
                        "GET " + s.path() + " " + range + " -> " + r.status() + " " + r.header("content-range"));
                closeIfAsked(keepAlive, r);
            }
            case HEAD -> {
                Stored s = anyStored(rnd);
                if (s == null) {
                    return;
                }
                Response r = reuse(keepAlive, rnd).exchange("HEAD", prefix + s.rawPath(), List.of(), null, true);
                expect(op, r.status() == 200 && String.valueOf(s.size()).equals(r.header("content-length")),
                        "HEAD " + s.path() + " -> " + r.status() + " length " + r.header("content-length"));
                closeIfAsked(keepAlive, r);
            }
            case MISSING -> {
                Response r = reuse(keepAlive, rnd).exchange("GET", prefix + "soak/missing-" + rnd.nextLong(1L << 40) + "/x.bin", List.of(), null, false);
                expect(op, r.status() == 404, "GET of a missing file -> " + r.status());
                closeIfAsked(keepAlive, r);
            }
            case BAD_MAC -> badMac(id, rnd);
            case ABORT -> abort(id, rnd);
            case CONFLICT -> {
                Stored s = anyStored(rnd);
                if (s == null) {
                    return;
                }
                // Expect: 100-continue: the 409 must come before we send a byte of the body.
                try (Conn c = new Conn()) {
                    c.sendHead("PUT", prefix + s.rawPath() + "?v=" + hmacHex(s.path() + " " + s.size()),
                            List.of("Content-Length: " + s.size(), "Expect: 100-continue"));
                    Response r = c.read(false);
                    expect(op, r.status() == 409, "PUT over " + s.path() + " -> " + r.status());
                }
            }
            default -> throw new IllegalStateException(op.name());
        }
    }

    private void upload(int id, ThreadLocalRandom rnd) throws IOException {
        long n = sequence.incrementAndGet();
        int bucket = rnd.nextInt(100);
        long size = bucket < 5 ? 0
                : bucket < 45 ? rnd.nextLong(1, 4096)
                : bucket < 85 ? rnd.nextLong(4096, 256 * 1024)
                : bucket < 96 ? rnd.nextLong(256 * 1024, 2 << 20)
                : rnd.nextLong(2 << 20, 8 << 20);
        String type = TYPES[rnd.nextInt(TYPES.length)];
        String name = rnd.nextInt(5) == 0 ? "caf\u00e9 n\u00b0" + n + ".bin" : "file" + n + ".bin";
        String path = "soak/" + id + "-" + Long.toHexString(rnd.nextLong()) + "/" + name;
        Stored s = new Stored(encode(path), path, size, rnd.nextLong(), type);
        String query = switch (rnd.nextInt(3)) {
            case 0 -> "v=" + hmacHex(path + " " + size);
            case 1 -> "v2=" + hmacHex(path + "\0" + size + "\0" + (type == null ? "application/octet-stream" : type));
            default -> "token=" + hmacHex(path + "\0" + size + "\0" + (type == null ? "application/octet-stream" : type));
        };
        List<String> headers = new ArrayList<>(List.of("Content-Length: " + size));
        if (type != null) {
            headers.add("Content-Type: " + type);
        }
        boolean expectContinue = rnd.nextInt(5) == 0;
        if (expectContinue) {
            headers.add("Expect: 100-continue");
        }
        byte[] body = bytes(s);
        String what = "PUT " + path + " (" + size + " bytes" + (expectContinue ? ", Expect: 100-continue" : "") + ")";
        try (Conn c = new Conn()) {
            c.sendHead("PUT", prefix + s.rawPath() + "?" + query, headers);
            if (expectContinue) {
                Response interim = c.read(false);
                if (interim.status() != 100) {
                    expect(Op.UPLOAD, false, what + " -> " + interim.status() + " instead of 100 Continue");
                    return;
                }
            }
            c.out.write(body);
            c.out.flush();
            bytesUp.add(body.length);
            Response r = c.read(false);
            expect(Op.UPLOAD, r.status() == 201, what + " -> " + r.status() + " " + new String(r.body(), StandardCharsets.UTF_8));
            if (r.status() == 201) {
                synchronized (pool) {
                    pool.addLast(s);
                    while (pool.size() > POOL_CAP) {
                        retired.addLast(new Retired(pool.removeFirst(), System.nanoTime()));
                    }
                }
            }
        } catch (IOException e) {
            throw new IOException(what + ": " + e.getMessage(), e);
        }
    }

    private void badMac(int id, ThreadLocalRandom rnd) throws IOException {
        String path = "soak/bad-" + id + "-" + Long.toHexString(rnd.nextLong()) + "/x.bin";
        int size = rnd.nextInt(16 * 1024);
        int kind = rnd.nextInt(4);
        String query = switch (kind) {
            case 0 -> "v=" + HexFormat.of().formatHex(randomBytes(rnd, 32));
            case 1 -> "v2=" + hmacHex(path + "\0" + size + "\0" + "image/png"); // signed for another type
            case 2 -> "v=" + hmacHex(path + " " + (size + 1)); // signed for another size
            default -> "x=1"; // no token at all: 401 asking for a Bearer token, as the jwt dialect is on
        };
        int wanted = kind == 3 ? 401 : 403;
        boolean expectContinue = rnd.nextBoolean();
        List<String> headers = new ArrayList<>(List.of("Content-Length: " + size, "Content-Type: image/jpeg"));
        if (expectContinue) {
            headers.add("Expect: 100-continue");
        }
        try (Conn c = new Conn()) {
            c.sendHead("PUT", prefix + encode(path) + "?" + query, headers);
            if (!expectContinue) {
                c.out.write(randomBytes(rnd, size));
                c.out.flush();
            }
            Response r = c.read(false);
            expect(Op.BAD_MAC, r.status() == wanted, "PUT with a bad token (" + query.substring(0, Math.min(8, query.length())) + "...) -> " + r.status());
        }
    }

    private void abort(int id, ThreadLocalRandom rnd) throws IOException {
        String path = "soak/aborted-" + id + "-" + Long.toHexString(rnd.nextLong()) + "/x.bin";
        int size = rnd.nextInt(64 * 1024, 4 << 20);
        Conn c = new Conn();
        try {
            c.sendHead("PUT", prefix + encode(path) + "?v=" + hmacHex(path + " " + size), List.of("Content-Length: " + size));
            c.out.write(randomBytes(rnd, (int) (size * rnd.nextDouble(0.05, 0.95))));
            c.out.flush();
            aborted.add(encode(path));
            if (rnd.nextBoolean()) {
                c.socket.setSoLinger(true, 0); // reset instead of an orderly close
            }
        } finally {
            c.close();
        }
    }

    private void deleteRetired() {
        Retired r;
        synchronized (pool) {
            r = retired.peekFirst();
            if (r == null || System.nanoTime() - r.since() < RETIRE_GRACE_NANOS) {
                return;
            }
            retired.removeFirst();
        }
        Stored s = r.file();
        timed(Op.DELETE, () -> {
            try (Conn c = new Conn()) {
                Response resp = c.exchange("DELETE", prefix + s.rawPath() + "?token=" + hmacHex(s.path() + "\0" + deleteSecret), List.of(), null, false);
                expect(Op.DELETE, resp.status() == 204, "DELETE " + s.path() + " -> " + resp.status());
            }
        });
    }

    private Stored anyStored(ThreadLocalRandom rnd) {
        synchronized (pool) {
            if (pool.isEmpty()) {
                return null;
            }
            int i = rnd.nextInt(pool.size());
            for (Stored s : pool) {
                if (i-- == 0) {
                    return s;
                }
            }
            return null;
        }
    }

    /** The shared keep-alive connection, or now and then a fresh one, so both paths are exercised. */
    private Conn reuse(Conn[] keepAlive, ThreadLocalRandom rnd) throws IOException {
        if (keepAlive[0].socket.isClosed() || rnd.nextInt(4) == 0) {
            keepAlive[0].close();
            keepAlive[0] = new Conn();
        }
        return keepAlive[0];
    }

    private static void closeIfAsked(Conn[] keepAlive, Response r) {
        if ("close".equalsIgnoreCase(r.header("connection"))) {
            keepAlive[0].close();
        }
    }

    interface Action {
        void run() throws IOException;
    }

    private void timed(Op op, Action action) {
        long t0 = System.nanoTime();
        try {
            action.run();
        } catch (IOException | RuntimeException e) {
            expect(op, false, op + " failed: " + e);
        }
        long dt = System.nanoTime() - t0;
        count.get(op).increment();
        nanos.get(op).add(dt);
        maxNanos.get(op).accumulateAndGet(dt, Math::max);
    }

    private void expect(Op op, boolean ok, String what) {
        if (!ok) {
            note(op, what);
        }
    }

    private void note(Op op, String what) {
        unexpected.get(op).increment();
        if (examples.size() < 20) {
            examples.add(what);
        }
    }

    private long totalUnexpected() {
        return unexpected.values().stream().mapToLong(LongAdder::sum).sum();
    }

    private void writeStats(Path stats, long start) throws IOException {
        if (stats == null) {
            return;
        }
        long requests = count.values().stream().mapToLong(LongAdder::sum).sum();
        String line = "elapsed=" + (System.nanoTime() - start) / 1_000_000_000L + " requests=" + requests
                + " unexpected=" + totalUnexpected() + " up_mib=" + (bytesUp.sum() >> 20) + " down_mib=" + (bytesDown.sum() >> 20) + "\n";
        Path tmp = stats.resolveSibling(stats.getFileName() + ".tmp");
        Files.writeString(tmp, line);
        Files.move(tmp, stats, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private void report(long elapsedNanos) {
        System.out.printf("%-9s %9s %10s %9s %9s%n", "op", "count", "unexpected", "avg ms", "max ms");
        for (Op op : Op.values()) {
            long n = count.get(op).sum();
            if (n == 0) {
                continue;
            }
            System.out.printf("%-9s %9d %10d %9.1f %9.1f%n", op.name().toLowerCase(Locale.ROOT), n, unexpected.get(op).sum(),
                    nanos.get(op).sum() / 1e6 / n, maxNanos.get(op).get() / 1e6);
        }
        long requests = count.values().stream().mapToLong(LongAdder::sum).sum();
        System.out.printf("%d requests in %.0f s (%.0f/s), %d MiB up, %d MiB down, %d unexpected%n", requests, elapsedNanos / 1e9,
                requests / (elapsedNanos / 1e9), bytesUp.sum() >> 20, bytesDown.sum() >> 20, totalUnexpected());
        for (String e : examples) {
            System.out.println("  unexpected: " + e);
        }
    }

    // --- bytes, MACs, paths ------------------------------------------------------------------

    private static byte[] bytes(Stored s) {
        byte[] b = new byte[(int) s.size()];
        new java.util.Random(s.seed()).nextBytes(b);
        return b;
    }

    private static byte[] randomBytes(ThreadLocalRandom rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    private String hmacHex(String message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Percent-encodes like Prosody: every byte outside [A-Za-z0-9.~_-] (and '/'), lowercase hex. */
    private static String encode(String path) {
        StringBuilder b = new StringBuilder();
        for (byte x : path.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '~' || c == '_' || c == '-' || c == '/') {
                b.append((char) c);
            } else {
                b.append('%').append(String.format("%02x", c));
            }
        }
        return b.toString();
    }

    // --- a minimal HTTP/1.1 client that sends exactly what we say -----------------------------

    final class Conn implements AutoCloseable {
        final Socket socket = new Socket();
        final InputStream in;
        final OutputStream out;

        Conn() throws IOException {
            socket.connect(new InetSocketAddress(host, port), 10_000);
            socket.setSoTimeout(60_000);
            in = new BufferedInputStream(socket.getInputStream(), 65536);
            out = socket.getOutputStream();
        }

        void sendHead(String method, String target, List<String> headers) throws IOException {
            StringBuilder b = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: ").append(host).append("\r\n");
            for (String h : headers) {
                b.append(h).append("\r\n");
            }
            out.write(b.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        Response exchange(String method, String target, List<String> headers, byte[] body, boolean head) throws IOException {
            sendHead(method, target, headers);
            if (body != null) {
                out.write(body);
                out.flush();
            }
            return read(head);
        }

        Response read(boolean head) throws IOException {
            String status = line();
            if (status == null) {
                throw new IOException("connection closed before a response");
            }
            String[] parts = status.split(" ", 3);
            int code = Integer.parseInt(parts[1]);
            Map<String, String> headers = new LinkedHashMap<>();
            for (String l = line(); l != null && !l.isEmpty(); l = line()) {
                int colon = l.indexOf(':');
                headers.put(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim());
            }
            byte[] body = new byte[0];
            String length = headers.get("content-length");
            if (!head && code != 100 && code != 204 && code != 304) {
                if (length != null) {
                    body = in.readNBytes(Integer.parseInt(length));
                    if (body.length != Integer.parseInt(length)) {
                        throw new IOException("body cut short: " + body.length + " of " + length);
                    }
                } else if ("close".equalsIgnoreCase(headers.get("connection"))) {
                    body = in.readAllBytes();
                }
            }
            return new Response(code, headers, body);
        }

        private String line() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) >= 0 && c != '\n') {
                if (c != '\r') {
                    b.write(c);
                }
            }
            return c < 0 && b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
