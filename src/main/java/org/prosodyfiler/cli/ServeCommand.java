package org.prosodyfiler.cli;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.prosodyfiler.FilerApp;
import org.prosodyfiler.config.Config;
import org.prosodyfiler.config.ConfigException;
import org.prosodyfiler.config.ConfigLoader;
import org.prosodyfiler.ops.Logging;
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
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("shutting down");
            app.close();
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
