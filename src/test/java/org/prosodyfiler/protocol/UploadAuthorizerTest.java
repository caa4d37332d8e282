package org.prosodyfiler.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class UploadAuthorizerTest {
    private static final MacSigner SIGNER = new MacSigner("mysecret");
    private static final StorePath PATH = ((PathDecoder.Ok) PathDecoder.decode("abc/cat%20metal.jpg")).path();
    private final UploadAuthorizer all = new UploadAuthorizer(List.of(SIGNER), EnumSet.allOf(Dialect.class), 0,
            Optional.of(new JwtVerifier(List.of(SIGNER), Clock.fixed(Instant.ofEpochSecond(1_000_000), ZoneOffset.UTC))));

    private static UploadRequest put(Map<String, List<String>> query, String length, String contentType) {
        return new UploadRequest(PATH, query, length == null ? List.of() : List.of(length), false,
                Optional.ofNullable(contentType), Optional.empty());
    }

    private static Map<String, List<String>> q(String k, String v) {
        return Map.of(k, List.of(v));
    }

    private static int status(UploadAuthorizer.Verdict v) {
        return v instanceof UploadAuthorizer.Refused r ? r.rejection().status() : 201;
    }

    @Test
    void v1OverTheDecodedPath() {
        String mac = SIGNER.sign(Dialect.V, "abc/cat metal.jpg", 10, null);
        UploadAuthorizer.Verdict v = all.authorize(put(q("v", mac), "10", "image/jpeg"));
        assertThat(v).isInstanceOf(UploadAuthorizer.Granted.class);
        UploadGrant g = ((UploadAuthorizer.Granted) v).grant();
        assertThat(g.size()).isEqualTo(10);
        assertThat(g.contentType()).contains("image/jpeg");
        assertThat(g.dialect()).isEqualTo(Dialect.V);
    }

    @Test
    void sizeIsPartOfTheMac() {
        String mac = SIGNER.sign(Dialect.V, "abc/cat metal.jpg", 10, null);
        assertThat(status(all.authorize(put(q("v", mac), "11", null)))).isEqualTo(403);
    }

    @Test
    void v2SignsThePutContentTypeNotTheExtension() {
        String signedOctet = SIGNER.sign(Dialect.V2, "abc/cat metal.jpg", 10, "application/octet-stream");
        // Monal sends OMEMO files as application/octet-stream whatever the extension.
        assertThat(status(all.authorize(put(q("v2", signedOctet), "10", "application/octet-stream")))).isEqualTo(201);
        assertThat(status(all.authorize(put(q("v2", signedOctet), "10", "image/jpeg")))).isEqualTo(403);
        // No header at all: Prosody signed application/octet-stream.
        assertThat(status(all.authorize(put(q("v2", signedOctet), "10", null)))).isEqualTo(201);
        String signedText = SIGNER.sign(Dialect.V2, "abc/cat metal.jpg", 10, "text/plain");
        assertThat(status(all.authorize(put(q("v2", signedText), "10", "text/plain")))).isEqualTo(201);
        assertThat(status(all.authorize(put(q("v2", signedText), "10", "text/plain; charset=utf-8")))).isEqualTo(403);
    }

    @Test
    void movimEmptyContentTypeWithoutHeaderIsAccepted() {
        String signedEmpty = SIGNER.sign(Dialect.V2, "abc/cat metal.jpg", 10, "");
        assertThat(status(all.authorize(put(q("v2", signedEmpty), "10", null)))).isEqualTo(201);
    }

    @Test
    void metronomeTokenIsV2UnderAnotherName() {
        String mac = SIGNER.sign(Dialect.TOKEN, "abc/cat metal.jpg", 10, "image/jpeg");
        assertThat(status(all.authorize(put(q("token", mac), "10", "image/jpeg")))).isEqualTo(201);
    }

    @Test
    void highestVersionWinsEvenIfWrong() {
        String goodV1 = SIGNER.sign(Dialect.V, "abc/cat metal.jpg", 10, null);
        Map<String, List<String>> both = Map.of("v", List.of(goodV1), "v2", List.of("00".repeat(32)));
        assertThat(status(all.authorize(put(both, "10", null)))).isEqualTo(403);
        String goodV2 = SIGNER.sign(Dialect.V2, "abc/cat metal.jpg", 10, "image/png");
        Map<String, List<String>> both2 = Map.of("v", List.of("00".repeat(32)), "v2", List.of(goodV2));
        assertThat(status(all.authorize(put(both2, "10", "image/png")))).isEqualTo(201);
    }

    @Test
    void missingTokenLengthAndLimits() {
        UploadAuthorizer hmacOnly = new UploadAuthorizer(List.of(SIGNER), EnumSet.of(Dialect.V, Dialect.V2), 100, Optional.empty());
        assertThat(status(hmacOnly.authorize(put(Map.of(), "10", null)))).isEqualTo(403);
        assertThat(status(all.authorize(put(Map.of(), "10", null)))).isEqualTo(401); // JWT enabled: ask for Bearer
        String mac = SIGNER.sign(Dialect.V, "abc/cat metal.jpg", 10, null);
        assertThat(status(hmacOnly.authorize(put(q("v", mac), null, null)))).isEqualTo(411);
        assertThat(status(hmacOnly.authorize(new UploadRequest(PATH, q("v", mac), List.of(), true, Optional.empty(), Optional.empty())))).isEqualTo(411);
        assertThat(status(hmacOnly.authorize(put(q("v", mac), "-1", null)))).isEqualTo(400);
        assertThat(status(hmacOnly.authorize(put(q("v", mac), "1e3", null)))).isEqualTo(400);
        assertThat(status(hmacOnly.authorize(new UploadRequest(PATH, q("v", mac), List.of("10", "10"), false, Optional.empty(), Optional.empty())))).isEqualTo(400);
        String big = SIGNER.sign(Dialect.V, "abc/cat metal.jpg", 101, null);
        assertThat(status(hmacOnly.authorize(put(q("v", big), "101", null)))).isEqualTo(413);
        String tokenMac = SIGNER.sign(Dialect.TOKEN, "abc/cat metal.jpg", 10, "application/octet-stream");
        assertThat(status(hmacOnly.authorize(put(q("token", tokenMac), "10", null)))).isEqualTo(403); // dialect off
        assertThat(status(hmacOnly.authorize(put(q("v", mac), "10", "x/" + "y".repeat(300))))).isEqualTo(400);
    }

    @Test
    void tooLargeOnlyAfterAValidToken() {
        UploadAuthorizer limited = new UploadAuthorizer(List.of(SIGNER), EnumSet.of(Dialect.V), 5, Optional.empty());
        assertThat(status(limited.authorize(put(q("v", "00".repeat(32)), "10", null)))).isEqualTo(403);
    }

    @Test
    void previousSecretStillAcceptedDuringRotation() {
        MacSigner old = new MacSigner("old-secret");
        UploadAuthorizer rotating = new UploadAuthorizer(List.of(SIGNER, old), EnumSet.of(Dialect.V), 0, Optional.empty());
        String oldMac = old.sign(Dialect.V, "abc/cat metal.jpg", 10, null);
        assertThat(status(rotating.authorize(put(q("v", oldMac), "10", null)))).isEqualTo(201);
        assertThat(status(all.authorize(put(q("v", oldMac), "10", null)))).isEqualTo(403);
    }

    @Test
    void mismatchLogSaysWhatWasSignedAndGuessesTheMistake() {
        String overEncoded = SIGNER.sign(Dialect.V, "abc/cat%20metal.jpg", 10, null);
        UploadAuthorizer.Refused r = (UploadAuthorizer.Refused) all.authorize(put(q("v", overEncoded), "10", null));
        assertThat(r.rejection().logDetail()).contains("\"abc/cat metal.jpg 10\"").contains("percent-encoded").doesNotContain("mysecret");
        String withoutFirst = SIGNER.sign(Dialect.V, "cat metal.jpg", 10, null);
        r = (UploadAuthorizer.Refused) all.authorize(put(q("v", withoutFirst), "10", null));
        assertThat(r.rejection().logDetail()).contains("without its first segment");
        String octet = SIGNER.sign(Dialect.V2, "abc/cat metal.jpg", 10, "application/octet-stream");
        r = (UploadAuthorizer.Refused) all.authorize(put(q("v2", octet), "10", "image/jpeg"));
        assertThat(r.rejection().logDetail()).contains("signed for Content-Type \"application/octet-stream\"").contains("\\0");
    }

    @Test
    void ejabberdUserDirBecomesTheOwner() {
        StorePath p = ((PathDecoder.Ok) PathDecoder.decode("2ed681f17049ef21eba6d9ffe6a7c5eaf5193572/Xq3ZkP0aLm9sT2vW8yB1cD4eF6gH7iJ5kL0mN2oP/my_cat.jpg")).path();
        assertThat(UploadAuthorizer.ownerOf(p)).contains("2ed681f17049ef21eba6d9ffe6a7c5eaf5193572");
        assertThat(UploadAuthorizer.ownerOf(PATH)).isEmpty();
    }
}
