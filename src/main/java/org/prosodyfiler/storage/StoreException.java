package org.prosodyfiler.storage;

/** A storage failure the HTTP layer maps to a status: 409, 507 or 500. */
public final class StoreException extends Exception {
    private static final long serialVersionUID = 1L;

    public enum Kind {
        /** Something is already published at the path: 409, the stored file untouched. */
        EXISTS,
        /** The disk (or quota) is full: 507. */
        NO_SPACE,
        /** The body was shorter or longer than the signed size. */
        INCOMPLETE,
        /** Anything else (permissions, read-only file system, S3 down): 500. */
        IO
    }

    private final Kind kind;

    public StoreException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public StoreException(Kind kind, String message) {
        this(kind, message, null);
    }

    public Kind kind() {
        return kind;
    }
}
