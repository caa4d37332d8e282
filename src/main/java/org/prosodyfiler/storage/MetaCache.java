package org.prosodyfiler.storage;

import java.nio.file.attribute.BasicFileAttributes;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Remembers the metadata of recently served files, so a download does not open the file a
 * second time just to read its extended attribute. An entry only counts while the file's inode,
 * size and mtime are unchanged, so a file deleted and uploaded again is never served with the
 * old type.
 */
final class MetaCache {
    private record Key(Object fileKey, long size, long mtimeNanos) {
    }

    private record Cached(Key key, FileMeta meta, long seenAt) {
    }

    /** How long a looked-up file counts as surely cached by the kernel (dentry, inode). */
    private static final long HOT_NANOS = 30_000_000_000L;

    private final Map<String, Cached> entries;

    MetaCache(int capacity) {
        this.entries = new LinkedHashMap<>(capacity, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Cached> eldest) {
                return size() > capacity;
            }
        };
    }

    /** True if the file was looked up in the last few seconds: stat and open will not touch the disk. */
    synchronized boolean hot(String path) {
        Cached e = entries.get(path);
        return e != null && System.nanoTime() - e.seenAt() < HOT_NANOS;
    }

    synchronized FileMeta get(String path, BasicFileAttributes a) {
        Cached e = entries.get(path);
        return e != null && a.fileKey() != null && e.key().equals(key(a)) ? e.meta() : null;
    }

    synchronized void put(String path, BasicFileAttributes a, FileMeta meta) {
        if (a.fileKey() != null) { // without an inode we cannot tell a replaced file apart
            entries.put(path, new Cached(key(a), meta, System.nanoTime()));
        }
    }

    private static Key key(BasicFileAttributes a) {
        return new Key(Objects.requireNonNull(a.fileKey()), a.size(), a.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS));
    }
}
