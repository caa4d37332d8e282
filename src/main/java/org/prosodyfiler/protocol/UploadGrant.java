package org.prosodyfiler.protocol;

import java.time.Instant;
import java.util.Optional;

/**
 * What an upload was authorised for: exactly {@code size} bytes at {@code path}.
 *
 * @param contentType the PUT's Content-Type header as sent (recorded for downloads), if any
 * @param expires     when the file must disappear (JWT "expires"), if the issuer said so
 * @param owner       a stable per-uploader key for quotas (JWT sub, ejabberd's SHA-1 user dir), if known
 */
public record UploadGrant(
        StorePath path,
        long size,
        Optional<String> contentType,
        Dialect dialect,
        Optional<Instant> expires,
        Optional<String> owner) {
}
