package org.prosodyfiler.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.prosodyfiler.protocol.Dialect;
import org.prosodyfiler.protocol.JwtVerifier;
import org.prosodyfiler.protocol.MacSigner;
import org.prosodyfiler.protocol.PathDecoder;
import org.prosodyfiler.protocol.StorePath;
import org.prosodyfiler.protocol.UploadAuthorizer;
import org.prosodyfiler.protocol.UploadRequest;

/**
 * Prosody mod_http_file_share tokens: UploadAuthorizer with {@code Authorization: Bearer <jwt>}.
 * The harness either passes a raw fuzzed token or builds one from a fuzzed header and claims and
 * signs it (with the secret, the previous secret or a wrong one), so the checks after the
 * signature are reachable. Checked: nothing throws; a grant needs an HS256 header and a
 * signature that is the HMAC of the token's first two parts under a configured secret, an
 * unexpired exp (and expires, if any), the URL's slot and file name and the Content-Length as
 * filesize; a correctly signed token for the request is always granted; refusals never leak the
 * secret.
 *
 * <p>Input fields: 0 options (s sign with the secret, o with the previous one, w with a wrong
 * one; otherwise field 3 is the raw token), 1 raw path, 2 Content-Length, 3 header JSON (or the
 * raw token), 4 claims JSON with placeholders {slot} {filename} {size} {now}, 5 the
 * Authorization value before the token, 6 Content-Type.
 */
class JwtFuzzTest {
    static final long NOW = 1_700_000_000L;
    static final String DEFAULT_HEADER = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
    static final String DEFAULT_CLAIMS = "{\"sub\":\"romeo@example.org\",\"iat\":{now},\"exp\":" + (NOW + 300)
            + ",\"slot\":\"{slot}\",\"expires\":" + (NOW + 7 * 86400)
            + ",\"filename\":\"{filename}\",\"filesize\":{size},\"filetype\":\"image/jpeg\"}";

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{(slot|filename|size|now)}");

    private final UploadAuthorizer authz;

    JwtFuzzTest() {
        List<MacSigner> signers = List.of(new MacSigner(MacFuzzTest.SECRET), new MacSigner(MacFuzzTest.PREVIOUS));
        authz = new UploadAuthorizer(signers, EnumSet.allOf(Dialect.class), 0,
                Optional.of(new JwtVerifier(signers, Clock.fixed(Instant.ofEpochSecond(NOW), ZoneOffset.UTC))));
    }

    // Tokens the mutator splices in: syntax, names and boundary values of this format.
    @FuzzTest
    @DictionaryEntries({
            "\"exp\":", "\"expires\":", "\"filesize\":", "\"slot\":", "\"filename\":", "\"filetype\":",
            "\"sub\":", "\"iat\":", "{slot}", "{filename}", "{size}", "{now}", "\"alg\":\"HS256\"", "\"alg\":\"none\"",
            "9223372036854775807", "-9223372036854775808", "1e300", "-1", "0.5", "null", "true", "[]", "{}", "Bearer "})
    void grantsOnlyCorrectlySignedTokens(byte[] data) {
        Fields f = Fields.http(data);
        if (!(PathDecoder.decode(f.get(1, "")) instanceof PathDecoder.Ok ok)) {
            return;
        }
        StorePath path = ok.path();
        Optional<String> length = f.get(2);
        Optional<String> type = f.get(6);
        boolean signs = f.option('s') || f.option('o') || f.option('w');
        String token = signs ? signed(f, path, length.orElse("0")) : f.get(3, "");
        String authorization = f.get(5, "Bearer ") + token;

        UploadRequest req = new UploadRequest(path, Map.of(), length.map(List::of).orElse(List.of()), false,
                type, Optional.of(authorization));
        UploadAuthorizer.Verdict v = authz.authorize(req);

        if (v instanceof UploadAuthorizer.Granted g) {
            assertSignedFor(authorization, path, length.orElseThrow());
            assertThat(g.grant().dialect()).isEqualTo(Dialect.JWT);
            assertThat(g.grant().path()).isEqualTo(path);
            assertThat(g.grant().size()).isEqualTo(Long.parseLong(length.orElseThrow()));
        } else {
            var r = ((UploadAuthorizer.Refused) v).rejection();
            // A canonical number: the default claims embed it as a JSON number.
            boolean wellFormed = length.isPresent() && length.get().matches("0|[1-9][0-9]{0,17}")
                    && type.map(t -> t.length() <= 255).orElse(true);
            boolean deserved = (f.option('s') || f.option('o')) && !f.option('w') && f.get(3).isEmpty()
                    && f.get(4).isEmpty() && f.get(5).isEmpty() && wellFormed;
            assertThat(deserved).as("refused a correctly signed token with %s", r).isFalse();
            assertThat(r.status()).isIn(400, 401, 403, 410, 411, 413);
            String input = new String(data, StandardCharsets.ISO_8859_1);
            for (String secret : List.of(MacFuzzTest.SECRET, MacFuzzTest.PREVIOUS)) {
                if (!input.contains(secret)) {
                    assertThat(r.message() + r.logDetail()).doesNotContain(secret);
                }
            }
        }
    }

    /** The oracle for a grant: checked with our own HMAC over the token exactly as sent. */
    private static void assertSignedFor(String authorization, StorePath path, String length) {
        assertThat(authorization.regionMatches(true, 0, "Bearer ", 0, 7)).isTrue();
        String token = authorization.substring(7).trim();
        String[] parts = token.split("\\.", -1);
        assertThat(parts).as("compact JWS has three parts").hasSize(3);
        byte[] signingInput = (parts[0] + "." + parts[1]).getBytes(StandardCharsets.UTF_8);
        byte[] signature = new Base64URL(parts[2]).decode();
        boolean valid = Arrays.equals(signature, Hmac.sha256(MacFuzzTest.SECRET, signingInput))
                || Arrays.equals(signature, Hmac.sha256(MacFuzzTest.PREVIOUS, signingInput));
        assertThat(valid).as("granted a token whose signature is not ours: %s", token).isTrue();
        try {
            assertThat(JWSHeader.parse(new Base64URL(parts[0])).getAlgorithm()).isEqualTo(JWSAlgorithm.HS256);
            JWTClaimsSet claims = JWTClaimsSet.parse(new Base64URL(parts[1]).decodeToString());
            assertThat(claims.getExpirationTime()).isNotNull();
            assertThat(claims.getExpirationTime().getTime() / 1000).isGreaterThanOrEqualTo(NOW);
            assertThat(claims.getClaim("slot")).isEqualTo(path.firstSegment());
            List<String> segments = path.segments();
            assertThat(claims.getClaim("filename")).isEqualTo(String.join("/", segments.subList(1, segments.size())));
            if (claims.getClaim("expires") instanceof Number expires) {
                assertThat(expires.longValue()).as("the file's own expiry").isGreaterThan(NOW);
            }
            assertThat(claims.getClaim("filesize")).isInstanceOf(Number.class);
            assertThat(((Number) claims.getClaim("filesize")).longValue()).isEqualTo(Long.parseLong(length));
        } catch (java.text.ParseException e) {
            throw new AssertionError("granted a token whose header or claims do not parse: " + token, e);
        }
    }

    private static String signed(Fields f, StorePath path, String length) {
        List<String> rest = path.segments().subList(1, path.segments().size());
        Map<String, String> values = Map.of("slot", json(path.firstSegment()), "filename", json(String.join("/", rest)),
                "size", length, "now", Long.toString(NOW));
        // One pass, so that a path containing "{size}" is not substituted again.
        String claims = PLACEHOLDER.matcher(f.get(4, DEFAULT_CLAIMS))
                .replaceAll(m -> Matcher.quoteReplacement(values.get(m.group(1))));
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String input = b64.encodeToString(f.get(3, DEFAULT_HEADER).getBytes(StandardCharsets.UTF_8))
                + "." + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
        String secret = f.option('w') ? "wrong-secret" : f.option('o') ? MacFuzzTest.PREVIOUS : MacFuzzTest.SECRET;
        return input + "." + b64.encodeToString(Hmac.sha256(secret, input.getBytes(StandardCharsets.US_ASCII)));
    }

    /** JSON string content (without quotes). */
    private static String json(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }
}
