package org.prosodyfiler.ops;

import org.prosodyfiler.http.Telemetry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per request at info: method, path, status, bytes, duration. No query string (it holds
 * the token) and no client address (a proxy in front logs that; we keep personal data out).
 */
public final class AccessLog implements Telemetry {
    private static final Logger log = LoggerFactory.getLogger("org.prosodyfiler.access");

    @Override
    public void onExchange(Exchange e) {
        if (log.isInfoEnabled()) {
            log.info("{} {} {} in={} out={} {}ms", e.method(), e.path(), e.status(), e.bytesIn(), e.bytesOut(),
                    e.nanos() / 1_000_000);
        }
    }
}
