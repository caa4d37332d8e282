package org.prosodyfiler.protocol;

import java.util.Locale;
import java.util.Optional;

/**
 * The ways an XMPP server signs an upload URL. Declared from the highest version to the lowest:
 * when a URL carries several query parameters, the highest one we accept wins (Prosody README:
 * "upload services MUST only use the token from the highest parameter version that they support").
 */
public enum Dialect {
    /** Prosody mod_http_upload_external v2: HMAC over path NUL size NUL content-type. */
    V2("v2"),
    /** Metronome: the v2 message under another parameter name. */
    TOKEN("token"),
    /** Prosody v1 (default) and ejabberd external_secret: HMAC over path SP size. */
    V("v"),
    /** Prosody mod_http_file_share external mode: Authorization: Bearer JWT (HS256). */
    JWT("jwt");

    private final String param;

    Dialect(String param) {
        this.param = param;
    }

    /** The query parameter (or, for JWT, the config name) of this dialect. */
    public String param() {
        return param;
    }

    public static Optional<Dialect> byName(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        for (Dialect d : values()) {
            if (d.param.equals(n)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }
}
