import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Command line of bench/run.sh.
 *
 * @param launcher    our server's launcher (bin/prosody-filer), or null for plain {@code java -jar}
 * @param oursIsNginx wiring check: the "prosody-filer" rows run a second nginx
 * @param floor       put-small also runs {@link FloorServer}, the least a server can do per upload
 */
record Options(boolean quick, int repeat, List<String> only, Path jar, Path launcher, String nginx,
               Path workdir, Path out, boolean oursIsNginx, boolean floor) {

    static final String USAGE = "usage: bench/run.sh [--quick] [--repeat N] [--only SCENARIO[,SCENARIO...]] [--jar PATH]"
            + " [--launcher PATH | --no-launcher] [--nginx PATH] [--workdir DIR] [--out FILE] [--ours-nginx] [--floor]\n"
            + "       scenarios: " + String.join(", ", Scenario.GROUPS);

    /** Parses the arguments; {@code --root} (the checkout, passed by run.sh) anchors the defaults. */
    static Options parse(String[] args) {
        boolean quick = false, oursIsNginx = false, noLauncher = false, floor = false;
        int repeat = -1;
        List<String> only = new ArrayList<>();
        Path root = Path.of("."), jar = null, launcher = null, workdir = null, out = null;
        String nginx = "/usr/sbin/nginx";
        for (int i = 0; i < args.length; i++) {
            String key = args[i];
            switch (key) {
                case "--quick" -> quick = true;
                case "--ours-nginx" -> oursIsNginx = true;
                case "--floor" -> floor = true;
                case "--no-launcher" -> noLauncher = true;
                default -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException(key.startsWith("--") ? key + " needs a value" : "unknown argument " + key);
                    }
                    String val = args[++i];
                    switch (key) {
                        case "--repeat" -> repeat = parseRepeat(val);
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
                        default -> throw new IllegalArgumentException("unknown option " + key);
                    }
                }
            }
        }
        if (repeat < 0) {
            repeat = quick ? 1 : 3;
        }
        Path defaultLauncher = root.resolve("bin/prosody-filer").toAbsolutePath();
        if (noLauncher) {
            launcher = null;
        } else if (launcher == null && Files.isExecutable(defaultLauncher)) {
            launcher = defaultLauncher;
        }
        if (jar == null) {
            jar = root.resolve("target/prosody-filer.jar").toAbsolutePath();
        }
        if (!oursIsNginx && !Files.isRegularFile(jar)) {
            throw new IllegalArgumentException(jar + " is missing: build it (./mvnw -B -DskipTests package) or pass --jar");
        }
        if (!Files.isExecutable(Path.of(nginx))) {
            throw new IllegalArgumentException(nginx + " not found: install nginx-light (scripts/install-test-deps.sh)");
        }
        return new Options(quick, repeat, List.copyOf(only), jar, launcher, nginx, workdir, out, oursIsNginx, floor);
    }

    private static int parseRepeat(String val) {
        try {
            int n = Integer.parseInt(val);
            if (n >= 1 && n <= 20) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("--repeat must be a number from 1 to 20");
    }
}
