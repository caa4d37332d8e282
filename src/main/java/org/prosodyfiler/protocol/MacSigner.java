package org.prosodyfiler.protocol;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Computes and checks the HMAC-SHA256 tokens of the v, v2 and token dialects exactly as Prosody,
 * ejabberd and Metronome compute them (see docs/protocol.md): key = the secret's UTF-8 bytes,
 * message = the percent-DECODED path relative to the upload prefix, output = lowercase hex.
 */
public final class MacSigner {
    /** Used when a PUT carries no Content-Type, as Prosody signs a slot without one. */
    public static final String DEFAULT_CONTENT_TYPE = "application/octet-stream";

    private final SecretKeySpec key;
    /** Mac.getInstance + init costs more than the HMAC of a short message: keep one per thread. */
    private final ThreadLocal<Mac> macs;

    public MacSigner(String secret) {
        if (secret == null || secret.isEmpty()) {
            throw new IllegalArgumentException("secret must not be empty");
        }
        this.key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
        this.macs = ThreadLocal.withInitial(this::newMac);
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    /** The exact string that is HMACed for a dialect (also what we log on a mismatch). */
    public static String message(Dialect dialect, String path, long size, String contentType) {
        return switch (dialect) {
            case V -> path + ' ' + size;
            case V2, TOKEN -> path + '\0' + size + '\0' + contentType;
            case JWT -> throw new IllegalArgumentException("JWT uploads are not HMAC-signed URLs");
        };
    }

    /** Metronome's DELETE token: path NUL delete-secret, keyed with the upload secret. */
    public static String deleteMessage(String path, String deleteSecret) {
        return path + '\0' + deleteSecret;
    }

    /** Makes NUL and other controls visible in a log line. */
    public static String printable(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8).append('"');
        for (char c : s.toCharArray()) {
            if (c == 0) {
                b.append("\\0");
            } else if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\x%02x", (int) c));
            } else if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }

    public String sign(Dialect dialect, String path, long size, String contentType) {
        return hex(message(dialect, path, size, contentType));
    }

    public String hex(String message) {
        return HexFormat.of().formatHex(raw(message));
    }

    /** Constant-time check of a hex token (either case) against a message. */
    public boolean verify(String message, String token) {
        if (token == null || token.length() != 64) {
            return false;
        }
        byte[] given;
        try {
            given = HexFormat.of().parseHex(token);
        } catch (IllegalArgumentException notHex) {
            return false;
        }
        return MessageDigest.isEqual(raw(message), given);
    }

    /** Constant-time check of a raw MAC over raw bytes (JWT signatures). */
    public boolean verifyRaw(byte[] message, byte[] givenMac) {
        return MessageDigest.isEqual(raw(message), givenMac);
    }

    /** The raw HMAC of raw bytes (for signing JWTs in tests and the sign command). */
    public byte[] rawMac(byte[] message) {
        return raw(message);
    }

    private byte[] raw(String message) {
        return raw(message.getBytes(StandardCharsets.UTF_8));
    }

    private byte[] raw(byte[] message) {
        return macs.get().doFinal(message); // doFinal resets the Mac for the next use
    }
}
