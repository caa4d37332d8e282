import java.util.Map;

/**
 * One run of one scenario against one server (or of dd).
 *
 * @param value   throughput (req/s or MiB/s); for startup: milliseconds to the first 201
 * @param p50Ms   median latency of successful requests
 * @param p99Ms   99th percentile latency
 * @param cpu     server CPU per unit: µs per request, s per GiB; for startup: CPU seconds until the first 201
 * @param sysShare the kernel's part (stime) of that CPU, 0..1
 * @param rssMiB  peak RSS (VmHWM, summed over the server's processes) at the end of the run
 * @param genCpuS load generator CPU seconds over the load window
 * @param wallS   length of the load window
 * @param errors  failures by kind (HTTP status, io, verify, ...)
 */
record Result(double value, double p50Ms, double p99Ms, double cpu, double sysShare, double rssMiB, double genCpuS,
              double wallS, Map<String, Integer> errors) {

    static Result failed(Map<String, Integer> errors) {
        return new Result(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                Map.copyOf(errors));
    }

    int errorCount() {
        return errors.values().stream().mapToInt(Integer::intValue).sum();
    }
}
