import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/** Applies one scenario to one running server and measures it. */
final class Runner {
    private static final long SEED = 0x5EEDL;

    private final Pattern pattern;
    private final boolean quick;
    private long fileCounter;

    Runner(Pattern pattern, boolean quick) {
        this.pattern = pattern;
        this.quick = quick;
    }

    /** Unique upload paths (a counter names the file and picks its content) with MACs for one port. */
    final class Uploads {
        private final Req.Factory factory;

        Uploads(int port) {
            factory = new Req.Factory(Servers.SECRET, port, SEED + fileCounter);
        }

        Req next(String prefix, long size) {
            long n = fileCounter++;
            return factory.put(factory.newPath(prefix + "-" + n + ".bin"), size, Pattern.shiftOf(n));
        }

        Req[] next(String prefix, int count, long size) {
            Req[] reqs = new Req[count];
            for (int i = 0; i < count; i++) {
                reqs[i] = next(prefix, size);
            }
            return reqs;
        }

        /** {@code count} uploads for each of {@code conns} connections. */
        Req[][] perConn(String prefix, int conns, int count, long size) {
            Req[][] reqs = new Req[conns][];
            for (int c = 0; c < conns; c++) {
                reqs[c] = next(prefix, count, size);
            }
            return reqs;
        }

        /** A GET of what {@code put} uploads. */
        Req getOf(Req put, boolean verify) {
            return factory.get(put.path(), put.bodyLen(), put.bodyShift(), verify);
        }
    }

    /**
     * Preloads what the scenario reads, warms the server up with untimed load of the same kind,
     * then measures. The warm-up is there because a JVM server runs warm in production; its cold
     * start is the startup scenario.
     */
    Result load(Scenario s, Servers.Running r) throws IOException {
        Uploads up = new Uploads(r.port);
        Engine engine = new Engine(r.port, pattern, seconds(30));
        long limit = seconds(quick ? 60 : 300);
        Recorder pre = new Recorder();
        int conns = s.conns();
        Supplier<Engine.Source> measured;
        switch (s.kind()) {
            case PUT_MANY -> {
                Req[] reqs = up.next("file", s.count(), s.size());   // MACs computed outside the window
                // A count, not a time: both servers then leave the same files on the file system.
                // Short rounds on new connections first (see reconnectRounds), then a long one.
                // Warm-up uploads have the measured ones' shape: a path one level deeper (under a
                // warm/ directory) made the server's compiled path handling trap as the window began.
                for (int round = 0; round < reconnectRounds(); round++) {
                    engine.run(Sources.list(up.next("warm", quick ? 200 : 2_000, s.size())), conns, System.nanoTime() + limit, pre);
                }
                engine.run(Sources.list(up.next("warm", quick ? 1_000 : 60_000, s.size())), conns, System.nanoTime() + limit, pre);
                // The warm-up's files stay: deleting them made the window measure this VM's ext4,
                // which has no journal and so will not reuse an inode freed in the last
                // 1-6 minutes, scanning past each one on every create (ext4 find_inode_bit ->
                // recently_deleted: 70% of both servers' openat time, profiled). Real stores on a
                // journalled ext4 never pay that, and expiry deletes in batches, not before a burst.
                settle(quick ? 0 : 1000);
                measured = () -> Sources.list(reqs);
            }
            case PUT_PER_CONN -> {
                // C2 compiles a method called once per 64 KiB read only after ~15,000 calls (1 GiB),
                // and four 64 MiB uploads left it compiling through the window (profiled: 45% of
                // the server's CPU during a 1 GiB upload). So: two rounds of 1 GiB over four
                // connections, then one upload per connection in the measured shape (at 200
                // connections that is what pauses uploads for the shared buffer budget), then a
                // second for queued compilations to finish. Each round's files are deleted at once:
                // deleted files' dirty pages never reach the disk, whereas keeping gigabytes of
                // warm-up made the window measure this VM's writeback instead of the servers.
                long warmSize = Math.min(s.size(), (quick ? 16 : 64) * Scenario.MiB);
                for (int round = 0; round < (quick ? 1 : 2); round++) {
                    engine.run(Sources.list(up.next("warm", quick ? 4 : 16, warmSize)),
                            Math.min(conns, 4), System.nanoTime() + limit, pre);
                    removeUploads(r.store);
                }
                engine.run(Sources.perConn(up.perConn("shape", conns, 1, Math.min(s.size(), 2 * Scenario.MiB))),
                        conns, System.nanoTime() + limit, pre);
                removeUploads(r.store);
                settle(quick ? 0 : 1000);
                Req[][] reqs = up.perConn("big", conns, s.count(), s.size());
                measured = () -> Sources.perConn(reqs);
            }
            case GET_CYCLE -> {
                Req[] puts = up.next("small", s.count(), s.size());
                Req[] gets = Arrays.stream(puts).map(p -> up.getOf(p, false)).toArray(Req[]::new);
                Req[] checked = Arrays.stream(puts).map(p -> up.getOf(p, true)).toArray(Req[]::new);
                engine.run(Sources.list(puts), Math.min(conns, puts.length), System.nanoTime() + limit, pre);
                for (int round = 0; round < reconnectRounds(); round++) {
                    engine.run(Sources.cycle(gets, checked, warmSeconds(1)).get(), conns, System.nanoTime() + limit, pre);
                }
                engine.run(Sources.cycle(gets, checked, warmSeconds(10)).get(), conns, System.nanoTime() + limit, pre);
                settle(quick ? 0 : 1000);
                measured = Sources.cycle(gets, checked, s.seconds());
            }
            case GET_PER_CONN -> {
                Req put = up.next("large", s.size());
                Req checked = up.getOf(put, true);
                engine.run(Sources.list(new Req[] {put, checked}), 1, System.nanoTime() + limit, pre);
                // One download in the window is checked byte for byte, the rest by length: checking
                // all of them took the one generator thread to 94-96 % of a core at 2 GiB/s.
                Req get = up.getOf(put, false);
                Req[][] reqs = new Req[conns][s.downloads()];
                for (Req[] perConn : reqs) {
                    Arrays.fill(perConn, get);
                }
                reqs[0][0] = checked;
                measured = () -> Sources.perConn(reqs);
            }
            default -> throw new IllegalStateException(s.kind().toString());
        }
        return measure(s, r, engine, measured.get(), limit, pre);
    }

    /** Deletes the upload directories (named by UUID) under {@code store}; servers' own directories stay. */
    private static void removeUploads(java.nio.file.Path store) throws IOException {
        try (var dirs = java.nio.file.Files.list(store)) {
            for (java.nio.file.Path d : (Iterable<java.nio.file.Path>) dirs::iterator) {
                if (d.getFileName().toString().matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")) {
                    try (var files = java.nio.file.Files.list(d)) {
                        for (java.nio.file.Path f : (Iterable<java.nio.file.Path>) files::iterator) {
                            java.nio.file.Files.delete(f);
                        }
                    }
                    java.nio.file.Files.delete(d);
                }
            }
        }
    }

    private static void settle(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Short warm-up rounds before the long one, each on new connections. Connections closing and
     * new ones arriving take paths the busy loop never did (a request split over the first small
     * reads, a close): C2 had compiled without them, and at each such change dozens of methods hit
     * uncommon traps and were recompiled, at the start of the window too (logged with
     * -Xlog:jit+compilation; with no such round C2 took 640 ms of the 2.3 s of server CPU in the
     * put-small window, with one round after the long one still ~26%). The long round comes last,
     * so that C2 recompiles with those paths seen; a second of quiet follows.
     */
    private int reconnectRounds() {
        return quick ? 1 : 5;
    }

    /** Untimed warm-up for the small-request scenarios: a fresh JVM's JIT needs 10-15 s of it on 2 cores. */
    private double warmSeconds(double full) {
        return quick ? 0.5 : full;
    }

    private Result measure(Scenario s, Servers.Running r, Engine engine, Engine.Source src, long limit, Recorder pre)
            throws IOException {
        Recorder rec = new Recorder();
        Proc.Sample s0 = Proc.sample(r.pid());
        long g0 = generatorCpuNanos();
        long t0 = System.nanoTime();
        engine.run(src, s.conns(), t0 + limit, rec);
        long t1 = System.nanoTime();
        long g1 = generatorCpuNanos();
        Proc.Sample s1 = Proc.sample(r.pid());
        double wall = (t1 - t0) / 1e9;
        Proc.Sample window = s1.since(s0);
        double serverCpu = window.cpuSeconds();
        double value, cpu;
        if (s.perRequest()) {
            value = rec.okCount() / wall;
            cpu = rec.okCount() == 0 ? Double.NaN : serverCpu / rec.okCount() * 1e6;
        } else {
            value = rec.okBytes / (double) Scenario.MiB / wall;
            cpu = rec.okBytes == 0 ? Double.NaN : serverCpu / (rec.okBytes / (double) Scenario.GiB);
        }
        Map<String, Integer> errors = new TreeMap<>(rec.errors);
        pre.errors.forEach((k, v) -> errors.merge("preload " + k, v, Integer::sum));
        if (!r.process.isAlive()) {
            errors.merge("server died", 1, Integer::sum);
        }
        return new Result(value, rec.percentileMs(50), rec.percentileMs(99), cpu, window.sysShare(), s1.hwmKb() / 1024.0,
                (g1 - g0) / 1e9, wall, errors);
    }

    /** Polls with fresh connections until an upload gets 201; the clock started at process spawn. */
    Result firstUpload(Servers.Running r, long startNanos, long size) throws InterruptedException {
        Uploads up = new Uploads(r.port);
        Map<String, Integer> errors = new TreeMap<>();
        long deadline = startNanos + seconds(90);
        while (true) {
            int status = Blocking.exchange(r.port, up.next("first", size), pattern);
            if (status == 201) {
                break;
            }
            if (status > 0) {
                errors.merge("HTTP " + status, 1, Integer::sum);
            }
            if (!r.process.isAlive() || System.nanoTime() > deadline) {
                errors.merge("no 201", 1, Integer::sum);
                return Result.failed(errors);
            }
            Thread.sleep(2);
        }
        double ms = (System.nanoTime() - startNanos) / 1e6;
        Proc.Sample sample = Proc.sample(r.pid());
        return new Result(ms, Double.NaN, Double.NaN, sample.cpuSeconds(), sample.sysShare(), sample.hwmKb() / 1024.0,
                Double.NaN, ms / 1e3, errors);
    }

    /** dd writing the scenario's bytes into the store's filesystem: the write limit servers face. */
    static Result dd(Scenario s, Path file, boolean pipe) throws IOException, InterruptedException {
        String cmd = pipe
                ? "head -c " + s.loadBytes() + " /dev/zero | dd of=" + file + " bs=1M iflag=fullblock status=none"
                : "dd if=/dev/zero of=" + file + " bs=1M count=" + s.loadBytes() / Scenario.MiB + " status=none";
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder("bash", "-c", cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        int code = p.waitFor();
        double wall = (System.nanoTime() - t0) / 1e9;
        long size = Files.exists(file) ? Files.size(file) : 0;
        Files.deleteIfExists(file);
        Map<String, Integer> errors = code == 0 && size == s.loadBytes() ? Map.of() : Map.of("dd failed: " + out, 1);
        return new Result(size / (double) Scenario.MiB / wall, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                Double.NaN, wall, errors);
    }

    static long seconds(double s) {
        return (long) (s * 1e9);
    }

    private static long generatorCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
