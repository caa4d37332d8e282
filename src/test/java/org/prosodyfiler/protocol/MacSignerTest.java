package org.prosodyfiler.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The test vectors of docs/protocol.md §6, computed by Prosody, ejabberd and openssl. */
class MacSignerTest {
    private final MacSigner signer = new MacSigner("mysecret");

    @Test
    void goOriginalVectors() {
        assertThat(signer.sign(Dialect.V, "thomas/abc/catmetal.jpg", 23026, null))
                .isEqualTo("7b8879e2d1c733b423a70cde30cecc3a3c64a03f790d1b5bcbb2a6aca52b477e");
        assertThat(signer.sign(Dialect.V2, "thomas/abc/catmetal.jpg", 23026, "image/jpeg"))
                .isEqualTo("7318cd44d4c40731e3b2ff869f553ab2326eae631868e7b8054db20d4aee1c06");
        assertThat(signer.sign(Dialect.TOKEN, "thomas/abc/catmetal.jpg", 23026, "image/jpeg"))
                .isEqualTo("7318cd44d4c40731e3b2ff869f553ab2326eae631868e7b8054db20d4aee1c06");
        assertThat(signer.sign(Dialect.V2, "thomas/abc/catmetal.jpg", 23026, "application/octet-stream"))
                .isEqualTo("4aacadcf964129c5017e2464955399941858180b630f636211421811b63d18ad");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "thomas/abc/cat metal.jpg | d38940f831a678f62666705eb0caf1f6a53e1fb20c83e67f9bfe935f7052b681 | image/jpeg | cee98ff9402265c564ea1220f82e87d0eec4687f0e4313666135d0831cdeb983 | e28b0dd14f2f69fd4d30b5eea5630ade39cd22f9195b1f85f75d58af5064815b",
        "thomas/abc/chat-été.jpg | 5d55e11f866fa13beb771e6766e7725b0c71e6f518169020c168771c5ac5e8a2 | image/jpeg | 6bd4bcfcb64268d7bde0bd011bdb2b469f65acaa227f21b35e45b363f21ee8e1 | 9a9484f6de9fb2ea0084077d80995ceb322c8f31243eabec10926ae9baaada28",
        "thomas/abc/100% metal.png | 02c1f8ac6fd6cb2ceab5de1d2873e563e0b3844335671aff8e6665550b77c304 | image/png | 8c0b696d5bab72043fe4cc5e4382c5504afddc39e2c24bc3aaa7cfc18f41a69e | 39d7012ff7acbe0896544678298096893fef27572ac0c6547123dbd65c321577",
    })
    void decodedPathVectors(String path, String v, String type, String v2, String v2Octet) {
        assertThat(signer.sign(Dialect.V, path, 23026, null)).isEqualTo(v);
        assertThat(signer.sign(Dialect.V2, path, 23026, type)).isEqualTo(v2);
        assertThat(signer.sign(Dialect.V2, path, 23026, "application/octet-stream")).isEqualTo(v2Octet);
    }

    @Test
    void macOverThePercentEncodedPathIsNotTheSame() {
        assertThat(signer.sign(Dialect.V, "thomas/abc/cat%20metal.jpg", 23026, null))
                .isEqualTo("950c96c4814ffcd6c7053a21188fd15046f45de523ac495e290de57e327998c5")
                .isNotEqualTo(signer.sign(Dialect.V, "thomas/abc/cat metal.jpg", 23026, null));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "catmetal.jpg | 21fe422d353a32e3eafbc18634e5ced49fe6962e4eed977e1a64a1eb0099b30f | fdc46f0b43e0f2e82e7523789144951c62053321545df0fdf306deaeb86daa87 | image/jpeg",
        "my cat.jpg | 88b0fbe3b2901d42fc530d61df74facf12c80d89cf9d92cefafa0b0f94767f0e | 453b99fe17b4cb028fdeb6c990b8288db5fc6aa836abea351687499791b4c699 | image/jpeg",
        "très cool.jpg | e54a5886572dbcabfbc644f2168d7c7b1b98f456843354a8c7449837c9174310 | dd8d663f8ad38a584d56bdf379cd9fe9e24c4c2fed5228671673b6e50f4ab993 | image/jpeg",
        "100%.png | e679e800d883454b64f732ad5b55ca41d23475f1085ce2cee154b1e525edea89 | e5949c936db1aaa4c3d9be49edb71abe8db72d43329341f0feb404948878c79f | image/png",
    })
    void realProsodySlots(String name, String v, String v2, String type) {
        String path = "4a771ac1-f0b2-4a4a-9700-f2a26fa2bb67/" + name;
        assertThat(signer.sign(Dialect.V, path, 23026, null)).isEqualTo(v);
        assertThat(signer.sign(Dialect.V2, path, 23026, type)).isEqualTo(v2);
    }

    @Test
    void prosodySlotWithoutContentTypeSignsOctetStream() {
        assertThat(signer.sign(Dialect.V2, "4a771ac1-f0b2-4a4a-9700-f2a26fa2bb67/catmetal.jpg", 23026, "application/octet-stream"))
                .isEqualTo("d7fb441044611dd3446ff35223bb30df3b77a9b27db7428859fa6a338a119f1c");
    }

    @Test
    void emptyContentTypeIsSignedAsEmpty() {
        assertThat(signer.sign(Dialect.V2, "4a771ac1-f0b2-4a4a-9700-f2a26fa2bb67/x.jpg", 23026, ""))
                .isEqualTo("7855119354d4ff58183af05b70796ecc36e4d393feb0a142115559ee3511b867");
    }

    @Test
    void ejabberdVector() {
        String path = "2ed681f17049ef21eba6d9ffe6a7c5eaf5193572/Xq3ZkP0aLm9sT2vW8yB1cD4eF6gH7iJ5kL0mN2oP/my_cat.jpg";
        assertThat(signer.sign(Dialect.V, path, 23026, null))
                .isEqualTo("6054a29f4099bf3e41078039ba01dd116a532a13c2820fa6daa1c981c931fda8");
    }

    @Test
    void verifyAcceptsEitherHexCaseAndRejectsGarbage() {
        String mac = signer.sign(Dialect.V, "a/b.txt", 5, null);
        String msg = MacSigner.message(Dialect.V, "a/b.txt", 5, null);
        assertThat(signer.verify(msg, mac)).isTrue();
        assertThat(signer.verify(msg, mac.toUpperCase())).isTrue();
        assertThat(signer.verify(msg, mac.substring(1))).isFalse();
        assertThat(signer.verify(msg, "zz" + mac.substring(2))).isFalse();
        assertThat(signer.verify(msg, null)).isFalse();
        assertThat(signer.verify(MacSigner.message(Dialect.V, "a/b.txt", 6, null), mac)).isFalse();
    }
}
