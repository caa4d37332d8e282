package org.prosodyfiler.storage;

import java.time.Instant;
import java.util.Optional;

/**
 * What we remember about an upload besides its bytes. Small, stored with the file (a user
 * extended attribute, an S3 object's metadata) so that the store stays the plain layout the
 * Go original uses and nginx can keep serving it.
 *
 * @param contentType the Content-Type the uploader sent, if any
 * @param expires     when the file must stop being served (JWT "expires"), if set
 * @param owner       per-uploader key for quotas and "delete my files", if known
 */
public record FileMeta(Optional<String> contentType, Optional<Instant> expires, Optional<String> owner) {
    public static final FileMeta NONE = new FileMeta(Optional.empty(), Optional.empty(), Optional.empty());

    /** "key=value" lines; values never contain newlines (HTTP header values cannot). */
    public String encode() {
        StringBuilder b = new StringBuilder();
        contentType.ifPresent(t -> b.append("type=").append(t).append('\n'));
        expires.ifPresent(e -> b.append("expires=").append(e.getEpochSecond()).append('\n'));
        owner.ifPresent(o -> b.append("owner=").append(o).append('\n'));
        return b.toString();
    }

    /** Tolerant: unknown keys and malformed lines are ignored, so newer versions can add keys. */
    public static FileMeta decode(String text) {
        Optional<String> type = Optional.empty();
        Optional<Instant> expires = Optional.empty();
        Optional<String> owner = Optional.empty();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            String k = line.substring(0, eq);
            String v = line.substring(eq + 1);
            switch (k) {
                case "type" -> type = Optional.of(v);
                case "expires" -> {
                    try {
                        expires = Optional.of(Instant.ofEpochSecond(Long.parseLong(v)));
                    } catch (NumberFormatException ignored) {
                        // a damaged value must not make the file unservable
                    }
                }
                case "owner" -> owner = Optional.of(v);
                default -> {
                }
            }
        }
        return new FileMeta(type, expires, owner);
    }

    public boolean isEmpty() {
        return contentType.isEmpty() && expires.isEmpty() && owner.isEmpty();
    }
}
