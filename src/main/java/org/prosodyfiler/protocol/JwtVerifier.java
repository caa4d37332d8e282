package org.prosodyfiler.protocol;

import static org.prosodyfiler.protocol.Rejection.Reason.BAD_TOKEN;
import static org.prosodyfiler.protocol.Rejection.Reason.EXPIRED_TOKEN;
import static org.prosodyfiler.protocol.Rejection.Reason.SIZE_MISMATCH;
import static org.prosodyfiler.protocol.Rejection.Reason.SLOT_MISMATCH;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Prosody's mod_http_file_share external mode: the PUT carries
 * {@code Authorization: Bearer <HS256 JWT>} with claims slot, iat, exp, sub, filename, filesize,
 * filetype, expires. Checked in the same order and with the same statuses as the module's own
 * handle_upload: 401 bad token, 410 expired, 400 slot mismatch, 413 size mismatch.
 *
 * <p>Nimbus parses the token; the HMAC itself is checked here with the JDK because Nimbus'
 * MACVerifier refuses secrets shorter than 256 bits, and Prosody admins choose their own.
 */
public final class JwtVerifier {
    /** Year 9999: larger "expires" values are nonsense (and would overflow Instant arithmetic). */
    private static final long MAX_EPOCH_SECOND = 253_402_300_799L;

    private final List<MacSigner> signers;
    private final Clock clock;

    public JwtVerifier(List<MacSigner> signers, Clock clock) {
        this.signers = List.copyOf(signers);
        this.clock = clock;
    }

    public UploadAuthorizer.Verdict verify(String token, StorePath path, long size, Optional<String> contentType) {
        SignedJWT jwt;
        JWTClaimsSet claims;
        try {
            jwt = SignedJWT.parse(token);
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException | RuntimeException e) {
            return unauthorized("malformed JWT");
        }
        if (!JWSAlgorithm.HS256.equals(jwt.getHeader().getAlgorithm())) {
            return unauthorized("JWT algorithm " + jwt.getHeader().getAlgorithm() + " is not HS256");
        }
        byte[] input = jwt.getSigningInput();
        byte[] signature = jwt.getSignature().decode();
        boolean ok = false;
        for (MacSigner s : signers) {
            ok |= s.verifyRaw(input, signature);
        }
        if (!ok) {
            return unauthorized("JWT signature mismatch (wrong secret?)");
        }
        Optional<Long> exp = number(claims, "exp");
        if (exp.isEmpty()) {
            return unauthorized("JWT without numeric exp");
        }
        if (exp.get() < clock.instant().getEpochSecond()) {
            return refused(410, EXPIRED_TOKEN, "upload token expired at " + Instant.ofEpochSecond(Math.max(exp.get(), Instant.MIN.getEpochSecond())));
        }
        Object slot = claims.getClaim("slot");
        if (!(slot instanceof String s) || !s.equals(path.firstSegment())) {
            return refused(400, SLOT_MISMATCH, "URL does not match the token's slot");
        }
        // Prosody always signs the file name; without it any path below the slot would do.
        Object filename = claims.getClaim("filename");
        String rest = String.join("/", path.segments().subList(1, path.segments().size()));
        if (!(filename instanceof String f) || !f.equals(rest)) {
            return refused(400, SLOT_MISMATCH, "URL file name does not match the token's filename");
        }
        Optional<Long> filesize = number(claims, "filesize");
        if (filesize.isEmpty() || filesize.get() != size) {
            return refused(413, SIZE_MISMATCH, "Content-Length " + size + " differs from the slot size " + filesize.map(String::valueOf).orElse("(none)"));
        }
        // The signed type wins over the PUT header: Prosody checks http_file_share_allowed_file_types
        // against it, and a client must not swap in text/html afterwards.
        Optional<String> recordedType = Optional.ofNullable(claims.getClaim("filetype")).map(Object::toString).or(() -> contentType);
        Optional<Long> expiresClaim = number(claims, "expires");
        boolean expiresGiven = claims.getClaim("expires") != null;
        if (expiresGiven && (expiresClaim.isEmpty() || expiresClaim.get() < 0 || expiresClaim.get() > MAX_EPOCH_SECOND)) {
            return unauthorized("JWT expires claim is not a whole number of seconds in range");
        }
        Optional<Instant> expires = expiresClaim.map(Instant::ofEpochSecond);
        if (expires.isPresent() && !expires.get().isAfter(clock.instant())) {
            return refused(410, EXPIRED_TOKEN, "the file this token is for expired at " + expires.get());
        }
        Optional<String> owner = Optional.ofNullable(claims.getClaim("sub")).map(Object::toString);
        return new UploadAuthorizer.Granted(new UploadGrant(path, size, recordedType, Dialect.JWT, expires, owner));
    }

    /** Prosody's own signing, for tests and the `sign` command: {"alg":"HS256","typ":"JWT"}. */
    public static String sign(MacSigner signer, String claimsJson) {
        java.util.Base64.Encoder b64 = java.util.Base64.getUrlEncoder().withoutPadding();
        String signingInput = b64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8))
                + "." + b64.encodeToString(claimsJson.getBytes(StandardCharsets.UTF_8));
        return signingInput + "." + b64.encodeToString(signer.rawMac(signingInput.getBytes(StandardCharsets.US_ASCII)));
    }

    private static Optional<Long> number(JWTClaimsSet claims, String name) {
        Object v = claims.getClaim(name);
        if (v instanceof Long || v instanceof Integer) { // 5.9 bytes or seconds is no valid claim
            return Optional.of(((Number) v).longValue());
        }
        if (v instanceof java.util.Date d) { // Nimbus turns the registered exp/iat claims into Dates
            return Optional.of(d.getTime() / 1000);
        }
        return Optional.empty();
    }

    private static UploadAuthorizer.Verdict unauthorized(String why) {
        return new UploadAuthorizer.Refused(Rejection.of(401, BAD_TOKEN, "invalid upload token").withLogDetail(why));
    }

    private static UploadAuthorizer.Verdict refused(int status, Rejection.Reason reason, String message) {
        return new UploadAuthorizer.Refused(Rejection.of(status, reason, message));
    }
}
