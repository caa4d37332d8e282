import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Resource use of a server's process tree from /proc: CPU as utime+stime (clock ticks) and memory
 * as VmHWM/VmRSS, summed over the root process and all its descendants (nginx master + workers;
 * our server's JVM, plus the launcher shell if it did not exec).
 */
final class Proc {
    static final long TICKS_PER_SECOND = clockTicks();

    /** @param sysTicks the part of cpuTicks spent in the kernel (stime) */
    record Sample(long cpuTicks, long sysTicks, long hwmKb, long rssKb, int processes) {
        double cpuSeconds() {
            return cpuTicks / (double) TICKS_PER_SECOND;
        }

        /** The kernel's part of the CPU, 0..1 (NaN without any CPU). */
        double sysShare() {
            return cpuTicks == 0 ? Double.NaN : sysTicks / (double) cpuTicks;
        }

        /** CPU used between {@code earlier} and this sample; memory figures are this sample's. */
        Sample since(Sample earlier) {
            return new Sample(cpuTicks - earlier.cpuTicks, sysTicks - earlier.sysTicks, hwmKb, rssKb, processes);
        }
    }

    private Proc() {
    }

    static Sample sample(long root) {
        long cpu = 0, sys = 0, hwm = 0, rss = 0;
        List<Long> pids = tree(root);
        for (long pid : pids) {
            long[] ticks = cpuTicks(pid);
            cpu += ticks[0] + ticks[1];
            sys += ticks[1];
            hwm += statusKb(pid, "VmHWM:");
            rss += statusKb(pid, "VmRSS:");
        }
        return new Sample(cpu, sys, hwm, rss, pids.size());
    }

    /** The root and all its descendants that are alive now. */
    static List<Long> tree(long root) {
        Map<Long, List<Long>> children = new HashMap<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path p : dir) {
                String stat = read(p.resolve("stat"));
                if (stat != null) {
                    String[] f = afterComm(stat);
                    children.computeIfAbsent(Long.parseLong(f[1]), k -> new ArrayList<>())
                            .add(Long.parseLong(p.getFileName().toString()));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc", e);
        }
        List<Long> out = new ArrayList<>();
        ArrayDeque<Long> todo = new ArrayDeque<>(List.of(root));
        while (!todo.isEmpty()) {
            long pid = todo.pop();
            out.add(pid);
            todo.addAll(children.getOrDefault(pid, List.of()));
        }
        return out;
    }

    /** {utime, stime} in clock ticks. */
    static long[] cpuTicks(long pid) {
        String stat = read(Path.of("/proc", Long.toString(pid), "stat"));
        if (stat == null) {
            return new long[2];
        }
        String[] f = afterComm(stat);
        return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12])};   // fields 14 utime, 15 stime
    }

    static long statusKb(long pid, String key) {
        String status = read(Path.of("/proc", Long.toString(pid), "status"));
        if (status == null) {
            return 0;
        }
        for (String line : status.split("\n")) {
            if (line.startsWith(key)) {
                return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
            }
        }
        return 0;
    }

    /** A /proc/meminfo field in KiB. */
    static long meminfoKb(String key) {
        String info = read(Path.of("/proc/meminfo"));
        for (String line : info == null ? new String[0] : info.split("\n")) {
            if (line.startsWith(key)) {
                return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
            }
        }
        return 0;
    }

    /** The command line of a process, arguments separated by spaces. */
    static String cmdline(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"))).replace('\0', ' ').trim();
        } catch (IOException e) {
            return "";
        }
    }

    /** Fields after "pid (comm)": index 0 is field 3 (state), index 1 the parent pid. */
    private static String[] afterComm(String stat) {
        return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return null;   // the process exited between listing and reading
        }
    }

    private static long clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor();
            return Long.parseLong(out);
        } catch (IOException | InterruptedException | NumberFormatException e) {
            return 100;
        }
    }
}
