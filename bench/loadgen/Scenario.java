import java.util.ArrayList;
import java.util.List;

/**
 * One row group of the table: what to preload, what load to apply, and how to express the result.
 *
 * @param group     name accepted by --only (put-small, get-small, put-large, get-large, memory, startup)
 * @param title     row label in the table
 * @param kind      the shape of the load
 * @param conns     concurrent connections
 * @param count     PUT_MANY: uploads in total; PUT_PER_CONN: uploads per connection;
 *                  GET_*: distinct preloaded files or downloads per connection
 * @param size      body size in bytes
 * @param seconds   GET_CYCLE: length of the load window
 * @param downloads GET_PER_CONN: downloads per connection
 * @param withDd    also time dd writing the same amount (the disk/page-cache write limit)
 */
record Scenario(String group, String title, Kind kind, int conns, int count, long size, double seconds,
                int downloads, boolean withDd) {

    enum Kind { PUT_MANY, GET_CYCLE, PUT_PER_CONN, GET_PER_CONN, STARTUP }

    static final long KiB = 1024, MiB = 1024 * KiB, GiB = 1024 * MiB;
    static final List<String> GROUPS = List.of("put-small", "get-small", "put-large", "get-large", "memory", "startup");

    /** Small requests are reported per request, large ones per byte. */
    boolean perRequest() {
        return size < MiB;
    }

    boolean manySmallFiles() {
        return kind == Kind.PUT_MANY || kind == Kind.GET_CYCLE;
    }

    static List<Scenario> all(boolean quick) {
        List<Scenario> s = new ArrayList<>();
        if (!quick) {
            s.add(new Scenario("put-small", "put-small: 20,000 × 4 KiB, 64 conns", Kind.PUT_MANY, 64, 20_000, 4 * KiB, 0, 0, false));
            s.add(new Scenario("get-small", "get-small: 1,000 × 4 KiB round-robin, 64 conns, 10 s", Kind.GET_CYCLE, 64, 1_000, 4 * KiB, 10, 0, false));
            s.add(new Scenario("put-large", "put-large: 1 × 1 GiB", Kind.PUT_PER_CONN, 1, 1, GiB, 0, 0, true));
            s.add(new Scenario("put-large", "put-large: 16 × 64 MiB concurrent", Kind.PUT_PER_CONN, 16, 1, 64 * MiB, 0, 0, false));
            s.add(new Scenario("get-large", "get-large: 1 GiB, 1 client × 2", Kind.GET_PER_CONN, 1, 1, GiB, 0, 2, false));
            s.add(new Scenario("get-large", "get-large: 1 GiB, 4 clients × 1", Kind.GET_PER_CONN, 4, 1, GiB, 0, 1, false));
            s.add(new Scenario("memory", "memory: 200 × 20 MiB concurrent", Kind.PUT_PER_CONN, 200, 1, 20 * MiB, 0, 0, false));
            s.add(new Scenario("memory", "memory: 20 × 20 MiB concurrent", Kind.PUT_PER_CONN, 20, 1, 20 * MiB, 0, 0, false));
        } else {
            s.add(new Scenario("put-small", "put-small: 2,000 × 4 KiB, 64 conns", Kind.PUT_MANY, 64, 2_000, 4 * KiB, 0, 0, false));
            s.add(new Scenario("get-small", "get-small: 200 × 4 KiB round-robin, 64 conns, 2 s", Kind.GET_CYCLE, 64, 200, 4 * KiB, 2, 0, false));
            s.add(new Scenario("put-large", "put-large: 1 × 64 MiB", Kind.PUT_PER_CONN, 1, 1, 64 * MiB, 0, 0, true));
            s.add(new Scenario("put-large", "put-large: 4 × 16 MiB concurrent", Kind.PUT_PER_CONN, 4, 1, 16 * MiB, 0, 0, false));
            s.add(new Scenario("get-large", "get-large: 64 MiB, 1 client × 2", Kind.GET_PER_CONN, 1, 1, 64 * MiB, 0, 2, false));
            s.add(new Scenario("get-large", "get-large: 64 MiB, 4 clients × 1", Kind.GET_PER_CONN, 4, 1, 64 * MiB, 0, 1, false));
            s.add(new Scenario("memory", "memory: 50 × 2 MiB concurrent", Kind.PUT_PER_CONN, 50, 1, 2 * MiB, 0, 0, false));
            s.add(new Scenario("memory", "memory: 10 × 2 MiB concurrent", Kind.PUT_PER_CONN, 10, 1, 2 * MiB, 0, 0, false));
        }
        s.add(new Scenario("startup", "startup: process start → first 201", Kind.STARTUP, 1, 1, 4 * KiB, 0, 0, false));
        return s;
    }

    /** Total body bytes the load moves (for per-GiB figures and dd). */
    long loadBytes() {
        return switch (kind) {
            case PUT_PER_CONN -> (long) conns * count * size;
            case GET_PER_CONN -> (long) conns * downloads * size;
            default -> size;
        };
    }
}
