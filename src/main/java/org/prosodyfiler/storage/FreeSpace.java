package org.prosodyfiler.storage;

import java.io.IOException;

/**
 * Free disk space for the pre-upload check, without a statfs(2) per upload: a value younger than
 * 500 ms is trusted when it says there is room; when it says there is not, it is read again, so a
 * disk that just got space back is never refused on stale numbers. The check is only an early
 * answer: a disk that fills up mid-write is still caught (ENOSPC) and cleaned up.
 */
final class FreeSpace {
    private static final long MAX_AGE_NANOS = 500_000_000L;

    private final java.nio.file.FileStore fileSystem;
    private long usable;
    private long readAt;
    private boolean known;

    FreeSpace(java.nio.file.FileStore fileSystem) {
        this.fileSystem = fileSystem;
    }

    /** True if {@code size} more bytes leave at least {@code reserve} bytes free. */
    synchronized boolean fits(long size, long reserve) throws IOException {
        long now = System.nanoTime();
        if (known && now - readAt < MAX_AGE_NANOS && usable - size >= reserve) {
            return true;
        }
        usable = fileSystem.getUsableSpace();
        readAt = now;
        known = true;
        return usable - size >= reserve;
    }

    synchronized long lastKnown() {
        return usable;
    }
}
