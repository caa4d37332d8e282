import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Runs every scenario against our server and nginx in one session, interleaved and repeated,
 * each run on a freshly started server with an empty store, and prints one Markdown table.
 * Exit status 1 if any request failed or any download did not verify; 2 if the bench could not run.
 */
public final class Bench {
    private final Options opt;
    private final Path work;
    private final String storeFs;
    private final Servers.Target ours;
    private final Servers.Target nginx;
    /** {@link FloorServer} in put-small when asked for (--floor), else null. */
    private final Servers.Target floor;
    private final Runner runner;
    /** scenario title → server label → runs, in the order they were added */
    private final Map<String, Map<String, List<Result>>> results = new LinkedHashMap<>();
    private final List<Double> stopTimes = new ArrayList<>();
    private String oursJvm = "";

    private Bench(Options opt) throws IOException {
        this.opt = opt;
        this.work = opt.workdir() != null ? Files.createDirectories(opt.workdir())
                : Files.createTempDirectory(Path.of("/tmp"), "pf-bench-");
        this.storeFs = Files.getFileStore(work).type() + " (" + work.getParent() + ")";
        // Interrupted (Ctrl-C, CI cancelling the job): leave no server running and no store behind.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            Servers.stopAll();
            deleteTree(work);
        }, "bench-cleanup"));
        this.runner = new Runner(new Pattern(0x5EEDL), opt.quick());
        this.nginx = new Servers.Nginx(opt.nginx(), "nginx");
        this.floor = opt.floor() ? new Servers.Floor() : null;
        if (opt.oursIsNginx()) {
            this.ours = new Servers.Nginx(opt.nginx(), "prosody-filer");
        } else if (opt.launcher() != null) {
            // The launcher rebuilds the jar when sources are newer than it. The bench measures one
            // fixed jar, so it runs a private copy dated in the future: an edit in the checkout
            // during a run must not start a Maven build inside a measured server start.
            Path copy = work.resolve("prosody-filer.jar");
            Files.copy(opt.jar(), copy);
            Files.setLastModifiedTime(copy, FileTime.from(Instant.now().plus(Duration.ofDays(3650))));
            Map<String, String> env = new TreeMap<>();
            env.put("PROSODY_FILER_JAR", copy.toString());
            env.put("JAVA_HOME", System.getProperty("java.home"));
            this.ours = new Servers.Ours(List.of(opt.launcher().toString()), env);
        } else {
            this.ours = new Servers.Ours(List.of(Servers.javaBinary(), "-jar", opt.jar().toString()), Map.of());
        }
    }

    public static void main(String[] args) {
        Options opt;
        try {
            opt = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("bench: " + e.getMessage() + "\n" + Options.USAGE);
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

    private int runAll() throws Exception {
        long t0 = System.nanoTime();
        String loadBefore = loadAverage();
        List<Scenario> scenarios = Scenario.all(opt.quick()).stream()
                .filter(s -> opt.only().isEmpty() || opt.only().contains(s.group())).toList();
        try {
            prime();
            for (Scenario s : scenarios) {
                for (int rep = 0; rep < opt.repeat(); rep++) {
                    for (Servers.Target t : order(s, rep)) {
                        long started = System.nanoTime();
                        Result r = runOnce(s, t, rep);
                        add(s, t.label(), r);
                        progress(s, t.label(), rep, r, (System.nanoTime() - started) / 1e9);
                    }
                    if (s.withDd()) {
                        add(s, "dd pipe→file", Runner.dd(s, work.resolve("dd.out"), true));
                        add(s, "dd /dev/zero→file", Runner.dd(s, work.resolve("dd.out"), false));
                    }
                }
            }
        } finally {
            deleteTree(work);
        }
        String header = header((System.nanoTime() - t0) / 60e9, loadBefore, loadAverage());
        String report = new Report(scenarios, results, header, ours.label(), nginx.label(), stopTimes).markdown();
        System.out.println(report);
        if (opt.out() != null) {
            Files.writeString(opt.out(), report + "\n");
        }
        int errors = results.values().stream().flatMap(m -> m.values().stream()).flatMap(List::stream)
                .mapToInt(Result::errorCount).sum();
        if (errors > 0) {
            System.err.println("bench: " + errors + " failed requests or runs (see the Errors column)");
            return 1;
        }
        return 0;
    }

    /** Who runs in this repeat, in turn: the one going first alternates, so drift hits all alike. */
    private List<Servers.Target> order(Scenario s, int rep) {
        List<Servers.Target> targets = new ArrayList<>(List.of(ours, nginx));
        if (floor != null && s.group().equals("put-small")) {
            targets.add(floor);
        }
        java.util.Collections.rotate(targets, -(rep % targets.size()));
        return targets;
    }

    /**
     * One untimed start and stop of our server before anything is measured: the launcher creates
     * its class-data-sharing archive on the first start, a one-off that is not a startup cost.
     */
    private void prime() throws IOException, InterruptedException {
        Path dir = Files.createDirectories(work.resolve("prime"));
        Servers.Running r = ours.spawn(dir, 0);
        try {
            ours.awaitReady(r, Runner.seconds(120));
            noteJvm(ours, r);
        } finally {
            r.stop();
            deleteTree(dir);
        }
    }

    private Result runOnce(Scenario s, Servers.Target t, int rep) throws InterruptedException {
        Path dir = work.resolve(s.title().replaceAll("[^A-Za-z0-9]+", "-") + "-" + t.label() + "-" + rep);
        Servers.Running r = null;
        try {
            Files.createDirectories(dir);
            Result result;
            if (s.kind() == Scenario.Kind.STARTUP) {
                int port = Servers.freePort();
                long spawned = System.nanoTime();
                r = t.spawn(dir, port);
                result = runner.firstUpload(r, spawned, s.size());
            } else {
                r = t.spawn(dir, 0);
                t.awaitReady(r, Runner.seconds(90));
                result = runner.load(s, r);
            }
            noteJvm(t, r);
            if (result.errorCount() > 0) {
                System.err.println("bench: " + t.label() + " log tail after errors " + result.errors() + ":\n" + r.logTail(20));
            }
            return result;
        } catch (IOException | RuntimeException e) {
            System.err.println("bench: " + s.title() + " / " + t.label() + " failed: " + e.getMessage());
            return Result.failed(Map.of("run failed", 1));
        } finally {
            if (r != null) {
                double stop = r.stop();
                if (t == ours) {
                    stopTimes.add(stop);
                }
            }
            // Stores of many small files stay until the bench ends (see Runner, PUT_MANY): deleting
            // 50,000 of them here would slow the next run's file creation on a journal-less ext4.
            if (!s.manySmallFiles()) {
                deleteTree(dir);
            }
        }
    }

    private void noteJvm(Servers.Target t, Servers.Running r) {
        if (t == ours && oursJvm.isEmpty() && r.process.isAlive()) {
            for (long pid : Proc.tree(r.pid())) {
                String cmd = Proc.cmdline(pid);
                if (cmd.contains("java")) {
                    oursJvm = cmd;
                }
            }
        }
    }

    private void add(Scenario s, String server, Result r) {
        results.computeIfAbsent(s.title(), k -> new LinkedHashMap<>())
                .computeIfAbsent(server, k -> new ArrayList<>()).add(r);
    }

    private static void progress(Scenario s, String server, int rep, Result r, double seconds) {
        String unit = s.kind() == Scenario.Kind.STARTUP ? "ms" : s.perRequest() ? "req/s" : "MiB/s";
        System.err.printf("bench: %-50s %-14s #%d (%4.1f s)  %s%n", s.title(), server, rep + 1, seconds,
                Double.isNaN(r.value()) ? "FAILED " + r.errors()
                        : String.format("%.1f %s, p99 %.2f ms, cpu %.3g, rss %.0f MiB, gen %.2f s, errors %d",
                        r.value(), unit, r.p99Ms(), r.cpu(), r.rssMiB(), r.genCpuS(), r.errorCount()));
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
        int cpus = Runtime.getRuntime().availableProcessors();
        StringBuilder h = new StringBuilder();
        h.append("### prosody-filer vs nginx: ").append(opt.quick() ? "quick (smoke) mode" : "full run").append(", ")
                .append(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm"))).append("\n\n");
        h.append("- Machine: ").append(cpus).append(" CPUs (").append(cpuModel()).append("), ")
                .append(Math.round(Proc.meminfoKb("MemTotal:") / 1024.0 / 1024.0)).append(" GiB RAM, Linux ")
                .append(System.getProperty("os.version")).append("; stores on ").append(storeFs)
                .append("; load average ").append(loadBefore).append(" before, ").append(loadAfter)
                .append(" after (the bench itself adds about 1-2).\n");
        h.append("- ").append(opt.repeat()).append(" repeat(s), interleaved (the server that goes first alternates);")
                .append(" every run starts a fresh server with an empty store and warms it up before the measured window (")
                .append(opt.quick() ? "0.5 s" : "for put-small five rounds of 2,000 uploads, each on new connections, then 60,000, all kept; for get-small five rounds of 1 s of GETs, then 10 s")
                .append(", for the large uploads ").append(opt.quick() ? "four 16 MiB uploads" : "2 GiB")
                .append(" deleted at once plus one upload per connection, then one download for get-large); cells are median (min..max). Took ")
                .append(String.format("%.1f", minutes)).append(" min.\n");
        if (opt.oursIsNginx()) {
            h.append("- **Wiring check: the `prosody-filer` rows are a second nginx (--ours-nginx).**\n");
        } else {
            h.append("- prosody-filer: `").append(ours.describe()).append("`");
            if (!oursJvm.isEmpty()) {
                h.append("; JVM: `").append(oursJvm.replaceAll(" -config \\S+$", "")).append("`");
            }
            h.append("; config: `accessLog = false`, `logLevel = \"info\"`, `fsync = false`, `maxUploadSize = 0`.\n");
        }
        h.append("- ").append(run(opt.nginx(), "-v").replace("nginx version: ", "")).append(": `worker_processes ")
                .append(Servers.Nginx.WORKERS).append("` (= ").append(cpus).append(" workers here), `access_log off`,")
                .append(" `error_log warn`, `sendfile on`, `tcp_nopush on`, `keepalive_requests 1000000`,")
                .append(" `client_max_body_size 0`, `dav_methods PUT`, `create_full_put_path on`,")
                .append(" `client_body_temp_path` on the store's filesystem; GET is nginx static. nginx checks no MAC.\n");
        h.append("- Both servers have access logging off; neither fsyncs.\n");
        if (floor != null) {
            h.append("- floor (put-small only): `").append(floor.describe()).append("`, the least a server can do per upload in")
                    .append(" this layout (open temp, write, close, mkdir, rename; no MAC, no metadata, no logs): its kernel")
                    .append(" time per upload bounds every server that stores files this way (bench/loadgen/FloorServer.java).\n");
        }
        h.append("- Load generator: Java ").append(System.getProperty("java.version"))
                .append(", one thread, NIO selector, keep-alive HTTP/1.1 over 127.0.0.1; uploads streamed from an in-memory")
                .append(" pattern to unique `<uuid>/<name>` paths with v1 MACs (`?v=`); the warm-up's and the window's first large download and every ")
                .append(Sources.VERIFY_EVERY).append("th small one verified byte for byte.\n");
        return h.toString();
    }

    private static String cpuModel() throws IOException {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown CPU");
        }
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        p.waitFor();
        return out;
    }

    /**
     * Deletes a directory tree. Entries that vanish meanwhile are skipped, since the shutdown hook
     * and the main thread may both be cleaning up after an interrupt.
     */
    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    try {
                        Files.deleteIfExists(dir);
                    } catch (DirectoryNotEmptyException notYet) {
                        // another thread is still emptying it
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            System.err.println("bench: cannot clean " + root + ": " + e.getMessage());
        }
    }
}
