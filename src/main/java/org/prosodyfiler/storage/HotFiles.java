package org.prosodyfiler.storage;

import java.nio.ByteBuffer;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * What a download of a recently served file needs: the file as last stat'ed (size, ETag,
 * metadata that would otherwise cost an extended-attribute read) and, for small files, its bytes.
 * Small downloads are dominated by system calls: from here a 4 KiB file is one write, instead of
 * stat, open, sendfile and close after the headers' write (bench/ get-small; README "Performance").
 *
 * <p>An entry counts while the file's inode, size and mtime are unchanged: published files never
 * change in place (link(2), never overwrite), so a changed key means deleted and uploaded again.
 * Our own uploads and deletions drop the entry at once. A file changed behind our back (removed
 * by hand or by the {@code purge} command, which is another process) is noticed at the next stat,
 * and a file confirmed less than {@link #TRUST_NANOS} ago is not stat'ed again, like nginx's
 * {@code open_file_cache_valid}: that stat was a tenth of a small download's CPU.
 */
final class HotFiles {
    /** Files up to this size keep their bytes here. */
    static final int SMALL_FILE = 16 << 10;
    /** How long a stat's answer is trusted without asking again. */
    static final long TRUST_NANOS = 1_000_000_000L;
    /** How long a looked-up file counts as surely cached by the kernel (dentry, inode). */
    private static final long HOT_NANOS = 30_000_000_000L;

    private record Key(Object fileKey, long size, long mtimeNanos) {
    }

    /**
     * @param content the file's bytes (read-only, direct: written to sockets without a copy), or null when not kept
     * @param checkedAt when a stat last confirmed the entry
     */
    private record Cached(Key key, StoredFile file, ByteBuffer content, long checkedAt) {
        long contentBytes() {
            return content == null ? 0 : content.capacity();
        }

        Cached withContent(ByteBuffer c) {
            return new Cached(key, file, c, checkedAt);
        }
    }

    private final Map<String, Cached> entries;
    private final long contentBudget;
    private final LongSupplier nanoTime;
    private long contentBytes;

    /**
     * @param capacity most files remembered
     * @param contentBudget most bytes of small files kept, in total
     */
    HotFiles(int capacity, long contentBudget) {
        this(capacity, contentBudget, System::nanoTime);
    }

    HotFiles(int capacity, long contentBudget, LongSupplier nanoTime) {
        this.contentBudget = contentBudget;
        this.nanoTime = nanoTime;
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
        return e != null && nanoTime.getAsLong() - e.checkedAt() < HOT_NANOS;
    }

    /** The file, if a stat confirmed it so recently that it need not be asked again; else null. */
    synchronized StoredFile trusted(String path) {
        Cached e = entries.get(path);
        return e != null && nanoTime.getAsLong() - e.checkedAt() < TRUST_NANOS ? e.file() : null;
    }

    /** The file remembered at this path if {@code a} (a fresh stat) shows it unchanged, else null. */
    synchronized StoredFile get(String path, BasicFileAttributes a) {
        Cached e = entries.get(path);
        if (e == null || a.fileKey() == null || !e.key().equals(key(a))) {
            return null;
        }
        replace(path, new Cached(e.key(), e.file(), e.content(), nanoTime.getAsLong()));
        return e.file();
    }

    /** Remembers a file just stat'ed (as {@code a}). */
    synchronized void put(String path, BasicFileAttributes a, StoredFile file) {
        if (a.fileKey() == null) { // without an inode we cannot tell a replaced file apart
            forget(path);
            return;
        }
        replace(path, new Cached(key(a), file, null, nanoTime.getAsLong()));
    }

    /**
     * The bytes of the file remembered with this ETag (the one the caller looked up), or null.
     * Each caller gets its own read-only view, positioned at 0.
     */
    synchronized ByteBuffer content(String path, String etag) {
        Cached e = entries.get(path);
        return e != null && e.content() != null && e.file().etag().equals(etag) ? e.content().duplicate() : null;
    }

    /** Keeps the bytes of a small file remembered with this ETag; ignored for any other. */
    synchronized void putContent(String path, String etag, ByteBuffer content) {
        Cached e = entries.get(path);
        if (e == null || !e.file().etag().equals(etag) || content.capacity() > SMALL_FILE || content.capacity() > contentBudget) {
            return;
        }
        replace(path, e.withContent(content));
        // Over budget: drop the bytes (not the rest) of the least recently used files.
        Iterator<Map.Entry<String, Cached>> oldest = entries.entrySet().iterator();
        while (contentBytes > contentBudget && oldest.hasNext()) {
            Map.Entry<String, Cached> victim = oldest.next();
            Cached v = victim.getValue();
            if (v.content() != null && !victim.getKey().equals(path)) {
                contentBytes -= v.contentBytes();
                victim.setValue(v.withContent(null));
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
