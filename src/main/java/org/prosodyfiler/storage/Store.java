package org.prosodyfiler.storage;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.function.Consumer;
import org.prosodyfiler.protocol.StorePath;

/**
 * Where uploads live. Like tusd's DataStore: the HTTP and protocol layers only see this
 * interface; {@link FileStore} is the default, an S3 store plugs in beside it.
 *
 * <p>Every method may block (disk, network): callers run them off the event loop.
 * Invariants every implementation keeps: an upload is invisible until {@link PendingUpload#commit}
 * succeeds; commit never overwrites (exactly one of N concurrent commits to a path wins); a
 * pending upload that is aborted or never committed leaves nothing behind.
 */
public interface Store extends AutoCloseable {

    /**
     * Starts an upload of exactly {@code size} bytes. Fails fast with EXISTS when the path is
     * already taken and NO_SPACE when the bytes cannot fit, before any body is read.
     */
    PendingUpload begin(StorePath path, long size, FileMeta meta) throws StoreException;

    /**
     * {@link #begin} for an upload whose whole body has already arrived. Refusing early then
     * saves reading nothing, so a store whose commit refuses an existing path by itself may skip
     * its early existence check (the file store saves a stat on most small uploads); commit still
     * fails with EXISTS. Stores that need the check for that refusal keep it.
     */
    default PendingUpload beginWithBodyInHand(StorePath path, long size, FileMeta meta) throws StoreException {
        return begin(path, size, meta);
    }

    Lookup stat(StorePath path) throws IOException;

    /**
     * True when {@link #stat} and {@link #open} of this path will be answered from memory (a file
     * read moments ago): then the event loop may call them itself and skip a thread hand-off.
     * Never true for a store whose calls can wait on a disk or a network.
     */
    default boolean servedFromMemory(StorePath path) {
        return false;
    }

    /** Opens {@code length} bytes from {@code offset} of a file found by {@link #stat}. */
    Body open(StoredFile file, long offset, long length) throws IOException;

    /**
     * Where a client may fetch the bytes of {@code file} itself instead of through us (a
     * short-lived presigned URL of an object store), answering with the given type and
     * disposition; empty means "stream it" (the default, and every store that cannot).
     */
    default Optional<URI> redirectFor(StoredFile file, String contentType, String contentDisposition) {
        return Optional.empty();
    }

    /** Deletes a published file (and its metadata); false if it was not there. */
    boolean delete(StorePath path) throws IOException;

    /** Visits every published file, for expiry, quotas, purge and stats. */
    void forEach(Consumer<StoredFile> visitor) throws IOException;

    /**
     * Visits every published file for counting (usage metrics): path, size, date and ETag, but
     * the metadata may be {@link FileMeta#NONE} where reading it costs a request per file (S3).
     */
    default void forEachCounted(Consumer<StoredFile> visitor) throws IOException {
        forEach(visitor);
    }

    /** Removes empty directories left behind by deletions (no-op where there are none). */
    default void pruneEmptyDirectories() throws IOException {
    }

    /** Removes the temp files of uploads that a previous process never finished. */
    void recover() throws IOException;

    /** True when a probe write succeeds and free space is above the configured reserve. */
    Readiness readiness();

    record Readiness(boolean ready, String detail) {
    }

    @Override
    void close() throws IOException;

    /** An upload in progress. Not thread-safe: one writer at a time, in order. */
    interface PendingUpload {
        void write(ByteBuffer[] buffers) throws StoreException;

        /** Publishes the bytes at the path; EXISTS if another upload won the race. */
        StoredFile commit() throws StoreException;

        /** Discards everything written; safe to call more than once and after commit. */
        void abort();
    }
}
