package org.prosodyfiler.storage;

import java.nio.ByteBuffer;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * What a download of a recently served file needs besides one stat: its metadata (otherwise an
 * extended attribute read), its ETag, and, for small files, its bytes. Small downloads are
 * dominated by system calls: from memory a 4 KiB file is one write instead of open, sendfile
 * and close after the headers' write (bench/ get-small, see README "Performance").
 *
 * <p>An entry only counts while the file's inode, size and mtime are those the caller just
 * stat'ed, so a file deleted (by us, by {@code purge}, by hand) and uploaded again is never
 * served with the old type or bytes. Published files never change in place (link(2), never
 * overwrite), which is what makes caching their bytes safe.
 */
final class HotFiles {
    /** Files up to this size keep their bytes here. */
    static final int SMALL_FILE = 16 << 10;

    private record Key(Object fileKey, long size, long mtimeNanos) {
    }

    /** @param content the file's bytes (read-only, direct: written to sockets without a copy), or null when not kept */
    private record Cached(Key key, FileMeta meta, String etag, ByteBuffer content, long seenAt) {
        long contentBytes() {
            return content == null ? 0 : content.capacity();
        }
    }

    /** What a lookup of an unchanged file gets from the cache. */
    record Known(FileMeta meta, String etag) {
    }

    /** How long a looked-up file counts as surely cached by the kernel (dentry, inode). */
    private static final long HOT_NANOS = 30_000_000_000L;

    private final Map<String, Cached> entries;
    private final long contentBudget;
    private long contentBytes;

    /**
     * @param capacity most files remembered
     * @param contentBudget most bytes of small files kept, in total
     */
    HotFiles(int capacity, long contentBudget) {
        this.contentBudget = contentBudget;
        this.entries = new LinkedHashMap<>(capacity, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Cached> eldest) {
                if (size() > capacity) {
                    contentBytes -= eldest.getValue().contentBytes();
                    return true;
                }
                return false;
            }
        };
    }

    /** True if the file was looked up in the last few seconds: stat and open will not touch the disk. */
    synchronized boolean hot(String path) {
        Cached e = entries.get(path);
        return e != null && System.nanoTime() - e.seenAt() < HOT_NANOS;
    }

    /** The metadata and ETag of this file if it is the one remembered, else null. */
    synchronized Known get(String path, BasicFileAttributes a) {
        Cached e = entries.get(path);
        if (e == null || a.fileKey() == null || !e.key().equals(key(a))) {
            return null;
        }
        replace(path, new Cached(e.key(), e.meta(), e.etag(), e.content(), System.nanoTime()));
        return new Known(e.meta(), e.etag());
    }

    synchronized void put(String path, BasicFileAttributes a, FileMeta meta, String etag) {
        if (a.fileKey() != null) { // without an inode we cannot tell a replaced file apart
            replace(path, new Cached(key(a), meta, etag, null, System.nanoTime()));
        }
    }

    /**
     * The bytes of the file remembered with this ETag (what the caller just stat'ed), or null.
     * Each caller gets its own read-only view, positioned at 0.
     */
    synchronized ByteBuffer content(String path, String etag) {
        Cached e = entries.get(path);
        return e != null && e.content() != null && e.etag().equals(etag) ? e.content().duplicate() : null;
    }

    /** Keeps the bytes of a small file remembered with this ETag; ignored for any other. */
    synchronized void putContent(String path, String etag, ByteBuffer content) {
        Cached e = entries.get(path);
        if (e == null || !e.etag().equals(etag) || content.capacity() > SMALL_FILE || content.capacity() > contentBudget) {
            return;
        }
        replace(path, new Cached(e.key(), e.meta(), e.etag(), content, e.seenAt()));
        // Over budget: drop the bytes (not the metadata) of the least recently used files.
        Iterator<Map.Entry<String, Cached>> oldest = entries.entrySet().iterator();
        while (contentBytes > contentBudget && oldest.hasNext()) {
            Map.Entry<String, Cached> victim = oldest.next();
            Cached v = victim.getValue();
            if (v.content() != null && !victim.getKey().equals(path)) {
                contentBytes -= v.contentBytes();
                victim.setValue(new Cached(v.key(), v.meta(), v.etag(), null, v.seenAt()));
            }
        }
    }

    synchronized void forget(String path) {
        Cached e = entries.remove(path);
        if (e != null) {
            contentBytes -= e.contentBytes();
        }
    }

    /** Bytes of file content held now. */
    synchronized long contentBytes() {
        return contentBytes;
    }

    private void replace(String path, Cached next) {
        Cached previous = entries.put(path, next);
        contentBytes += next.contentBytes() - (previous == null ? 0 : previous.contentBytes());
    }

    private static Key key(BasicFileAttributes a) {
        return new Key(Objects.requireNonNull(a.fileKey()), a.size(), a.lastModifiedTime().to(TimeUnit.NANOSECONDS));
    }
}
