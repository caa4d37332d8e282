import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

/** Turns the runs into one Markdown table (medians with min..max, ratios to nginx) plus notes. */
final class Report {
    private final List<Scenario> scenarios;
    private final Map<String, Map<String, List<Result>>> results;
    private final String header;
    private final String ours;
    private final String nginx;
    private final List<Double> stopTimes;

    Report(List<Scenario> scenarios, Map<String, Map<String, List<Result>>> results, String header,
           String ours, String nginx, List<Double> stopTimes) {
        this.scenarios = scenarios;
        this.results = results;
        this.header = header;
        this.ours = ours;
        this.nginx = nginx;
        this.stopTimes = stopTimes;
    }

    String markdown() {
        StringBuilder t = new StringBuilder(header).append('\n');
        t.append("| Scenario | Server | Throughput | p50 ms | p99 ms | Server CPU | Peak RSS MiB | Loadgen CPU | Errors | vs nginx |\n");
        t.append("|---|---|--:|--:|--:|--:|--:|--:|---|---|\n");
        for (Scenario s : scenarios) {
            Map<String, List<Result>> byServer = results.get(s.title());
            if (byServer == null) {
                continue;
            }
            List<Result> base = byServer.getOrDefault(nginx, List.of());
            for (Map.Entry<String, List<Result>> e : byServer.entrySet()) {
                t.append(row(s, e.getKey(), e.getValue(), base));
            }
        }
        t.append('\n').append(notes());
        return t.toString();
    }

    private String row(Scenario s, String server, List<Result> runs, List<Result> base) {
        boolean startup = s.kind() == Scenario.Kind.STARTUP;
        boolean tool = server.startsWith("dd");
        String unit = startup ? " ms" : s.perRequest() ? " req/s" : " MiB/s";
        String cpuUnit = startup ? " s" : s.perRequest() ? " µs/req" : " s/GiB";
        List<String> cells = new ArrayList<>();
        cells.add(s.title());
        cells.add(server);
        cells.add(cell(runs, Result::value, unit));
        cells.add(tool || startup ? "" : cell(runs, Result::p50Ms, ""));
        cells.add(tool || startup ? "" : cell(runs, Result::p99Ms, ""));
        cells.add(tool ? "" : cell(runs, Result::cpu, cpuUnit) + kernelShare(runs));
        cells.add(tool ? "" : cell(runs, Result::rssMiB, ""));
        cells.add(tool || startup ? "" : genCpu(runs));
        cells.add(errors(runs));
        cells.add(server.equals(nginx) || base.isEmpty() ? "" : ratios(runs, base, startup, tool));
        return "| " + String.join(" | ", cells) + " |\n";
    }

    /** The median kernel share of the CPU: what is left for a server to save in user space. */
    private static String kernelShare(List<Result> runs) {
        double share = median(runs, Result::sysShare);
        return Double.isNaN(share) ? "" : ", " + Math.round(share * 100) + "% kernel";
    }

    private static String ratios(List<Result> runs, List<Result> base, boolean startup, boolean tool) {
        List<String> parts = new ArrayList<>();
        parts.add((startup ? "time " : "thr ") + ratio(median(runs, Result::value), median(base, Result::value)));
        if (!tool) {
            parts.add("CPU " + ratio(median(runs, Result::cpu), median(base, Result::cpu)));
            parts.add("RSS " + ratio(median(runs, Result::rssMiB), median(base, Result::rssMiB)));
        }
        return String.join(" · ", parts);
    }

    private static String ratio(double a, double b) {
        return Double.isNaN(a) || Double.isNaN(b) || b == 0 ? "—" : fmt(a / b) + "×";
    }

    private static String genCpu(List<Result> runs) {
        double s = median(runs, Result::genCpuS);
        double pct = median(runs, r -> r.genCpuS() / r.wallS() * 100);
        return Double.isNaN(s) ? "—" : String.format(Locale.ROOT, "%.2f s (%.0f%%)", s, pct);
    }

    private static String errors(List<Result> runs) {
        Map<String, Integer> sum = new TreeMap<>();
        runs.forEach(r -> r.errors().forEach((k, v) -> sum.merge(k, v, Integer::sum)));
        if (sum.isEmpty()) {
            return "0";
        }
        List<String> parts = new ArrayList<>();
        sum.forEach((k, v) -> parts.add(k + " ×" + v));
        return "**" + String.join(", ", parts) + "**";
    }

    private static String cell(List<Result> runs, ToDoubleFunction<Result> f, String unit) {
        double[] v = values(runs, f);
        if (v.length == 0) {
            return "—";
        }
        String med = fmt(median(v)) + unit;
        if (v.length == 1 || v[0] == v[v.length - 1]) {
            return med;
        }
        return med + " (" + fmt(v[0]) + ".." + fmt(v[v.length - 1]) + ")";
    }

    private static double[] values(List<Result> runs, ToDoubleFunction<Result> f) {
        return runs.stream().mapToDouble(f).filter(d -> !Double.isNaN(d) && !Double.isInfinite(d)).sorted().toArray();
    }

    static double median(List<Result> runs, ToDoubleFunction<Result> f) {
        return median(values(runs, f));
    }

    static double median(double[] sorted) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        double[] v = sorted.clone();
        Arrays.sort(v);
        int m = v.length / 2;
        return v.length % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
    }

    /** Three significant digits, thousands separated: 12,345 / 123 / 12.3 / 1.23 / 0.123. */
    static String fmt(double d) {
        double a = Math.abs(d);
        if (a >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", d);
        } else if (a >= 100) {
            return String.format(Locale.ROOT, "%.0f", d);
        } else if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", d);
        } else if (a >= 1) {
            return String.format(Locale.ROOT, "%.2f", d);
        }
        return String.format(Locale.ROOT, "%.3f", d);
    }

    private String notes() {
        StringBuilder n = new StringBuilder();
        List<Scenario> memory = scenarios.stream().filter(s -> s.group().equals("memory")).toList();
        if (memory.size() == 2 && results.containsKey(memory.get(0).title()) && results.containsKey(memory.get(1).title())) {
            n.append("Memory flatness (peak RSS with ").append(memory.get(0).conns()).append(" concurrent uploads ÷ with ")
                    .append(memory.get(1).conns()).append("; 1.0 = flat):");
            for (String server : List.of(ours, nginx)) {
                double hi = median(results.get(memory.get(0).title()).getOrDefault(server, List.of()), Result::rssMiB);
                double lo = median(results.get(memory.get(1).title()).getOrDefault(server, List.of()), Result::rssMiB);
                n.append(' ').append(server).append(' ').append(ratio(hi, lo)).append(';');
            }
            n.setLength(n.length() - 1);
            n.append(".\n\n");
        }
        double[] stops = stopTimes.stream().mapToDouble(Double::doubleValue).filter(d -> !Double.isNaN(d)).sorted().toArray();
        if (stops.length > 0) {
            n.append(ours).append(" stop (SIGTERM → exit): median ").append(fmt(median(stops))).append(" s, max ")
                    .append(fmt(stops[stops.length - 1])).append(" s.\n\n");
        }
        n.append("Throughput: successful requests (req/s) or body bytes (MiB/s) over the load window. ")
                .append("Latency: per request, first byte sent to last byte received. ")
                .append("Server CPU: utime+stime of all the server's processes over the load window, per request or per GiB moved ")
                .append("(startup: CPU seconds until the first 201), and the kernel's part of it (stime). Peak RSS: VmHWM summed over the server's processes, fresh process per run. ")
                .append("Loadgen CPU: the generator's own CPU over the window (100% = one core; it runs one thread). ")
                .append("vs nginx: ratio of medians (thr > 1 is faster; CPU and RSS < 1 is leaner; time < 1 is quicker).\n");
        return n.toString();
    }
}
