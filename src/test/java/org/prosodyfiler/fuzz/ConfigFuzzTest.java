package org.prosodyfiler.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.prosodyfiler.config.ConfigException;
import org.prosodyfiler.config.ConfigLoader;

/**
 * ConfigLoader.parse on arbitrary text: an admin's typo must give a one-line ConfigException,
 * never another exception with a stack trace. The input is the TOML text itself (UTF-8), so the
 * regression inputs are plain config files.
 */
class ConfigFuzzTest {
    private static final Path BASE = Path.of("/etc/prosody-filer");

    // Tokens the mutator splices in: syntax, names and boundary values of this format.
    @FuzzTest
    @DictionaryEntries({
            "listenport", "unixsocket", "secret", "previousSecrets", "storeDir", "uploadSubDir", "logLevel",
            "maxUploadSize", "dialects", "fsync", "accessLog", "logFormat", "minFreeSpace", "readTimeout",
            "shutdownGrace", "maxConnections", "metricsListen", "expireAfter", "storageQuota", "storageQuotaPolicy",
            "dailyQuotaPerUser", "sweepInterval", "metronomeDeleteSecret", "storage", "[s3]", "bucket", "endpoint",
            "pathStyle", " = ", "\"", "'''", "\"\"\"", "[", "]", "{", "}", ", ", "true", "false", "\\u0000", "\\n",
            "9223372036854775807", "99999999999999999999", "-1", "1e308", "nan", "inf", "0x7f",
            "KiB", "MiB", "GiB", "TiB", "ms", "d", "w", "[::1]:", ":65536", "evict-oldest", "jwt"})
    void onlyConfigExceptionEscapes(byte[] data) {
        String toml = new String(data, StandardCharsets.UTF_8);
        ConfigLoader.Loaded loaded;
        try {
            loaded = ConfigLoader.parse(toml, BASE);
        } catch (ConfigException e) {
            assertThat(e.getMessage()).isNotBlank();
            return;
        }
        assertThat(loaded.config()).isNotNull();
        assertThat(loaded.warnings()).isNotNull();
        assertThat(loaded.config().secret()).isNotEmpty();
    }
}
