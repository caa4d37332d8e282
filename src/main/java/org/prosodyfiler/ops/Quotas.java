package org.prosodyfiler.ops;

import java.time.Instant;
import java.util.Optional;
import org.prosodyfiler.protocol.Rejection;
import org.prosodyfiler.protocol.UploadGrant;
import org.prosodyfiler.storage.StoredFile;

/** Storage limits: a global cap and per-uploader daily bytes. */
public interface Quotas {

    Optional<Rejection> admit(UploadGrant grant, Instant now);

    void onStored(StoredFile file, UploadGrant grant, Instant now);

    /** The upload that {@link #admit} let in did not complete: release what it reserved. */
    void onFailed(UploadGrant grant);

    void onDeleted(StoredFile file);

    Quotas NONE = new Quotas() {
        @Override
        public Optional<Rejection> admit(UploadGrant grant, Instant now) {
            return Optional.empty();
        }

        @Override
        public void onStored(StoredFile file, UploadGrant grant, Instant now) {
        }

        @Override
        public void onFailed(UploadGrant grant) {
        }

        @Override
        public void onDeleted(StoredFile file) {
        }
    };
}
