package org.prosodyfiler.ops;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sets up logging from the config: level, text or JSON lines, and no timestamp of our own under
 * systemd (journald stamps every line; two timestamps are noise).
 */
public final class Logging {
    private Logging() {
    }

    public static void configure(String level, boolean json, boolean accessLog) {
        configureContext((LoggerContext) LoggerFactory.getILoggerFactory(), level, json, accessLog);
    }

    static void configureContext(LoggerContext ctx, String level, boolean json, boolean accessLog) {
        ch.qos.logback.classic.Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        root.detachAndStopAllAppenders();

        Encoder<ILoggingEvent> encoder;
        if (json) {
            JsonLineEncoder e = new JsonLineEncoder();
            e.setContext(ctx);
            e.start();
            encoder = e;
        } else {
            PatternLayoutEncoder e = new PatternLayoutEncoder();
            e.setContext(ctx);
            boolean journald = System.getenv("JOURNAL_STREAM") != null;
            e.setPattern((journald ? "" : "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} ") + "%-5level %logger{0} - %msg%n%ex{short}");
            e.start();
            encoder = e;
        }
        ConsoleAppender<ILoggingEvent> out = new ConsoleAppender<>();
        out.setContext(ctx);
        out.setName("console");
        out.setEncoder(encoder);
        out.start();
        root.addAppender(out);
        root.setLevel(toLevel(level));
        ctx.getLogger("io.netty").setLevel(Level.WARN);
        ctx.getLogger("software.amazon").setLevel(Level.WARN);
        ctx.getLogger("org.prosodyfiler.access").setLevel(accessLog ? Level.INFO : Level.OFF);
    }

    static Level toLevel(String goLevel) {
        return switch (goLevel.toLowerCase(Locale.ROOT)) {
            case "trace" -> Level.TRACE;
            case "debug" -> Level.DEBUG;
            case "warn", "warning" -> Level.WARN;
            case "error", "fatal", "panic" -> Level.ERROR;
            default -> Level.INFO;
        };
    }
}
