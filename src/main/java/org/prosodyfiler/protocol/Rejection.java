package org.prosodyfiler.protocol;

/**
 * Why a request is refused: the HTTP status, a short machine-friendly reason (metrics label),
 * the text sent to the client, and a detail for the log line (never containing the secret).
 */
public record Rejection(int status, Reason reason, String message, String logDetail) {

    public enum Reason {
        BAD_PATH, MISSING_TOKEN, BAD_TOKEN, EXPIRED_TOKEN, SLOT_MISMATCH, DIALECT_DISABLED,
        NO_LENGTH, BAD_LENGTH, SIZE_MISMATCH, TOO_LARGE, BAD_CONTENT_TYPE, EXISTS, NO_SPACE,
        QUOTA, NOT_FOUND, NOT_A_FILE, METHOD, STORAGE_ERROR, INCOMPLETE_BODY, TIMEOUT, RATE_LIMITED;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public static Rejection of(int status, Reason reason, String message) {
        return new Rejection(status, reason, message, message);
    }

    public Rejection withLogDetail(String detail) {
        return new Rejection(status, reason, message, detail);
    }
}
