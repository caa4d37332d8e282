import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.SplittableRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * One HTTP request the load generator sends, with what it expects back. Request heads are
 * built before the load window so the measured loop only writes bytes.
 *
 * @param path        upload path below /upload/ (decoded form, as signed)
 * @param head        request line and headers, CRLF-terminated
 * @param bodyLen     upload body length (0 for GET)
 * @param bodyShift   {@link Pattern} shift of the upload body
 * @param expectStatus status that counts as success
 * @param expectLen   GET: expected body length; -1 = do not check
 * @param expectShift GET: pattern shift of the expected body
 * @param verify      GET: compare the body byte for byte
 */
record Req(String path, byte[] head, long bodyLen, long bodyShift, int expectStatus, long expectLen, long expectShift,
           boolean verify) {

    /** Builds PUT/GET requests the way a Prosody v1 slot looks: /upload/&lt;uuid&gt;/&lt;name&gt;?v=&lt;mac&gt;. */
    static final class Factory {
        private final String hostHeader;
        private final Mac mac;
        private final SplittableRandom rnd;

        Factory(String secret, int port, long seed) {
            this.hostHeader = "127.0.0.1:" + port;
            this.rnd = new SplittableRandom(seed);
            try {
                mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        /** A fresh upload path like Prosody's: a random v4 UUID, a slash, a file name. */
        String newPath(String name) {
            long hi = rnd.nextLong(), lo = rnd.nextLong();
            hi = (hi & ~0xF000L) | 0x4000L;                       // version 4
            lo = (lo & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L; // IETF variant
            return new java.util.UUID(hi, lo) + "/" + name;
        }

        /** v1 MAC: HMAC-SHA256(secret, "&lt;path&gt; &lt;size&gt;"), lowercase hex. */
        String v1(String path, long size) {
            byte[] d = mac.doFinal((path + " " + size).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        }

        Req put(String path, long size, long shift) {
            String head = "PUT /upload/" + path + "?v=" + v1(path, size) + " HTTP/1.1\r\n"
                    + "Host: " + hostHeader + "\r\n"
                    + "Content-Type: application/octet-stream\r\n"
                    + "Content-Length: " + size + "\r\n\r\n";
            return new Req(path, head.getBytes(StandardCharsets.US_ASCII), size, shift, 201, -1, 0, false);
        }

        Req get(String path, long size, long shift, boolean verify) {
            String head = "GET /upload/" + path + " HTTP/1.1\r\nHost: " + hostHeader + "\r\n\r\n";
            return new Req(path, head.getBytes(StandardCharsets.US_ASCII), 0, 0, 200, size, shift, verify);
        }
    }
}
