package org.prosodyfiler.ops;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.prosodyfiler.protocol.Rejection;
import org.prosodyfiler.protocol.UploadGrant;
import org.prosodyfiler.storage.StoredFile;

/**
 * The rules about how long files live and how much may be stored, consulted by the request
 * path (is this file still servable? may this upload start?) and applied by the sweeper.
 */
public final class Lifecycle {
    private final Optional<Duration> expireAfter;
    private final Quotas quotas;

    public Lifecycle(Optional<Duration> expireAfter, Quotas quotas) {
        this.expireAfter = expireAfter;
        this.quotas = quotas;
    }

    public static Lifecycle keepForever() {
        return new Lifecycle(Optional.empty(), Quotas.NONE);
    }

    /** The earlier of the per-file expiry (JWT "expires") and upload time + expireAfter. */
    public Optional<Instant> expiresAt(StoredFile f) {
        Optional<Instant> byAge = expireAfter.map(d -> f.lastModified().plus(d));
        Optional<Instant> byToken = f.meta().expires();
        if (byAge.isPresent() && byToken.isPresent()) {
            return Optional.of(byAge.get().isBefore(byToken.get()) ? byAge.get() : byToken.get());
        }
        return byAge.isPresent() ? byAge : byToken;
    }

    /** Expired files are never served, even before the sweeper deletes them. */
    public boolean isExpired(StoredFile f, Instant now) {
        return expiresAt(f).map(t -> !now.isBefore(t)).orElse(false);
    }

    /** May this upload start? Checked after the token, before the body is read. */
    public Optional<Rejection> admit(UploadGrant grant, Instant now) {
        return quotas.admit(grant, now);
    }

    public void onStored(StoredFile f, UploadGrant grant, Instant now) {
        quotas.onStored(f, grant, now);
    }

    public void onFailed(UploadGrant grant) {
        quotas.onFailed(grant);
    }

    public void onDeleted(StoredFile f) {
        quotas.onDeleted(f);
    }

    public Quotas quotas() {
        return quotas;
    }
}
