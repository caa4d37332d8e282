package org.prosodyfiler.it.xmpp;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.text.ParseException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A slot handed out by Prosody 0.12's mod_http_file_share in external mode, checked against what
 * the module's source says it sends: PUT URL = GET URL = base + "/" + slot id + "/" + file name,
 * one slot header "Authorization: Bearer &lt;JWT&gt;", and an HS256 JWT over the shared secret
 * with the claims slot, sub, iat, exp (iat + 300), filename, filesize, filetype and expires
 * (iat + http_file_share_expires_after). Checking this pins down the facts our JwtVerifier relies
 * on, independently of it: the signature is recomputed here with the JDK.
 *
 * @param url           the PUT URL (the GET URL is the same)
 * @param authorization the slot's Authorization header value, "Bearer &lt;JWT&gt;"
 * @param path          the decoded path below the base URL: "&lt;slot&gt;/&lt;file name&gt;"
 */
record FileShareSlot(URI url, String authorization, String path, Claims claims) {
    /** Prosody's token lifetime (get_authz: exp = now + 300). */
    static final long TOKEN_LIFETIME_SECONDS = 300;
    /** Slot ids come from mod_storage_internal's archive: util.id.medium(), 18 random bytes in base64url. */
    private static final Pattern LAYOUT = Pattern.compile("([A-Za-z0-9_-]{24})/([^/?]+)");
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder UNB64URL = Base64.getUrlDecoder();

    /** The JWT payload as mod_http_file_share's get_authz fills it. */
    record Claims(String slot, String sub, String filename, long filesize, String filetype,
                  long iat, long exp, OptionalLong expires) {
    }

    /** What the test expects of one slot. */
    record Expected(URI base, String secret, String bareJid, String name, long size, String contentType,
                    long expiresAfterSeconds, long notBefore, long notAfter) {
    }

    /** Asserts the slot's shape and token; returns it for the HTTP checks. */
    static FileShareSlot check(URL putUrl, URL getUrl, Map<String, String> headers, Expected e) {
        assertThat(putUrl.toString()).as("mod_http_file_share uses one URL for PUT and GET").isEqualTo(getUrl.toString());
        String base = e.base().toString().replaceAll("/+$", "");
        String url = getUrl.toString();
        assertThat(url).as("slot URL starts with http_file_share_base_url + '/'").startsWith(base + "/");
        Matcher m = LAYOUT.matcher(url.substring(base.length() + 1));
        assertThat(m.matches()).as("slot path <24-char slot id>/<file name> in %s", url).isTrue();
        String slotId = m.group(1);
        assertThat(m.group(2)).as("file name encoded like LuaSocket's url.build_path")
                .isEqualTo(protectSegment(e.name()));

        assertThat(headers).as("slot <header/> elements").containsOnlyKeys("Authorization");
        String authorization = headers.get("Authorization");
        assertThat(authorization).as("Authorization header").startsWith("Bearer ");
        String jwt = authorization.substring("Bearer ".length());
        String[] parts = jwt.split("\\.", -1);
        assertThat(parts).as("JWT %s has header.payload.signature", jwt).hasSize(3);
        Map<String, Object> header = json(parts[0]);
        assertThat(header).as("JWT header").containsEntry("alg", "HS256").containsEntry("typ", "JWT");
        assertThat(MessageDigest.isEqual(UNB64URL.decode(parts[2]), hmac(e.secret(), parts[0] + "." + parts[1])))
                .as("JWT signature = HMAC-SHA256(http_file_share_secret, header.payload)").isTrue();

        Claims claims = claims(json(parts[1]));
        assertThat(claims.slot()).as("slot claim = first path segment").isEqualTo(slotId);
        assertThat(claims.filename()).as("filename claim").isEqualTo(e.name());
        assertThat(claims.filesize()).as("filesize claim").isEqualTo(e.size());
        assertThat(claims.filetype()).as("filetype claim = declared content type").isEqualTo(e.contentType());
        assertThat(claims.sub()).as("sub claim = uploader's bare JID").isEqualTo(e.bareJid());
        assertThat(claims.iat()).as("iat claim (seconds, same clock)").isBetween(e.notBefore() - 1, e.notAfter() + 1);
        assertThat(claims.exp()).as("exp claim = iat + 300").isEqualTo(claims.iat() + TOKEN_LIFETIME_SECONDS);
        assertThat(claims.expires()).as("expires claim = iat + http_file_share_expires_after")
                .hasValue(claims.iat() + e.expiresAfterSeconds());
        try {
            return new FileShareSlot(getUrl.toURI(), authorization, slotId + "/" + e.name(), claims);
        } catch (URISyntaxException ex) {
            throw new AssertionError("slot URL is not a valid URI: " + url, ex);
        }
    }

    String token() {
        return authorization.substring("Bearer ".length());
    }

    /** The slot URL with its last segment (the file name) replaced, encoded as Prosody would. */
    URI withFileName(String name) {
        String s = url.toString();
        return URI.create(s.substring(0, s.lastIndexOf('/') + 1) + protectSegment(name));
    }

    /** The slot URL with another slot id in place of this one. */
    URI withSlot(String otherSlot) {
        return URI.create(url.toString().replace("/" + claims.slot() + "/", "/" + otherSlot + "/"));
    }

    /**
     * This token with one claim changed but the original signature kept: what an uploader who
     * edits the token to reach another slot or send a bigger file would present.
     */
    String tamperedToken(String claim, Object value) {
        String[] parts = token().split("\\.");
        Map<String, Object> payload = new LinkedHashMap<>(json(parts[1]));
        payload.put(claim, value);
        return parts[0] + "." + b64url(JSONObjectUtils.toJSONString(payload)) + "." + parts[2];
    }

    /** The same claims, correctly signed, but with another secret (wrong or stale server config). */
    String tokenSignedWith(String otherSecret) {
        String[] parts = token().split("\\.");
        String signingInput = parts[0] + "." + parts[1];
        return signingInput + "." + B64URL.encodeToString(hmac(otherSecret, signingInput));
    }

    /**
     * LuaSocket 3's url.build_path (which get_url uses): keeps [A-Za-z0-9_] and
     * "-_.!~*'():@&amp;=+$," and percent-encodes every other byte of the UTF-8 name, UPPERCASE hex.
     */
    static String protectSegment(String s) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            boolean plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "-_.!~*'():@&=+$,".indexOf(c) >= 0;
            if (plain) {
                out.append((char) c);
            } else {
                out.append(String.format("%%%02X", c));
            }
        }
        return out.toString();
    }

    private static Claims claims(Map<String, Object> c) {
        return new Claims(string(c, "slot"), string(c, "sub"), string(c, "filename"), number(c, "filesize"),
                string(c, "filetype"), number(c, "iat"), number(c, "exp"),
                c.get("expires") instanceof Number n ? OptionalLong.of(n.longValue()) : OptionalLong.empty());
    }

    private static String string(Map<String, Object> claims, String name) {
        assertThat(claims.get(name)).as("JWT claim %s in %s", name, claims).isInstanceOf(String.class);
        return (String) claims.get(name);
    }

    private static long number(Map<String, Object> claims, String name) {
        assertThat(claims.get(name)).as("JWT claim %s in %s", name, claims).isInstanceOf(Number.class);
        Number n = (Number) claims.get(name);
        assertThat(n.doubleValue()).as("JWT claim %s is a whole number", name).isEqualTo(Math.rint(n.doubleValue()));
        return n.longValue();
    }

    private static Map<String, Object> json(String b64url) {
        String text = new String(UNB64URL.decode(b64url), StandardCharsets.UTF_8);
        try {
            return JSONObjectUtils.parse(text);
        } catch (ParseException e) {
            throw new AssertionError("JWT part is not a JSON object: " + text, e);
        }
    }

    private static String b64url(String text) {
        return B64URL.encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] hmac(String secret, String signingInput) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
