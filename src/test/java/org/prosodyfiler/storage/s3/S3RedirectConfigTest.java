package org.prosodyfiler.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.prosodyfiler.config.Config;
import org.prosodyfiler.config.ConfigException;
import org.prosodyfiler.config.ConfigLoader;

/** The two [s3] keys of download redirects, as config.toml spells them. */
class S3RedirectConfigTest {
    private static Config.S3Settings parse(String extra) {
        String toml = "secret = \"x\"\nstoreDir = \"/tmp/pf\"\nstorage = \"s3\"\n[s3]\nbucket = \"b\"\n" + extra;
        return ConfigLoader.parse(toml, Path.of("/tmp")).config().s3().orElseThrow();
    }

    @Test
    void offByDefaultWithFiveMinuteUrls() {
        Config.S3Settings s = parse("");
        assertThat(s.redirectDownloads()).isFalse();
        assertThat(s.presignTtl()).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void keysAreCaseInsensitiveAndTakeDurations() {
        Config.S3Settings s = parse("RedirectDownloads = true\nPRESIGNTTL = \"90s\"\n");
        assertThat(s.redirectDownloads()).isTrue();
        assertThat(s.presignTtl()).isEqualTo(Duration.ofSeconds(90));
        assertThat(ConfigLoader.parse("secret = \"x\"\nstoreDir = \"/tmp/pf\"\n[s3]\nbucket = \"b\"\npresignTtl = \"1h\"\n",
                Path.of("/tmp")).warnings()).isEmpty();
    }

    @Test
    void ttlBeyondWhatSigV4AllowsIsRefused() {
        assertThatThrownBy(() -> parse("presignTtl = \"8d\"\n")).isInstanceOf(ConfigException.class).hasMessageContaining("presignTtl");
        assertThatThrownBy(() -> parse("presignTtl = \"500ms\"\n")).isInstanceOf(ConfigException.class).hasMessageContaining("presignTtl");
        assertThatThrownBy(() -> parse("redirectDownloads = \"yes\"\n")).isInstanceOf(ConfigException.class);
    }
}
