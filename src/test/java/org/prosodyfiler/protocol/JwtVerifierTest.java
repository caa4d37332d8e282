package org.prosodyfiler.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Mirrors the checks of Prosody 0.12's mod_http_file_share handle_upload, status by status. */
class JwtVerifierTest {
    private static final MacSigner SIGNER = new MacSigner("short"); // Prosody admins pick short secrets too
    private static final long NOW = 1_700_000_000L;
    private final UploadAuthorizer authz = new UploadAuthorizer(List.of(SIGNER), EnumSet.of(Dialect.JWT), 0,
            Optional.of(new JwtVerifier(List.of(SIGNER), Clock.fixed(Instant.ofEpochSecond(NOW), ZoneOffset.UTC))));

    private static final StorePath PATH = ((PathDecoder.Ok) PathDecoder.decode("slot123/my%20cat.jpg")).path();

    private static String claims(long exp, String slot, long size) {
        return "{\"sub\":\"romeo@example.org\",\"iat\":" + (NOW - 10) + ",\"exp\":" + exp + ",\"slot\":\"" + slot
                + "\",\"expires\":" + (NOW + 7 * 86400) + ",\"filename\":\"my cat.jpg\",\"filesize\":" + size
                + ",\"filetype\":\"image/jpeg\"}";
    }

    private UploadAuthorizer.Verdict put(String bearer, long size) {
        return put(bearer, size, null);
    }

    private UploadAuthorizer.Verdict put(String bearer, long size, String contentType) {
        return authz.authorize(new UploadRequest(PATH, Map.of(), List.of(String.valueOf(size)), false,
                Optional.ofNullable(contentType), Optional.ofNullable(bearer)));
    }

    @Test
    void theSignedFiletypeIsRecordedNotThePutHeader() {
        String jwt = JwtVerifier.sign(SIGNER, claims(NOW + 300, "slot123", 42));
        UploadGrant g = ((UploadAuthorizer.Granted) put("Bearer " + jwt, 42, "text/html")).grant();
        assertThat(g.contentType()).contains("image/jpeg");
    }

    private static int status(UploadAuthorizer.Verdict v) {
        return v instanceof UploadAuthorizer.Refused r ? r.rejection().status() : 201;
    }

    @Test
    void validTokenGrantsWithOwnerExpiryAndType() {
        String jwt = JwtVerifier.sign(SIGNER, claims(NOW + 300, "slot123", 42));
        UploadAuthorizer.Verdict v = put("Bearer " + jwt, 42);
        assertThat(v).isInstanceOf(UploadAuthorizer.Granted.class);
        UploadGrant g = ((UploadAuthorizer.Granted) v).grant();
        assertThat(g.owner()).contains("romeo@example.org");
        assertThat(g.expires()).contains(Instant.ofEpochSecond(NOW + 7 * 86400));
        assertThat(g.contentType()).contains("image/jpeg"); // from filetype when the PUT has none
    }

    @Test
    void statusesAsProsody() {
        assertThat(status(put(null, 42))).isEqualTo(401);
        assertThat(status(put("Basic abc", 42))).isEqualTo(401);
        assertThat(status(put("Bearer not.a.jwt", 42))).isEqualTo(401);
        String wrongKey = JwtVerifier.sign(new MacSigner("other"), claims(NOW + 300, "slot123", 42));
        assertThat(status(put("Bearer " + wrongKey, 42))).isEqualTo(401);
        assertThat(status(put("Bearer " + JwtVerifier.sign(SIGNER, claims(NOW - 1, "slot123", 42)), 42))).isEqualTo(410);
        assertThat(status(put("Bearer " + JwtVerifier.sign(SIGNER, claims(NOW + 300, "otherslot", 42)), 42))).isEqualTo(400);
        assertThat(status(put("Bearer " + JwtVerifier.sign(SIGNER, claims(NOW + 300, "slot123", 42)), 43))).isEqualTo(413);
        assertThat(status(put("Bearer " + JwtVerifier.sign(SIGNER, "{\"slot\":\"slot123\",\"filesize\":42}"), 42))).isEqualTo(401);
        // no filename claim: the rest of the path is not covered, refuse
        assertThat(status(put("Bearer " + JwtVerifier.sign(SIGNER, "{\"exp\":" + (NOW + 300) + ",\"slot\":\"slot123\",\"filesize\":42}"), 42))).isEqualTo(400);
        // a fractional size is not a size
        String fractional = claims(NOW + 300, "slot123", 42).replace("\"filesize\":42", "\"filesize\":42.9");
        assertThat(status(put("Bearer " + JwtVerifier.sign(SIGNER, fractional), 42))).isEqualTo(413);
        // the file's own expiry already passed (expires_after shorter than the token lifetime, or a replay)
        String stale = claims(NOW + 300, "slot123", 42).replace("\"expires\":" + (NOW + 7 * 86400), "\"expires\":" + (NOW - 1));
        assertThat(status(put("Bearer " + JwtVerifier.sign(SIGNER, stale), 42))).isEqualTo(410);
    }

    @Test
    void algNoneAndOtherAlgorithmsAreRejected() {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String body = b64.encodeToString(claims(NOW + 300, "slot123", 42).getBytes(StandardCharsets.UTF_8));
        String none = b64.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "." + body + ".";
        assertThat(status(put("Bearer " + none, 42))).isEqualTo(401);
        // HS512 header with a valid HS256 MAC over it: still refused, the header decides nothing for us.
        String hs512Input = b64.encodeToString("{\"alg\":\"HS512\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "." + body;
        String hs512 = hs512Input + "." + b64.encodeToString(SIGNER.rawMac(hs512Input.getBytes(StandardCharsets.US_ASCII)));
        assertThat(status(put("Bearer " + hs512, 42))).isEqualTo(401);
    }

    @Test
    void prosodyUtilJwtCompatibleSignature() {
        // Prosody's util.jwt: static header {"alg":"HS256","typ":"JWT"}, base64url without padding.
        String jwt = JwtVerifier.sign(SIGNER, "{\"a\":1}");
        assertThat(jwt).startsWith("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhIjoxfQ.");
        assertThat(jwt).doesNotContain("=");
    }
}
