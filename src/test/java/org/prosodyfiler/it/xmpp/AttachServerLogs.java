package org.prosodyfiler.it.xmpp;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.opentest4j.TestAbortedException;

/**
 * Appends the XMPP server's and Prosody Filer's log tails to every failure of an
 * {@link UploadScenarios} test or its login, timeouts included, so a red CI run can be read
 * without the temp directories (which JUnit deletes).
 */
final class AttachServerLogs implements TestExecutionExceptionHandler, LifecycleMethodExecutionExceptionHandler {
    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
        throw withLogs(context, failure);
    }

    @Override
    public void handleBeforeAllMethodExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
        throw withLogs(context, failure);
    }

    @Override
    public void handleBeforeEachMethodExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
        throw withLogs(context, failure);
    }

    private static Throwable withLogs(ExtensionContext context, Throwable failure) {
        if (failure instanceof TestAbortedException) {
            return failure;
        }
        return context.getTestInstance()
                .filter(UploadScenarios.class::isInstance)
                .map(instance -> (Throwable) new AssertionError(
                        failure.getMessage() + ((UploadScenarios) instance).target().logs(), failure))
                .orElse(failure);
    }
}
