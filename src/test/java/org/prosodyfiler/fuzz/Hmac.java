package org.prosodyfiler.fuzz;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The oracle's own HMAC-SHA256, written from docs/protocol.md and not through MacSigner, so that
 * a bug in MacSigner cannot hide itself.
 */
final class Hmac {
    private Hmac() {
    }

    static byte[] sha256(String secret, byte[] message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return mac.doFinal(message);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] sha256(String secret, String message) {
        return sha256(secret, message.getBytes(StandardCharsets.UTF_8));
    }

    static String hex(String secret, String message) {
        return HexFormat.of().formatHex(sha256(secret, message));
    }

    /** A token as the MAC dialects carry it: exactly 64 hex digits (either case), else nothing. */
    static Optional<byte[]> parseHexToken(String token) {
        if (token == null || token.length() != 64) {
            return Optional.empty();
        }
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
                return Optional.empty();
            }
        }
        return Optional.of(HexFormat.of().parseHex(token));
    }
}
