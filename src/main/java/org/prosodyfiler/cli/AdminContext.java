package org.prosodyfiler.cli;

import java.nio.file.Path;
import org.prosodyfiler.FilerApp;
import org.prosodyfiler.config.Config;
import org.prosodyfiler.config.ConfigException;
import org.prosodyfiler.config.ConfigLoader;
import org.prosodyfiler.ops.Logging;
import org.prosodyfiler.storage.Store;

/** What admin subcommands share: the config of the server they administer, and its store. */
final class AdminContext {
    private AdminContext() {
    }

    static Config config(Path file) {
        Config c = ConfigLoader.load(file).config();
        Logging.configure("warn", false, false); // keep command output clean
        return c;
    }

    static Store store(Config config) {
        return FilerApp.openStore(config);
    }

    /** Runs a command body; configuration problems become one line on stderr and exit code 2. */
    static int run(Body body) {
        try {
            return body.run();
        } catch (ConfigException e) {
            System.err.println("prosody-filer: " + e.getMessage());
            return 2;
        } catch (Exception e) {
            System.err.println("prosody-filer: " + e);
            return 1;
        }
    }

    @FunctionalInterface
    interface Body {
        int run() throws Exception;
    }
}
