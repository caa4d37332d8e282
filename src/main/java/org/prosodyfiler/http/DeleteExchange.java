package org.prosodyfiler.http;

import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;
import java.util.Optional;
import org.prosodyfiler.protocol.MacSigner;
import org.prosodyfiler.protocol.Rejection;
import org.prosodyfiler.protocol.StorePath;
import org.prosodyfiler.storage.Lookup;

/**
 * Metronome's DELETE (its "Purge HTTP Upload Files" command): {@code ?token=} is
 * HMAC-SHA256(upload secret, path NUL delete-secret). 204 deleted, 403 bad token, 404 missing.
 */
final class DeleteExchange implements FilerHandler.Exchange {
    private final FilerHandler handler;
    private final Services services;
    private final HttpRequest request;
    private final StorePath path;
    private final long start;

    DeleteExchange(FilerHandler handler, Services services, HttpRequest req, StorePath path, String rawPath, long start) {
        this.handler = handler;
        this.services = services;
        this.request = req;
        this.path = path;
        this.start = start;
    }

    /** Checks the token and starts the deletion; may answer at once (the handler set us current first). */
    void start() {
        HttpRequest req = request;
        List<String> tokens = FilerHandler.query(req.uri()).map(q -> q.get("token")).orElse(null);
        String token = tokens == null || tokens.isEmpty() ? null : tokens.get(0);
        String deleteSecret = services.config().metronomeDeleteSecret().orElseThrow();
        if (token == null || !services.signer().verify(MacSigner.deleteMessage(path.value(), deleteSecret), token)) {
            handler.reject(req, start, Rejection.of(403, Rejection.Reason.BAD_TOKEN, "invalid delete token")
                    .withLogDetail("invalid delete token for " + path.value()), false);
            return;
        }
        services.blocking().execute(this::delete);
    }

    private void delete() {
        Optional<Rejection> outcome;
        try {
            Lookup l = services.store().stat(path);
            if (l instanceof Lookup.Found f && services.store().delete(path)) {
                services.lifecycle().onDeleted(f.file());
                outcome = Optional.empty();
            } else {
                outcome = Optional.of(Rejection.of(404, Rejection.Reason.NOT_FOUND, "not found"));
            }
        } catch (java.io.IOException | RuntimeException e) {
            outcome = Optional.of(Rejection.of(500, Rejection.Reason.STORAGE_ERROR, "storage error").withLogDetail("delete failed: " + e));
        }
        Optional<Rejection> o = outcome;
        handler.onLoop(() -> {
            if (o.isPresent()) {
                handler.reject(request, start, o.get(), false);
            } else {
                var res = handler.emptyResponse(HttpResponseStatus.NO_CONTENT);
                res.headers().remove(io.netty.handler.codec.http.HttpHeaderNames.CONTENT_LENGTH); // none on 204
                handler.respond(request, res, start, Optional.empty(), 0, FilerHandler.After.KEEP_ALIVE);
            }
        });
    }
}
