package org.prosodyfiler.cli;

import java.nio.file.Path;
import java.util.List;

/**
 * Recognises the command lines that just serve — none, {@code -config FILE}, {@code --config FILE},
 * {@code -c FILE} and the {@code =FILE} spellings — without picocli. Anything else, including a
 * value that looks like an option, is left to picocli, so its help and error messages stay the
 * only ones.
 */
final class ServeArgs {
    private static final List<String> NAMES = List.of("-config", "--config", "-c");
    /** Also the default of the -config option in {@link Main}. */
    static final String DEFAULT_CONFIG = "./config.toml";

    private ServeArgs() {
    }

    /** @return the config file to serve with, or null when picocli has to parse {@code args} */
    static Path configFile(String[] args) {
        String value = null;
        if (args.length == 0) {
            value = DEFAULT_CONFIG;
        } else if (args.length == 2 && NAMES.contains(args[0])) {
            value = args[1];
        } else if (args.length == 1) {
            int eq = args[0].indexOf('=');
            if (eq > 0 && NAMES.contains(args[0].substring(0, eq))) {
                value = args[0].substring(eq + 1);
            }
        }
        // "-..." may be an option and "@..." an argument file: picocli's cases.
        if (value == null || value.isEmpty() || value.startsWith("-") || value.startsWith("@")) {
            return null;
        }
        try {
            return Path.of(value);
        } catch (RuntimeException e) { // an invalid path: picocli reports it in its own words
            return null;
        }
    }
}
