package org.prosodyfiler.http;

import java.time.Clock;
import java.util.concurrent.ExecutorService;
import org.prosodyfiler.config.Config;
import org.prosodyfiler.ops.Lifecycle;
import org.prosodyfiler.protocol.MacSigner;
import org.prosodyfiler.protocol.UploadAuthorizer;
import org.prosodyfiler.storage.Store;

/**
 * What a connection handler needs, built once at startup and shared by all connections.
 *
 * @param blocking  where every call that may block (disk, S3) runs: never on an event loop
 * @param lifecycle expiry and quota rules that the request path consults
 * @param rateLimiter per-client request limits, if configured
 */
public record Services(
        Config config,
        Store store,
        UploadAuthorizer authorizer,
        MacSigner signer,
        ExecutorService blocking,
        Clock clock,
        Telemetry telemetry,
        Lifecycle lifecycle,
        java.util.Optional<RateLimiter> rateLimiter) {
}
