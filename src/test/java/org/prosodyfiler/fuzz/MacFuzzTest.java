package org.prosodyfiler.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.prosodyfiler.protocol.Dialect;
import org.prosodyfiler.protocol.MacSigner;
import org.prosodyfiler.protocol.PathDecoder;
import org.prosodyfiler.protocol.StorePath;
import org.prosodyfiler.protocol.UploadAuthorizer;
import org.prosodyfiler.protocol.UploadRequest;

/**
 * UploadAuthorizer.authorize for the HMAC dialects (v, v2, token) and MacSigner.verify, with a
 * fixed secret. The harness can put a correct MAC into the query (placeholder {mac}) computed
 * over fields the fuzzer chooses, so grants are reachable ({rawmac}: the MAC of field 1 as is,
 * for MacSigner.verify); an independent oracle then says whether the request deserved one.
 * Checked: nothing throws; a grant happens exactly when the
 * highest token present is a valid MAC over the decoded path, the Content-Length and the
 * Content-Type (protocol.md §1) under an enabled dialect and within the size limit; a refusal
 * never leaks the secret.
 *
 * <p>Input fields (see {@link Fields}): 0 options, 1 raw path, 2 raw query, 3 Content-Length
 * values (comma-separated), 4 Content-Type, 5 signed path, 6 signed size, 7 signed type,
 * 8 signed dialect formula (v, v2 or token). Options: c chunked, o sign with the previous
 * secret, w sign with a wrong secret, U upper-case hex, 1 only dialect v enabled.
 */
class MacFuzzTest {
    static final String SECRET = "fuzz-secret-7Qm";
    static final String PREVIOUS = "previous-secret-K2x";
    static final long MAX_UPLOAD = 1L << 40;
    private static final List<Dialect> PRECEDENCE = List.of(Dialect.V2, Dialect.TOKEN, Dialect.V);

    private final UploadAuthorizer all = authorizer(EnumSet.of(Dialect.V, Dialect.V2, Dialect.TOKEN));
    private final UploadAuthorizer onlyV = authorizer(EnumSet.of(Dialect.V));

    private static UploadAuthorizer authorizer(Set<Dialect> dialects) {
        return new UploadAuthorizer(List.of(new MacSigner(SECRET), new MacSigner(PREVIOUS)), dialects, MAX_UPLOAD, Optional.empty());
    }

    // Tokens the mutator splices in: syntax, names and boundary values of this format.
    @FuzzTest
    @DictionaryEntries({
            "v=", "v2=", "token=", "{mac}", "{rawmac}", "&", "%2F", "%00", "%zz", "+",
            "application/octet-stream", "image/jpeg", "9223372036854775807", "1099511627776", "0", ","})
    void grantsExactlyTheValidMacs(byte[] data) {
        Fields f = Fields.http(data);
        if (!(PathDecoder.decode(f.get(1, "")) instanceof PathDecoder.Ok ok)) {
            return; // the server answers 400 before authorizing
        }
        StorePath path = ok.path();
        List<String> lengths = f.get(3).map(s -> Arrays.asList(s.split(",", -1))).orElse(List.of());
        Optional<String> type = f.get(4);
        boolean chunked = f.option('c');

        String query = f.get(2, "").replace("{mac}", harnessMac(f, path, lengths, type))
                .replace("{rawmac}", Hmac.hex(SECRET, f.get(1, "")));
        Map<String, List<String>> params;
        try {
            params = new QueryStringDecoder("/x?" + query).parameters();
        } catch (IllegalArgumentException malformedEscape) {
            return; // not a request the authorizer can see (see docs/hardening.md)
        }
        UploadRequest req = new UploadRequest(path, params, lengths, chunked, type, Optional.empty());
        boolean onlyDialectV = f.option('1');
        UploadAuthorizer.Verdict v = (onlyDialectV ? onlyV : all).authorize(req);

        boolean deserved = deservesGrant(path, params, lengths, chunked, type, onlyDialectV);
        if (v instanceof UploadAuthorizer.Granted g) {
            assertThat(deserved).as("granted without a valid MAC: %s", req).isTrue();
            assertThat(g.grant().path()).isEqualTo(path);
            assertThat(g.grant().size()).isEqualTo(Long.parseLong(lengths.get(0)));
            assertThat(g.grant().contentType()).isEqualTo(type);
            assertThat(g.grant().dialect()).isEqualTo(highest(params).orElseThrow());
            assertThat(g.grant().expires()).isEmpty();
        } else {
            var r = ((UploadAuthorizer.Refused) v).rejection();
            assertThat(deserved).as("refused a valid MAC with %s: %s", r, req).isFalse();
            assertThat(r.status()).isIn(400, 403, 411, 413);
            assertThat(r.message()).isNotBlank();
            // The detail echoes the signed fields escaped for the log, where an escape can run into
            // the next character ("f" DEL "uzz-secret-7Qm" reads f\x7fuzz-secret-7Qm): the
            // secret must not appear unless what the client sent already shows it.
            String input = new String(data, StandardCharsets.ISO_8859_1);
            String echoed = MacSigner.printable(path.value()) + MacSigner.printable(type.orElse("")) + MacSigner.printable(query);
            for (String secret : List.of(SECRET, PREVIOUS)) {
                if (!input.contains(secret) && !echoed.contains(secret)) {
                    assertThat(r.message() + r.logDetail()).doesNotContain(secret);
                }
            }
        }
        checkVerifyDirectly(f.get(1, ""), params);
    }

    /** MacSigner.verify on arbitrary message/token pairs agrees with the oracle's HMAC. */
    private static void checkVerifyDirectly(String message, Map<String, List<String>> params) {
        MacSigner signer = new MacSigner(SECRET);
        for (List<String> values : params.values()) {
            for (String token : values) {
                boolean expected = Hmac.parseHexToken(token)
                        .map(b -> Arrays.equals(b, Hmac.sha256(SECRET, message))).orElse(false);
                assertThat(signer.verify(message, token)).isEqualTo(expected);
                byte[] raw = token.getBytes(StandardCharsets.ISO_8859_1);
                assertThat(signer.verifyRaw(message.getBytes(StandardCharsets.UTF_8), raw))
                        .isEqualTo(Arrays.equals(raw, Hmac.sha256(SECRET, message)));
            }
        }
    }

    /** The MAC that replaces {mac}: over fields 5-8 when given, else over what the request carries. */
    private static String harnessMac(Fields f, StorePath path, List<String> lengths, Optional<String> type) {
        String formula = f.get(8, "v");
        String signedPath = f.get(5, path.value());
        String signedSize = f.get(6, lengths.isEmpty() ? "0" : lengths.get(0));
        String signedType = f.get(7, type.orElse(MacSigner.DEFAULT_CONTENT_TYPE));
        String message = formula.equals("v") ? signedPath + " " + signedSize : signedPath + "\0" + signedSize + "\0" + signedType;
        String secret = f.option('w') ? "wrong-secret" : f.option('o') ? PREVIOUS : SECRET;
        String mac = Hmac.hex(secret, message);
        return f.option('U') ? mac.toUpperCase(Locale.ROOT) : mac;
    }

    private static Optional<Dialect> highest(Map<String, List<String>> params) {
        return PRECEDENCE.stream().filter(d -> params.containsKey(d.param()) && !params.get(d.param()).isEmpty()).findFirst();
    }

    /** The oracle, written from docs/protocol.md §1 rather than from UploadAuthorizer. */
    private static boolean deservesGrant(StorePath path, Map<String, List<String>> params, List<String> lengths,
                                         boolean chunked, Optional<String> type, boolean onlyDialectV) {
        if (chunked || lengths.size() != 1 || !lengths.get(0).matches("[0-9]{1,18}")) {
            return false;
        }
        if (type.isPresent() && type.get().length() > 255) {
            return false;
        }
        long size = Long.parseLong(lengths.get(0));
        Optional<Dialect> d = highest(params);
        if (d.isEmpty() || (onlyDialectV && d.get() != Dialect.V) || size > MAX_UPLOAD) {
            return false;
        }
        Optional<byte[]> token = Hmac.parseHexToken(params.get(d.get().param()).get(0));
        if (token.isEmpty()) {
            return false;
        }
        String p = path.value();
        List<String> messages = d.get() == Dialect.V
                ? List.of(p + " " + size)
                : type.isPresent()
                        ? List.of(p + "\0" + size + "\0" + type.get())
                        // No header: Prosody signed application/octet-stream, Movim's content-type="" the empty string.
                        : List.of(p + "\0" + size + "\0" + MacSigner.DEFAULT_CONTENT_TYPE, p + "\0" + size + "\0");
        for (String secret : List.of(SECRET, PREVIOUS)) {
            for (String m : messages) {
                if (Arrays.equals(token.get(), Hmac.sha256(secret, m))) {
                    return true;
                }
            }
        }
        return false;
    }
}
