package org.prosodyfiler.cli;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.prosodyfiler.config.Config;
import org.prosodyfiler.storage.Store;
import org.prosodyfiler.storage.StoredFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** Files, bytes, oldest and newest upload, and the biggest top-level directories. */
@Command(name = "stats", mixinStandardHelpOptions = true, description = "Show what the store holds.")
final class StatsCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Option(names = "--top", defaultValue = "20", description = "How many top-level directories to list (default: ${DEFAULT-VALUE}).")
    int top;

    private record Dir(long files, long bytes) {
    }

    /**
     * Directories broken down at most: Prosody gives every upload its own top-level directory,
     * and a map of a million of them would not fit the heap. The rest are summed as one.
     */
    static final int MAX_DIRS = 100_000;
    private static final String OTHERS = "(the rest, beyond " + MAX_DIRS + " directories)";

    @Override
    public Integer call() {
        return AdminContext.run(() -> {
            Config config = AdminContext.config(main.config);
            long[] totals = {0, 0};
            StoredFile[] oldest = {null};
            StoredFile[] newest = {null};
            Map<String, Dir> dirs = new HashMap<>();
            try (Store store = AdminContext.store(config)) {
                store.forEach(f -> {
                    totals[0]++;
                    totals[1] += f.size();
                    if (oldest[0] == null || f.lastModified().isBefore(oldest[0].lastModified())) {
                        oldest[0] = f;
                    }
                    if (newest[0] == null || f.lastModified().isAfter(newest[0].lastModified())) {
                        newest[0] = f;
                    }
                    String dir = f.path().segments().size() > 1 ? f.path().firstSegment() : "(top level)";
                    if (dirs.size() >= MAX_DIRS && !dirs.containsKey(dir)) {
                        dir = OTHERS;
                    }
                    dirs.merge(dir, new Dir(1, f.size()), (a, b) -> new Dir(a.files() + b.files(), a.bytes() + b.bytes()));
                });
            }
            System.out.printf("files  %d%n", totals[0]);
            System.out.printf("bytes  %d (%s)%n", totals[1], human(totals[1]));
            if (oldest[0] != null) {
                System.out.printf("oldest %s  %s%n", oldest[0].lastModified(), oldest[0].path());
                System.out.printf("newest %s  %s%n", newest[0].lastModified(), newest[0].path());
            }
            System.out.printf("%ntop-level directories by size (%s in all):%n", dirs.containsKey(OTHERS) ? "over " + MAX_DIRS : dirs.size());
            dirs.entrySet().stream()
                    .sorted((a, b) -> Long.compare(b.getValue().bytes(), a.getValue().bytes()))
                    .limit(top)
                    .forEach(e -> System.out.printf("  %12d bytes  %8d files  %s%n", e.getValue().bytes(), e.getValue().files(), e.getKey()));
            return 0;
        });
    }

    static String human(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format("%.1f %s", v, units[u]);
    }
}
