import java.util.function.Supplier;

/** Ways of handing requests to the engine's connections. Single-threaded, like the engine. */
final class Sources {
    /** In get-small, every VERIFY_EVERY-th response is compared byte for byte (all are length-checked). */
    static final int VERIFY_EVERY = 4;

    private Sources() {
    }

    /** One shared queue: whichever connection is free takes the next request. */
    static Engine.Source list(Req[] reqs) {
        int[] next = {0};
        return c -> next[0] < reqs.length ? reqs[next[0]++] : null;
    }

    /** Each connection works through its own list. */
    static Engine.Source perConn(Req[][] reqs) {
        int[] next = new int[reqs.length];
        return c -> next[c] < reqs[c].length ? reqs[c][next[c]++] : null;
    }

    /**
     * Round-robin over the files until the time is up. The clock starts when the engine asks for
     * the source (the supplier), not when the scenario is set up.
     */
    static Supplier<Engine.Source> cycle(Req[] plain, Req[] checked, double seconds) {
        return () -> {
            long stopAt = System.nanoTime() + (long) (seconds * 1e9);
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
}
