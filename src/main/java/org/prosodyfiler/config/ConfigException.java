package org.prosodyfiler.config;

/** A configuration problem, worded for the admin; startup prints it as one line and exits. */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }
}
