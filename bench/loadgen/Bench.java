import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Runs every scenario against our server and nginx in the same session, interleaved and repeated,
 * each run on a freshly started server with an empty store, and prints one Markdown table.
 * Exit code 1 if any request failed or any download did not verify; 2 if the bench itself could not run.
 */
public final class Bench {
    private static final long SEED = 0x5EEDL;

    private final Options opt;
    private final Pattern pattern = new Pattern(SEED);
    private final Servers.Target ours;
    private final Servers.Target nginx;
    private final Path work;
    /** scenario title → server label → runs */
    private final Map<String, Map<String, List<Result>>> results = new LinkedHashMap<>();
    private String oursJvm = "";
    private long fileCounter;

    record Options(boolean quick, int repeat, List<String> only, Path root, Path jar, Path launcher,
                   String nginx, Path workdir, Path out, boolean oursIsNginx, String java) {
    }

    private Bench(Options opt) throws IOException {
        this.opt = opt;
        this.work = opt.workdir() != null ? Files.createDirectories(opt.workdir())
                : Files.createTempDirectory(Path.of("/tmp"), "pf-bench-");
        this.storeFs = Files.getFileStore(work).type() + " (" + work.getParent() + ")";
        this.nginx = new Servers.Nginx(opt.nginx(), "nginx");
        if (opt.oursIsNginx()) {
            this.ours = new Servers.Nginx(opt.nginx(), "prosody-filer");
        } else if (opt.launcher() != null) {
            // The launcher rebuilds the jar when sources are newer than it. The bench measures one
            // fixed jar, so it runs a private copy dated in the future: an edit in the checkout
            // during a run must not start a Maven build inside a measured server start.
            Path copy = work.resolve("prosody-filer.jar");
            Files.copy(opt.jar(), copy);
            Files.setLastModifiedTime(copy, java.nio.file.attribute.FileTime.from(
                    java.time.Instant.now().plus(java.time.Duration.ofDays(3650))));
            Map<String, String> env = new TreeMap<>();
            env.put("PROSODY_FILER_JAR", copy.toString());
            env.put("JAVA_HOME", Path.of(opt.java()).getParent().getParent().toString());
            this.ours = new Servers.Ours(List.of(opt.launcher().toString()), env);
        } else {
            this.ours = new Servers.Ours(List.of(opt.java(), "-jar", opt.jar().toString()), Map.of());
        }
    }

    private final String storeFs;

    public static void main(String[] args) {
        Options opt;
        try {
            opt = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("bench: " + e.getMessage());
            System.err.println("usage: bench/run.sh [--quick] [--repeat N] [--only SCENARIO[,SCENARIO...]] [--jar PATH]"
                    + " [--launcher PATH | --no-launcher] [--nginx PATH] [--workdir DIR] [--out FILE]\n"
                    + "       scenarios: " + String.join(", ", Scenario.GROUPS));
            System.exit(2);
            return;
        }
        int code;
        try {
            code = new Bench(opt).runAll();
        } catch (Exception e) {
            e.printStackTrace();
            code = 2;
        }
        System.exit(code);
    }

    private static Options parse(String[] a) {
        boolean quick = false, oursIsNginx = false, noLauncher = false;
        int repeat = -1;
        List<String> only = new ArrayList<>();
        Path root = Path.of("."), jar = null, launcher = null, workdir = null, out = null;
        String nginx = "/usr/sbin/nginx", java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (int i = 0; i < a.length; i++) {
            String k = a[i];
            java.util.function.Supplier<String> v = () -> {
                throw new IllegalArgumentException(k + " needs a value");
            };
            String val = i + 1 < a.length ? a[i + 1] : null;
            switch (k) {
                case "--quick" -> quick = true;
                case "--ours-nginx" -> oursIsNginx = true;
                case "--no-launcher" -> noLauncher = true;
                case "--repeat", "--only", "--root", "--jar", "--launcher", "--nginx", "--workdir", "--out", "--java" -> {
                    if (val == null) {
                        v.get();
                    }
                    i++;
                    switch (k) {
                        case "--repeat" -> repeat = Integer.parseInt(val);
                        case "--only" -> {
                            for (String s : val.split(",")) {
                                if (!Scenario.GROUPS.contains(s.trim())) {
                                    throw new IllegalArgumentException("unknown scenario " + s);
                                }
                                only.add(s.trim());
                            }
                        }
                        case "--root" -> root = Path.of(val);
                        case "--jar" -> jar = Path.of(val).toAbsolutePath();
                        case "--launcher" -> launcher = Path.of(val).toAbsolutePath();
                        case "--nginx" -> nginx = val;
                        case "--workdir" -> workdir = Path.of(val).toAbsolutePath();
                        case "--out" -> out = Path.of(val).toAbsolutePath();
                        case "--java" -> java = val;
                        default -> throw new IllegalStateException(k);
                    }
                }
                default -> throw new IllegalArgumentException("unknown option " + k);
            }
        }
        if (repeat < 0) {
            repeat = quick ? 1 : 3;
        }
        if (repeat < 1 || repeat > 20) {
            throw new IllegalArgumentException("--repeat must be 1..20");
        }
        if (launcher == null && !noLauncher && Files.isExecutable(root.resolve("bin/prosody-filer"))) {
            launcher = root.resolve("bin/prosody-filer").toAbsolutePath();
        }
        if (noLauncher) {
            launcher = null;
        }
        if (jar == null) {
            jar = root.resolve("target/prosody-filer.jar").toAbsolutePath();
        }
        if (!oursIsNginx && !Files.isRegularFile(jar)) {
            throw new IllegalArgumentException(jar + " is missing: build it (./mvnw -DskipTests package) or pass --jar");
        }
        if (!Files.isExecutable(Path.of(nginx))) {
            throw new IllegalArgumentException(nginx + " not found: install nginx-light (scripts/install-test-deps.sh)");
        }
        return new Options(quick, repeat, only, root, jar, launcher, nginx, workdir, out, oursIsNginx, java);
    }

    private int runAll() throws Exception {
        long t0 = System.nanoTime();
        String loadBefore = loadAverage();
        List<Scenario> scenarios = Scenario.all(opt.quick()).stream()
                .filter(s -> opt.only().isEmpty() || opt.only().contains(s.group())).toList();
        try {
            prime();
            for (Scenario s : scenarios) {
                for (int rep = 0; rep < opt.repeat(); rep++) {
                    // Alternate who goes first so drift (page cache, thermal, noisy neighbours) hits both.
                    List<Servers.Target> order = rep % 2 == 0 ? List.of(ours, nginx) : List.of(nginx, ours);
                    for (Servers.Target t : order) {
                        long started = System.nanoTime();
                        Result r = runOnce(s, t, rep);
                        add(s, t.label(), r);
                        progress(s, t.label(), rep, r, (System.nanoTime() - started) / 1e9);
                    }
                    if (s.withDd()) {
                        add(s, "dd pipe→file", dd(s, true));
                        add(s, "dd /dev/zero→file", dd(s, false));
                    }
                }
            }
        } finally {
            deleteTree(work);
        }
        double minutes = (System.nanoTime() - t0) / 60e9;
        String report = new Report(scenarios, results, header(minutes, loadBefore, loadAverage()), ours.label(), nginx.label(), stopTimes).markdown();
        System.out.println(report);
        if (opt.out() != null) {
            Files.writeString(opt.out(), report + "\n");
        }
        int errors = results.values().stream().flatMap(m -> m.values().stream()).flatMap(List::stream)
                .mapToInt(Result::errorCount).sum();
        if (errors > 0) {
            System.err.println("bench: " + errors + " failed requests/runs (see Errors column)");
            return 1;
        }
        return 0;
    }

    /**
     * One untimed start and stop of our server before anything is measured: the launcher creates
     * its class-data-sharing archive on the first start, which is a one-off, not a startup cost.
     */
    private void prime() throws IOException, InterruptedException {
        Path dir = Files.createDirectories(work.resolve("prime"));
        Servers.Running r = ours.spawn(dir, 0);
        try {
            ours.awaitReady(r, secondsToNanos(120));
            noteJvm(ours, r);
        } finally {
            r.stop();
            deleteTree(dir);
        }
    }

    private void add(Scenario s, String server, Result r) {
        results.computeIfAbsent(s.title(), k -> new LinkedHashMap<>())
                .computeIfAbsent(server, k -> new ArrayList<>()).add(r);
    }

    private static void progress(Scenario s, String server, int rep, Result r, double seconds) {
        System.err.printf("bench: %-45s %-14s #%d (%4.1f s)  %s%n", s.title(), server, rep + 1, seconds,
                Double.isNaN(r.value()) ? "FAILED " + r.errors()
                        : String.format("%.1f %s, p99 %.2f ms, cpu %.3g, rss %.0f MiB, gen %.2f s, errors %d",
                        r.value(), s.kind() == Scenario.Kind.STARTUP ? "ms" : s.perRequest() ? "req/s" : "MiB/s",
                        r.p99Ms(), r.cpu(), r.rssMiB(), r.genCpuS(), r.errorCount()));
    }

    private Result runOnce(Scenario s, Servers.Target t, int rep) throws InterruptedException {
        Path dir = work.resolve((s.title().replaceAll("[^A-Za-z0-9]+", "-") + "-" + t.label() + "-" + rep));
        Servers.Running r = null;
        try {
            Files.createDirectories(dir);
            if (s.kind() == Scenario.Kind.STARTUP) {
                return startup(s, t, dir);
            }
            r = t.spawn(dir, 0);
            int port = t.awaitReady(r, secondsToNanos(90));
            noteJvm(t, r);
            Result result = load(s, r, port);
            if (result.errorCount() > 0) {
                System.err.println("bench: " + t.label() + " log tail after errors " + result.errors() + ":\n" + r.logTail(20));
            }
            return result;
        } catch (IOException | RuntimeException e) {
            System.err.println("bench: " + s.title() + " / " + t.label() + " failed: " + e.getMessage());
            return Result.failed("run failed");
        } finally {
            double stop = r != null ? r.stop() : Double.NaN;
            if (r != null && t == ours) {
                stopTimes.add(stop);
            }
            deleteTree(dir);
        }
    }

    private final List<Double> stopTimes = new ArrayList<>();

    private void noteJvm(Servers.Target t, Servers.Running r) {
        if (t == ours && oursJvm.isEmpty()) {
            for (long pid : Proc.tree(r.pid())) {
                String cmd = Proc.cmdline(pid);
                if (cmd.contains("java")) {
                    oursJvm = cmd;
                }
            }
        }
    }

    /**
     * Preloads what the scenario reads, then warms the server up with an untimed load of the same
     * kind (a JVM server is measured in steady state, as it runs in production; the cold case is
     * the startup scenario), then measures.
     */
    private Result load(Scenario s, Servers.Running r, int port) throws IOException {
        Req.Factory f = new Req.Factory(Servers.SECRET, port, SEED + fileCounter);
        Engine engine = new Engine(port, pattern, secondsToNanos(30));
        long hardLimit = secondsToNanos(opt.quick() ? 60 : 300);
        Recorder pre = new Recorder();
        Engine.Source src;
        int conns = s.conns();
        switch (s.kind()) {
            case PUT_MANY -> {
                src = list(uploads(f, s.count(), s.size()));
                engine.run(timedUploads(f, s.size(), warmSeconds(5)), conns, System.nanoTime() + hardLimit, pre);
            }
            case PUT_PER_CONN -> {
                int warmConns = Math.min(conns, 4);
                warm(engine, uploads(f, warmConns, Math.min(s.size(), 16 * Scenario.MiB)), warmConns, hardLimit, pre);
                Req[][] reqs = new Req[conns][];
                for (int c = 0; c < conns; c++) {
                    reqs[c] = uploads(f, s.count(), s.size());
                }
                src = perConn(reqs);
            }
            case GET_CYCLE -> {
                Req[] puts = new Req[s.count()], gets = new Req[s.count()], checked = new Req[s.count()];
                for (int i = 0; i < puts.length; i++) {
                    long n = fileCounter++;
                    String path = f.newPath("small-" + n + ".bin");
                    puts[i] = f.put(path, s.size(), Pattern.shiftOf(n));
                    gets[i] = f.get(path, s.size(), Pattern.shiftOf(n), false);
                    checked[i] = f.get(path, s.size(), Pattern.shiftOf(n), true);
                }
                warm(engine, puts, conns, hardLimit, pre);
                engine.run(cycleLater(gets, checked, warmSeconds(10)).get(), conns, System.nanoTime() + hardLimit, pre);
                return measure(s, r, engine, cycleLater(gets, checked, s.seconds()), conns, hardLimit, pre);
            }
            case GET_PER_CONN -> {
                long n = fileCounter++;
                String path = f.newPath("large-" + n + ".bin");
                Req get = f.get(path, s.size(), Pattern.shiftOf(n), true);
                warm(engine, new Req[] {f.put(path, s.size(), Pattern.shiftOf(n))}, 1, hardLimit, pre);
                warm(engine, new Req[] {get}, 1, hardLimit, pre);
                Req[][] reqs = new Req[conns][s.downloads()];
                for (Req[] perConn : reqs) {
                    java.util.Arrays.fill(perConn, get);
                }
                src = perConn(reqs);
            }
            default -> throw new IllegalStateException(s.kind().toString());
        }
        return measure(s, r, engine, () -> src, conns, hardLimit, pre);
    }

    /**
     * Untimed warm-up length for the small-request scenarios. On a busy 2-core box the JIT of a
     * fresh JVM needs about 10-15 s of this load before CPU per request settles.
     */
    private double warmSeconds(double full) {
        return opt.quick() ? 0.5 : full;
    }

    /** Fresh uploads, made on demand, until the time is up (warm-up only: MACs cost generator CPU). */
    private Engine.Source timedUploads(Req.Factory f, long size, double seconds) {
        long stopAt = System.nanoTime() + secondsToNanos(seconds);
        return c -> {
            if (System.nanoTime() >= stopAt) {
                return null;
            }
            long n = fileCounter++;
            return f.put(f.newPath("warm-" + n + ".bin"), size, Pattern.shiftOf(n));
        };
    }

    /** Unique uploads of the given size, MACs computed up front. */
    private Req[] uploads(Req.Factory f, int count, long size) {
        Req[] reqs = new Req[count];
        for (int i = 0; i < count; i++) {
            long n = fileCounter++;
            reqs[i] = f.put(f.newPath("file-" + n + ".bin"), size, Pattern.shiftOf(n));
        }
        return reqs;
    }

    /** An untimed run (preload or warm-up); its failures still count, as "preload ..." errors. */
    private static void warm(Engine engine, Req[] reqs, int conns, long hardLimit, Recorder pre) throws IOException {
        engine.run(list(reqs), Math.min(conns, reqs.length), System.nanoTime() + hardLimit, pre);
    }

    private Result measure(Scenario s, Servers.Running r, Engine engine, java.util.function.Supplier<Engine.Source> src,
                           int conns, long hardLimit, Recorder pre) throws IOException {
        Recorder rec = new Recorder();
        Proc.Sample s0 = Proc.sample(r.pid());
        long g0 = genCpuNanos();
        long t0 = System.nanoTime();
        engine.run(src.get(), conns, t0 + hardLimit, rec);
        long t1 = System.nanoTime();
        long g1 = genCpuNanos();
        Proc.Sample s1 = Proc.sample(r.pid());
        double wall = (t1 - t0) / 1e9;
        double serverCpu = (s1.cpuTicks() - s0.cpuTicks()) / (double) Proc.TICKS_PER_SECOND;
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
        return new Result(value, rec.percentileMs(50), rec.percentileMs(99), cpu, s1.hwmKb() / 1024.0,
                (g1 - g0) / 1e9, wall, errors, Double.NaN);
    }

    /** Process start to the first successful upload, polling with fresh connections. */
    private Result startup(Scenario s, Servers.Target t, Path dir) throws IOException, InterruptedException {
        int port = Servers.freePort();
        Req.Factory f = new Req.Factory(Servers.SECRET, port, SEED + fileCounter);
        Map<String, Integer> errors = new TreeMap<>();
        long t0 = System.nanoTime();
        Servers.Running r = t.spawn(dir, port);
        try {
            long deadline = t0 + secondsToNanos(90);
            while (true) {
                long n = fileCounter++;
                int status = Blocking.exchange(port, f.put(f.newPath("first-" + n + ".bin"), s.size(), Pattern.shiftOf(n)), pattern);
                if (status == 201) {
                    break;
                }
                if (status > 0) {
                    errors.merge("HTTP " + status, 1, Integer::sum);
                }
                if (!r.process.isAlive() || System.nanoTime() > deadline) {
                    System.err.println("bench: startup of " + t.label() + " failed:\n" + r.logTail(30));
                    errors.merge("no 201", 1, Integer::sum);
                    return new Result(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                            Double.NaN, errors, Double.NaN);
                }
                Thread.sleep(2);
            }
            double ms = (System.nanoTime() - t0) / 1e6;
            Proc.Sample sample = Proc.sample(r.pid());
            noteJvm(t, r);
            return new Result(ms, Double.NaN, Double.NaN, sample.cpuSeconds(), sample.hwmKb() / 1024.0,
                    Double.NaN, ms / 1e3, errors, Double.NaN);
        } finally {
            double stop = r.stop();
            if (t == ours) {
                stopTimes.add(stop);
            }
        }
    }

    /** Times dd writing the scenario's bytes into the same filesystem: the write limit. */
    private Result dd(Scenario s, boolean pipe) throws IOException, InterruptedException {
        Path file = work.resolve("dd.out");
        long mib = s.loadBytes() / Scenario.MiB;
        String cmd = pipe
                ? "head -c " + s.loadBytes() + " /dev/zero | dd of=" + file + " bs=1M iflag=fullblock status=none"
                : "dd if=/dev/zero of=" + file + " bs=1M count=" + mib + " status=none";
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder("bash", "-c", cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        int code = p.waitFor();
        double wall = (System.nanoTime() - t0) / 1e9;
        long size = Files.exists(file) ? Files.size(file) : 0;
        Files.deleteIfExists(file);
        Map<String, Integer> errors = code == 0 && size == s.loadBytes() ? Map.of() : Map.of("dd failed: " + out.trim(), 1);
        return new Result(size / (double) Scenario.MiB / wall, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                Double.NaN, wall, errors, Double.NaN);
    }

    private static Engine.Source list(Req[] reqs) {
        int[] next = {0};
        return c -> next[0] < reqs.length ? reqs[next[0]++] : null;
    }

    private static Engine.Source perConn(Req[][] reqs) {
        int[] next = new int[reqs.length];
        return c -> next[c] < reqs[c].length ? reqs[c][next[c]++] : null;
    }

    /** Round-robin GETs until the window closes; every VERIFY_EVERY-th response is checked byte for byte. */
    static final int VERIFY_EVERY = 4;

    /** The window's clock starts when the measured run asks for the source, not at preload. */
    private static java.util.function.Supplier<Engine.Source> cycleLater(Req[] plain, Req[] checked, double seconds) {
        return () -> {
            long stopAt = System.nanoTime() + secondsToNanos(seconds);
            long[] n = {0};
            return c -> {
                if (System.nanoTime() >= stopAt) {
                    return null;
                }
                long i = n[0]++;
                return (i % VERIFY_EVERY == 0 ? checked : plain)[(int) (i % plain.length)];
            };
        };
    }

    private static long secondsToNanos(double s) {
        return (long) (s * 1e9);
    }

    private static long genCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** The 1-minute load average: other work on the machine skews every number, so the report says how busy it was. */
    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "?";
        }
    }

    private String header(double minutes, String loadBefore, String loadAfter) throws IOException, InterruptedException {
        StringBuilder h = new StringBuilder();
        String mode = opt.quick() ? "quick (smoke) mode" : "full run";
        h.append("### prosody-filer vs nginx: ").append(mode).append(", ")
                .append(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm"))).append("\n\n");
        h.append("- Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs (")
                .append(cpuModel()).append("), ").append(memGiB()).append(" GiB RAM, Linux ")
                .append(System.getProperty("os.version")).append("; stores on ").append(storeFs)
                .append("; load average ").append(loadBefore).append(" before, ").append(loadAfter)
                .append(" after (the bench alone adds about 1-2)\n");
        h.append("- ").append(opt.repeat()).append(" repeat(s), interleaved (the server that goes first alternates);")
                .append(" every run starts a fresh server with an empty store and warms it up before the measured window"
                        + " (untimed load of the same kind: " + (opt.quick() ? "0.5 s" : "5 s of uploads for put-small, 10 s of GETs for get-small")
                        + ", one upload/download for the large ones); cells are median (min..max). Took ")
                .append(String.format("%.1f", minutes)).append(" min.\n");
        if (opt.oursIsNginx()) {
            h.append("- **Wiring check: the `prosody-filer` rows are a second nginx (--ours-nginx).**\n");
        } else {
            h.append("- prosody-filer: `").append(ours.describe()).append("`");
            if (!oursJvm.isEmpty()) {
                h.append("; JVM: `").append(oursJvm).append("`");
            }
            h.append("; config: `accessLog = false`, `logLevel = \"info\"`, `fsync = false`, `maxUploadSize = 0`\n");
        }
        h.append("- ").append(run(opt.nginx(), "-v").replace("nginx version: ", "")).append(": `worker_processes ")
                .append(Servers.Nginx.WORKERS).append("` (= ").append(Runtime.getRuntime().availableProcessors())
                .append(" workers here), `access_log off`, `error_log warn`, `sendfile on`, `tcp_nopush on`,")
                .append(" `keepalive_requests 1000000`, `client_max_body_size 0`, `dav_methods PUT`,")
                .append(" `create_full_put_path on`, `client_body_temp_path` on the store's filesystem; GET is nginx static.\n");
        h.append("- Both servers have access logging off; neither fsyncs.\n");
        h.append("- Load generator: Java ").append(System.getProperty("java.version"))
                .append(", one thread, NIO selector, keep-alive HTTP/1.1 over 127.0.0.1; uploads are streamed from an in-memory")
                .append(" pattern to unique `<uuid>/<name>` paths with v1 MACs (`?v=`; nginx ignores it); every large")
                .append(" download and every ").append(VERIFY_EVERY).append("th small one is verified byte for byte.\n");
        return h.toString();
    }

    private static String cpuModel() throws IOException {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown CPU");
        }
    }

    private static long memGiB() {
        return Math.round(Proc.meminfoKb("MemTotal:") / 1024.0 / 1024.0);
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        p.waitFor();
        return out;
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    System.err.println("bench: cannot delete " + p + ": " + e.getMessage());
                }
            });
        } catch (IOException e) {
            System.err.println("bench: cannot clean " + root + ": " + e.getMessage());
        }
    }
}
