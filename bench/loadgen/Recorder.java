import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/** Outcomes of one load run: latencies of successful requests, bytes moved, errors by kind. */
final class Recorder {
    private long[] latencies = new long[1024];
    private int count;
    long okBytes;
    final Map<String, Integer> errors = new TreeMap<>();

    void ok(long latencyNanos, long bytes) {
        if (count == latencies.length) {
            latencies = Arrays.copyOf(latencies, count * 2);
        }
        latencies[count++] = latencyNanos;
        okBytes += bytes;
    }

    void error(String kind) {
        errors.merge(kind, 1, Integer::sum);
    }

    int okCount() {
        return count;
    }

    int errorCount() {
        return errors.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** Nearest-rank percentile in milliseconds over the successful requests (NaN if none). */
    double percentileMs(double p) {
        if (count == 0) {
            return Double.NaN;
        }
        long[] sorted = Arrays.copyOf(latencies, count);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * count);
        return sorted[Math.max(0, Math.min(count - 1, rank - 1))] / 1e6;
    }
}
