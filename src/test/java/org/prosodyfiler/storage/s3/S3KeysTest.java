package org.prosodyfiler.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.prosodyfiler.protocol.PathDecoder;
import org.prosodyfiler.protocol.StorePath;

class S3KeysTest {
    private static StorePath path(String raw) {
        return ((PathDecoder.Ok) PathDecoder.decode(raw)).path();
    }

    @Test
    void prefixIsNormalisedToEndInOneSlash() {
        assertThat(S3Keys.normalizePrefix("")).isEmpty();
        assertThat(S3Keys.normalizePrefix("/")).isEmpty();
        assertThat(S3Keys.normalizePrefix("files")).isEqualTo("files/");
        assertThat(S3Keys.normalizePrefix("/a/b//")).isEqualTo("a/b/");
    }

    @Test
    void keyIsPrefixPlusTheDecodedPath() {
        S3Keys k = new S3Keys("up");
        assertThat(k.key(path("4a77/tr%C3%A8s%20cool.jpg"))).isEqualTo("up/4a77/très cool.jpg");
        assertThat(new S3Keys("").key(path("a/b"))).isEqualTo("a/b");
        assertThat(k.internalPrefix()).isEqualTo("up/.prosody-filer/");
    }

    @Test
    void listedKeysMapBackToTheSamePaths() {
        S3Keys k = new S3Keys("up/");
        for (String raw : new String[] {"4a77/tr%C3%A8s%20cool.jpg", "a/b+c%25d", "x/y/z/%E2%9C%93.txt", "a/%3Fq%23f"}) {
            StorePath p = path(raw);
            assertThat(k.path(k.key(p))).as(raw).contains(p);
        }
    }

    @Test
    void keysNoUploadCouldMakeAreNotPaths() {
        S3Keys k = new S3Keys("up/");
        assertThat(k.path("other/a.txt")).isEmpty();
        assertThat(k.path("up/")).isEmpty();
        assertThat(k.path("up/.prosody-filer/ready-1")).isEmpty();
        assertThat(k.path("up/a//b")).isEmpty();
        assertThat(k.path("up/a/../b")).isEmpty();
        assertThat(k.path("up/dir/")).isEmpty();
        assertThat(k.path("up/bell\u0007")).isEmpty();
        assertThat(k.path("up/back\\slash")).isEmpty();
    }

    @Test
    void s3ETagsAreUsedVerbatimWhenTheyAreValidEntityTags() {
        assertThat(S3Keys.etag("\"9b2cf535f27731c974343645a3985328\"")).isEqualTo("\"9b2cf535f27731c974343645a3985328\"");
        assertThat(S3Keys.etag("9b2cf535f27731c974343645a3985328-3")).isEqualTo("\"9b2cf535f27731c974343645a3985328-3\"");
        assertThat(S3Keys.s3ETag("\"abc-3\"")).contains("\"abc-3\"");
    }

    @Test
    void oddETagsAreHashedAndNotSentBackAsIfMatch() {
        String odd = S3Keys.etag("\"has space\"");
        assertThat(odd).matches("\"pf-[0-9a-f]{32}\"");
        assertThat(S3Keys.etag("\"has space\"")).isEqualTo(odd);
        assertThat(S3Keys.etag("\"other space\"")).isNotEqualTo(odd);
        assertThat(S3Keys.s3ETag(odd)).isEqualTo(Optional.empty());
        assertThat(S3Keys.etag(null)).matches("\"pf-[0-9a-f]{32}\"");
    }
}
