package org.prosodyfiler.testsupport;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.prosodyfiler.FilerApp;
import org.prosodyfiler.config.Config;
import org.prosodyfiler.config.ConfigLoader;
import org.prosodyfiler.protocol.Dialect;
import org.prosodyfiler.protocol.MacSigner;

/**
 * The whole server, in-process, on a free loopback port with a fresh store: real sockets, real
 * files, started in milliseconds. Extra TOML lines override the defaults.
 */
public final class TestFiler implements AutoCloseable {
    public static final String SECRET = "mysecret";

    private final FilerApp app;
    private final Path store;
    private final MacSigner signer = new MacSigner(SECRET);

    private TestFiler(FilerApp app, Path store) {
        this.app = app;
        this.store = store;
    }

    public static TestFiler start(Path dir, String... extraToml) throws IOException {
        return start(dir, Clock.systemUTC(), extraToml);
    }

    public static TestFiler start(Path dir, Clock clock, String... extraToml) throws IOException {
        Path store = dir.resolve("store");
        StringBuilder toml = new StringBuilder()
                .append("listenport = \"127.0.0.1:0\"\n")
                .append("secret = \"").append(SECRET).append("\"\n")
                .append("storeDir = \"").append(store.toString().replace("\\", "\\\\")).append("\"\n")
                .append("uploadSubDir = \"upload/\"\n")
                .append("accessLog = false\n")
                .append("fsync = false\n")
                .append("minFreeSpace = 0\n");
        for (String line : extraToml) {
            String key = line.split("=")[0].trim().toLowerCase(java.util.Locale.ROOT);
            // later keys win: drop the default line for an overridden key
            String current = toml.toString();
            StringBuilder kept = new StringBuilder();
            for (String l : current.split("\n")) {
                if (!l.split("=")[0].trim().toLowerCase(java.util.Locale.ROOT).equals(key)) {
                    kept.append(l).append('\n');
                }
            }
            toml = kept.append(line).append('\n');
        }
        Config config = ConfigLoader.parse(toml.toString(), dir).config();
        return new TestFiler(FilerApp.start(config, clock, List.of()), store);
    }

    public FilerApp app() {
        return app;
    }

    public URI base() {
        return URI.create(app.baseUrl());
    }

    public int port() {
        return base().getPort();
    }

    public Path store() {
        return store;
    }

    public MacSigner signer() {
        return signer;
    }

    /** "/upload/" + raw path + "?v=" + MAC over the decoded path, as Prosody v1 signs. */
    public String signedTarget(String rawPath, String decodedPath, long size) {
        return "/upload/" + rawPath + "?v=" + signer.sign(Dialect.V, decodedPath, size, null);
    }

    public RawHttp connect() throws IOException {
        return new RawHttp("127.0.0.1", port());
    }

    /** Temp files of unfinished uploads currently on disk. */
    public List<Path> tempFiles() throws IOException {
        Path tmp = store.resolve(".prosody-filer").resolve("tmp");
        if (!Files.exists(tmp)) {
            return List.of();
        }
        try (var s = Files.walk(tmp)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".part")).toList();
        }
    }

    @Override
    public void close() {
        app.close();
    }
}
