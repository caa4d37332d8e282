package org.prosodyfiler.ops;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * Logback's default start-up parses XML and scans the class path, which costs a good part of our
 * start-up time budget. This sets a plain console logger in microseconds; {@link Logging}
 * replaces it once the config has been read.
 */
public final class QuickLogbackConfigurator extends ContextAwareBase implements Configurator {

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        Logging.configureContext(context, "info", false, true);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
