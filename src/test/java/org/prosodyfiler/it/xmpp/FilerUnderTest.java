package org.prosodyfiler.it.xmpp;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.prosodyfiler.testsupport.FilerProcess;

/** Starts the packaged Prosody Filer the way an admin would, configured for the XMPP tests. */
final class FilerUnderTest {
    private FilerUnderTest() {
    }

    /** A fresh random secret, shared with the XMPP server of one test class. */
    static String newSecret() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /**
     * Listens on a free loopback port under "upload/", which is the path the XMPP servers are
     * given as base URL, so the signed path is exactly what follows "/upload/".
     */
    static FilerProcess start(Path dir, Path storeDir, String secret) throws IOException {
        Files.createDirectories(dir);
        Files.createDirectories(storeDir);
        String toml = """
                listenport = "127.0.0.1:0"
                secret = %s
                storeDir = %s
                uploadSubDir = "upload/"
                logLevel = "info"
                accessLog = true
                """.formatted(toml(secret), toml(storeDir.toString()));
        return FilerProcess.start(dir, toml);
    }

    /** A TOML basic string. */
    private static String toml(String value) {
        return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }
}
