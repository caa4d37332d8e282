package org.prosodyfiler.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.prosodyfiler.protocol.Dialect;

class ConfigLoaderTest {
    private static final Path DIR = Path.of(".");

    @Test
    void goOriginalConfigFileWorksUnchanged() {
        // The Go original's README config, verbatim in spirit: its key spellings and comments.
        String go = """
                ### IP address and port to listen to, e.g. "[::]:5050"
                listenport      = "[::]:5050"
                ### Secret (must match the one in prosody.conf.lua!)
                secret          = "mysecret"
                ### Where to store the uploaded files
                storeDir        = "./upload/"
                ### Subdirectory for HTTP upload / download requests (usually "upload/")
                uploadSubDir    = "upload/"
                """;
        ConfigLoader.Loaded l = ConfigLoader.parse(go, DIR);
        Config c = l.config();
        assertThat(c.listen()).isEqualTo(new ListenAddress.Tcp("::", 5050));
        assertThat(c.secret()).isEqualTo("mysecret");
        assertThat(c.storeDir()).isEqualTo(Path.of("./upload/"));
        assertThat(c.uploadSubDir()).isEqualTo("upload/");
        assertThat(c.urlPrefix()).isEqualTo("/upload/");
        assertThat(l.warnings()).isEmpty();
        assertThat(c.dialects()).containsExactlyInAnyOrder(Dialect.V, Dialect.V2, Dialect.TOKEN, Dialect.JWT);
        assertThat(c.maxUploadSize()).isZero();
    }

    @Test
    void keysAreCaseInsensitiveLikeGoToml() {
        Config c = ConfigLoader.parse("""
                ListenPort = "127.0.0.1:5050"
                SECRET = "s"
                StoreDir = "/srv/files"
                UploadSubDir = "/files"
                UnixSocket = false
                LogLevel = "DEBUG"
                """, DIR).config();
        assertThat(c.listen()).isEqualTo(new ListenAddress.Tcp("127.0.0.1", 5050));
        assertThat(c.uploadSubDir()).isEqualTo("files/");
        assertThat(c.logLevel()).isEqualTo("debug");
    }

    @Test
    void unixSocketAndNewKeys() {
        Config c = ConfigLoader.parse("""
                listenport = "/run/prosody-filer/sock"
                unixsocket = true
                secret = "s"
                maxUploadSize = "100MiB"
                dialects = ["v", "v2"]
                expireAfter = "28d"
                readTimeout = 30
                uploadSubDir = ""
                """, DIR).config();
        assertThat(c.listen()).isEqualTo(new ListenAddress.Unix(Path.of("/run/prosody-filer/sock")));
        assertThat(c.maxUploadSize()).isEqualTo(100L << 20);
        assertThat(c.dialects()).containsExactlyInAnyOrder(Dialect.V, Dialect.V2);
        assertThat(c.expireAfter()).contains(Duration.ofDays(28));
        assertThat(c.readTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.urlPrefix()).isEqualTo("/");
    }

    @Test
    void unknownKeysWarn() {
        ConfigLoader.Loaded l = ConfigLoader.parse("secret = \"s\"\nlistenprot = \"x\"\n", DIR);
        assertThat(l.warnings()).singleElement().asString().contains("listenprot");
    }

    @Test
    void badConfigsSayWhatIsWrong() {
        assertThatThrownBy(() -> ConfigLoader.parse("listenport = \"[::]:5050\"\n", DIR))
                .isInstanceOf(ConfigException.class).hasMessageContaining("secret");
        assertThatThrownBy(() -> ConfigLoader.parse("secret = \"\"\n", DIR)).hasMessageContaining("secret");
        assertThatThrownBy(() -> ConfigLoader.parse("secret = \"s\"\nlistenport = [\n", DIR)).hasMessageContaining("TOML");
        assertThatThrownBy(() -> ConfigLoader.parse("secret = \"s\"\nlistenport = \"nonsense\"\n", DIR)).hasMessageContaining("listenport");
        assertThatThrownBy(() -> ConfigLoader.parse("secret = \"s\"\nlistenport = \"1.2.3.4:99999\"\n", DIR)).hasMessageContaining("range");
        assertThatThrownBy(() -> ConfigLoader.parse("secret = \"s\"\nlistenport = \"::1:80\"\n", DIR)).hasMessageContaining("brackets");
        assertThatThrownBy(() -> ConfigLoader.parse("secret = \"s\"\ndialects = [\"v3\"]\n", DIR)).hasMessageContaining("v3");
        assertThatThrownBy(() -> ConfigLoader.parse("secret = \"s\"\nmaxUploadSize = \"lots\"\n", DIR)).hasMessageContaining("maxUploadSize");
        assertThatThrownBy(() -> ConfigLoader.parse("secret = \"s\"\nsecret2 = 1\nSecret = \"t\"\n", DIR)).hasMessageContaining("twice");
        assertThatThrownBy(() -> ConfigLoader.parse("secret = \"s\"\nuploadSubDir = \"../x\"\n", DIR)).hasMessageContaining("uploadSubDir");
    }

    @Test
    void secretNeverInToString() {
        Config c = ConfigLoader.parse("secret = \"topsecret-value\"\n[s3]\nbucket = \"b\"\nsecretKey = \"aws-secret\"\n", DIR).config();
        assertThat(c.toString()).doesNotContain("topsecret-value");
        assertThat(c.s3().orElseThrow().toString()).doesNotContain("aws-secret");
    }
}
