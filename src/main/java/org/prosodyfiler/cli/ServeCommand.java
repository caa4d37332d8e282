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

    static int serve(Path configFile) {
        ConfigLoader.Loaded loaded;
        try {
            loaded = ConfigLoader.load(configFile);
        } catch (ConfigException e) {
            System.err.println("prosody-filer: " + e.getMessage());
            return 2;
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
        FilerApp app;
        try {
            app = FilerApp.start(config);
        } catch (ConfigException e) {
            log.error("cannot start: {}", e.getMessage());
            return 2;
        } catch (Exception e) {
            log.error("cannot start: {}", e.toString());
            return 1;
        }
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
}
