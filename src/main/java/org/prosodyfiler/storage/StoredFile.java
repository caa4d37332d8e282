package org.prosodyfiler.storage;

import java.time.Instant;
import org.prosodyfiler.protocol.StorePath;

/** A published, complete upload. Files are never modified after publishing, only deleted. */
public record StoredFile(StorePath path, long size, Instant lastModified, String etag, FileMeta meta) {
}
