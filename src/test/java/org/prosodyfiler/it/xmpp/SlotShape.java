package org.prosodyfiler.it.xmpp;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.prosodyfiler.protocol.Dialect;
import org.prosodyfiler.protocol.MacSigner;

/**
 * What a slot handed out by a real XMPP server looks like (docs/protocol.md sections 2 and 3).
 * Checking it pins down the facts our server relies on: the URL layout, the percent-encoding
 * each server uses, and that the MAC is over the DECODED path relative to the base URL.
 */
sealed interface SlotShape {
    /**
     * Asserts that the slot URLs fit this server's scheme for a file {@code name} of {@code size}
     * bytes and returns the decoded path under the base URL (what is signed, and where the file
     * lands below storeDir).
     */
    String check(URL putUrl, URL getUrl, String name, long size);

    /**
     * Prosody mod_http_upload_external: base + uuid-v4 + "/" + filename, both encoded byte-wise
     * with lowercase hex (util.http.urlencode keeps only [A-Za-z0-9.~_-]); "?v=" for protocol v1,
     * "?v2=" for anything else, where v2 also signs the slot's content type.
     */
    record Prosody(URI base, Dialect dialect, String secret) implements SlotShape {
        private static final Pattern LAYOUT = Pattern.compile(
                "([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})/([^/?]+)");

        @Override
        public String check(URL putUrl, URL getUrl, String name, long size) {
            String get = getUrl.toString();
            assertThat(get).as("GET URL starts with http_upload_external_base_url").startsWith(base.toString());
            Matcher m = LAYOUT.matcher(get.substring(base.toString().length()));
            assertThat(m.matches()).as("Prosody slot path <uuid>/<file> in %s", get).isTrue();
            String random = m.group(1);
            assertThat(m.group(2)).as("file name encoded like util.http.urlencode").isEqualTo(encode(name, false));
            String path = random + "/" + name;
            String mac = new MacSigner(secret).sign(dialect, path, size, UploadClient.SMACK_CONTENT_TYPE);
            assertThat(putUrl.toString()).as("PUT URL = GET URL + ?%s=<HMAC over the decoded path>", dialect.param())
                    .isEqualTo(get + "?" + dialect.param() + "=" + mac);
            return path;
        }
    }

    /**
     * ejabberd mod_http_upload with external_secret: put_url + "/" + sha1-hex(bare JID) + "/" +
     * 40 random alphanumerics + "/" + the file name with everything but Unicode letters, digits
     * and "_.-" replaced by "_"; 23.01 percent-encodes the rest with UPPERCASE hex. Always "?v=".
     */
    record Ejabberd(URI base, String bareJid, String secret) implements SlotShape {
        private static final Pattern LAYOUT = Pattern.compile("([0-9a-f]{40})/([A-Za-z0-9]{40})/([^/?]+)");

        @Override
        public String check(URL putUrl, URL getUrl, String name, long size) {
            String get = getUrl.toString();
            assertThat(get).as("GET URL starts with get_url").startsWith(base.toString());
            Matcher m = LAYOUT.matcher(get.substring(base.toString().length()));
            assertThat(m.matches()).as("ejabberd slot path <sha1(jid)>/<random>/<file> in %s", get).isTrue();
            assertThat(m.group(1)).as("first segment = SHA-1 of %s", bareJid).isEqualTo(sha1Hex(bareJid));
            String stored = sanitize(name);
            assertThat(m.group(3)).as("file name sanitized and encoded like ejabberd 23.01")
                    .isEqualTo(encode(stored, true));
            String path = m.group(1) + "/" + m.group(2) + "/" + stored;
            String mac = new MacSigner(secret).sign(Dialect.V, path, size, null);
            assertThat(putUrl.toString()).as("PUT URL = GET URL + ?v=<HMAC over the decoded path>")
                    .isEqualTo(get + "?v=" + mac);
            return path;
        }

        /** ejabberd's replace_special_chars: re "[^\p{Xan}_.-]" -> "_" over code points. */
        static String sanitize(String name) {
            return name.replaceAll("[^\\p{L}\\p{N}_.-]", "_");
        }
    }

    /** Percent-encodes UTF-8 bytes outside [A-Za-z0-9._-] (and "~" for Prosody). */
    static String encode(String s, boolean upperHex) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            boolean plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '-' || (!upperHex && c == '~');
            if (plain) {
                out.append((char) c);
            } else {
                String hex = String.format("%%%02x", c);
                out.append(upperHex ? hex.toUpperCase(Locale.ROOT) : hex);
            }
        }
        return out.toString();
    }

    static String sha1Hex(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is part of every JDK", e);
        }
    }
}
