package org.prosodyfiler.cli;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.prosodyfiler.FilerApp;
import org.prosodyfiler.config.Config;
import org.prosodyfiler.config.ConfigException;
import org.prosodyfiler.config.ConfigLoader;
import org.prosodyfiler.ops.Logging;
import org.prosodyfiler.ops.SystemdNotify;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs the server until SIGTERM/SIGINT, then shuts down gracefully. */
final class ServeCommand {
    private ServeCommand() {
    }

    /** A started server, or the exit code of a start that failed (its reason already printed). */
    record Started(FilerApp app, Logger log, int exitCode) {
    }

    static int serve(Path configFile) {
        Started started = start(configFile);
        if (started.app() == null) {
            return started.exitCode();
        }
        FilerApp app = started.app();
        Logger log = started.log();
        Config config = app.config();
        // Type=notify: systemd counts the service as started only now that the listener is bound.
        SystemdNotify systemd = SystemdNotify.fromEnvironment();
        systemd.ready("listening on " + app.baseUrl());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("shutting down: no new connections, up to {}s for uploads in progress", config.shutdownGrace().toSeconds());
            systemd.stopping("draining uploads in progress");
            app.shutdownGracefully(config.shutdownGrace());
            log.info("stopped");
            stopped.countDown();
        }, "pf-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /** Reads the config, sets up logging and starts the server: what every start does (also {@link AotTraining}). */
    static Started start(Path configFile) {
        ConfigLoader.Loaded loaded;
        try {
            loaded = ConfigLoader.load(configFile);
        } catch (ConfigException e) {
            System.err.println("prosody-filer: " + e.getMessage());
            return new Started(null, null, 2);
        }
        Config config = loaded.config();
        Logging.configure(config.logLevel(), config.jsonLogs(), config.accessLog());
        Logger log = LoggerFactory.getLogger("org.prosodyfiler");
        loaded.warnings().forEach(log::warn);
        String fsEncoding = System.getProperty("sun.jnu.encoding", "");
        if (!fsEncoding.equalsIgnoreCase("UTF-8")) {
            log.warn("file names are encoded as {} (locale {}): uploads with non-ASCII names will fail;"
                    + " start with a UTF-8 locale, e.g. LC_ALL=C.UTF-8 (bin/prosody-filer does this)", fsEncoding,
                    System.getenv().getOrDefault("LANG", "unset"));
        }
        try {
            return new Started(FilerApp.start(config), log, 0);
        } catch (ConfigException e) {
            log.error("cannot start: {}", e.getMessage());
            return new Started(null, log, 2);
        } catch (Exception e) {
            log.error("cannot start: {}", e.toString());
            return new Started(null, log, 1);
        }
    }
}
