package org.prosodyfiler.cli;

/**
 * Starts the slowest one-off initialisations of a server start on a second thread while the main
 * thread reads the config, sets up logging and opens the store. On JDK 24+ Netty's platform probe
 * links malloc/free through the foreign-function API (~0.15 s of method-handle spinning) and the
 * epoll transport loads its native library; both are needed before the port is bound. The main
 * thread later uses the same classes; if it gets there first it simply waits for, or does, the
 * initialisation itself, so nothing here changes what the server does, only when.
 */
final class Warmup {
    private static final String[] CLASSES = {
        "io.netty.util.internal.PlatformDependent",
        "io.netty.channel.epoll.Epoll",
        "io.netty.buffer.ByteBufUtil",
    };

    private Warmup() {
    }

    static void start() {
        // Netty logs through SLF4J. SLF4J hands a thread that asks while another thread is still
        // initialising it a stand-in factory, which Logging.configure cannot use: so logging
        // starts here, on the main thread (Logback's quick configurator takes a few ms), first.
        org.slf4j.LoggerFactory.getILoggerFactory();
        Thread t = new Thread(Warmup::run, "pf-warmup");
        t.setDaemon(true);
        t.start();
    }

    private static void run() {
        ClassLoader loader = Warmup.class.getClassLoader();
        for (String name : CLASSES) {
            try {
                Class.forName(name, true, loader);
            } catch (Throwable e) { // LinkageError, no epoll here, ...: the main thread meets and reports it
                return;
            }
        }
    }
}
