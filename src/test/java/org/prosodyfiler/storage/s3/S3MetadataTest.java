package org.prosodyfiler.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.prosodyfiler.storage.FileMeta;

class S3MetadataTest {
    private static final Instant T = Instant.ofEpochMilli(1_700_000_000_123L);

    @Test
    void everythingRoundTripsAndValuesAreHeaderSafe() {
        FileMeta meta = new FileMeta(Optional.of("text/plain; charset=\"utf-8\"; x=%41"), Optional.of(Instant.ofEpochSecond(1_800_000_000L)),
                Optional.of("jüliet@éxample.org\u0001"));
        Map<String, String> m = S3Metadata.encode(meta, T, "id-1");
        assertThat(m.values()).allSatisfy(v -> assertThat(v.chars().allMatch(c -> c >= 0x20 && c < 0x7f)).as(v).isTrue());
        assertThat(m).containsEntry("pf-type", "text/plain; charset=\"utf-8\"; x=%2541")
                .containsEntry("pf-expires", "1800000000")
                .containsEntry("pf-uploaded", "1700000000123")
                .containsEntry("pf-upload", "id-1");
        assertThat(S3Metadata.decode(m)).isEqualTo(meta);
        assertThat(S3Metadata.uploaded(m)).contains(T);
        assertThat(S3Metadata.uploadId(m)).contains("id-1");
    }

    @Test
    void absentFieldsStayAbsent() {
        Map<String, String> m = S3Metadata.encode(FileMeta.NONE, T, "x");
        assertThat(m).containsOnlyKeys("pf-uploaded", "pf-upload");
        assertThat(S3Metadata.decode(m)).isEqualTo(FileMeta.NONE);
    }

    @Test
    void namesAreCaseInsensitiveAndDamageIsIgnored() {
        FileMeta m = S3Metadata.decode(Map.of("PF-Type", "image/png", "pf-expires", "tomorrow", "pf-owner", "bad%zz", "other", "x"));
        assertThat(m).isEqualTo(new FileMeta(Optional.of("image/png"), Optional.empty(), Optional.empty()));
        assertThat(S3Metadata.uploaded(Map.of("pf-uploaded", "x"))).isEmpty();
    }

    @Test
    void objectContentTypeIsTheUploadersOnlyWhenPlainAscii() {
        assertThat(S3Metadata.objectContentType(new FileMeta(Optional.of("image/png"), Optional.empty(), Optional.empty())))
                .isEqualTo("image/png");
        assertThat(S3Metadata.objectContentType(new FileMeta(Optional.of("text/plain; name=é"), Optional.empty(), Optional.empty())))
                .isEqualTo("application/octet-stream");
        assertThat(S3Metadata.objectContentType(FileMeta.NONE)).isEqualTo("application/octet-stream");
    }
}
