package org.prosodyfiler.it.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.prosodyfiler.protocol.Dialect;
import org.prosodyfiler.protocol.MacSigner;
import org.prosodyfiler.testsupport.FilerProcess;

/**
 * bin/prosody-filer's start-up cache (JDK 25+ AOT cache): recorded once by a training run, used by
 * later starts, and never a reason for a start to fail: damaged cache, failing training.
 */
class LauncherIT {
    private static final String SECRET = "launcher-it-secret-value";
    private static final Pattern LISTENING = Pattern.compile("listening on (\\S+)");

    @TempDir
    Path dir;
    private Path jar;

    @BeforeEach
    void copyJar() throws IOException {
        Assumptions.assumeTrue(Runtime.version().feature() >= 25, "the AOT cache needs JDK 25+ (this JVM: "
                + Runtime.version() + "); older JDKs use the JVM's own dynamic archive");
        // A private copy: the cache lands next to the jar and is named after its size and mtime.
        jar = Files.copy(FilerProcess.jar(), dir.resolve("prosody-filer.jar"));
        Files.writeString(dir.resolve("config.toml"), "listenport = \"127.0.0.1:0\"\nsecret = \"" + SECRET
                + "\"\nstoreDir = \"" + dir.resolve("store") + "\"\nuploadSubDir = \"upload/\"\n");
    }

    @Test
    void firstStartRecordsTheCacheAndLaterStartsUseIt() throws Exception {
        String first = serveAndUpload(Map.of());
        assertThat(first).contains("recording the start-up cache");
        assertThat(caches()).as("cache next to the jar").hasSize(1);

        String second = serveAndUpload(Map.of("PROSODY_FILER_EXTRA_JVM_FLAGS", "-Xlog:aot=info"));
        assertThat(second).doesNotContain("recording the start-up cache").contains("Opened AOT cache");
    }

    @Test
    void aDamagedCacheIsIgnoredByTheJvm() throws Exception {
        serveAndUpload(Map.of());
        Path cache = caches().getFirst();
        byte[] bytes = Files.readAllBytes(cache);
        Files.write(cache, java.util.Arrays.copyOf(bytes, bytes.length / 3)); // cut off, as by a full disk
        serveAndUpload(Map.of());
        Files.writeString(cache, "not a cache at all\n".repeat(1000));
        serveAndUpload(Map.of());
        Files.write(cache, new byte[0]);
        serveAndUpload(Map.of());
    }

    @Test
    void aFailingTrainingRunIsNotRetriedAndTheServerStartsWithoutCache() throws Exception {
        Map<String, String> broken = Map.of("PROSODY_FILER_TRAINING_FLAGS", "-XX:+NoSuchJvmFlagForThisTest");
        String first = serveAndUpload(broken);
        assertThat(first).contains("recording the start-up cache failed");
        assertThat(caches()).isEmpty();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).anyMatch(n -> n.endsWith(".aot.failed"))
                    .noneMatch(n -> n.contains(".aot.tmp-"));
        }
        String second = serveAndUpload(broken);
        assertThat(second).doesNotContain("recording the start-up cache");
    }

    private List<Path> caches() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".aot")).toList();
        }
    }

    /** Starts the launcher, uploads one file (201), stops it; returns everything it printed. */
    private String serveAndUpload(Map<String, String> env) throws Exception {
        Path log = dir.resolve("launcher.log");
        ProcessBuilder pb = new ProcessBuilder(Path.of("bin/prosody-filer").toAbsolutePath().toString(),
                "-config", dir.resolve("config.toml").toString())
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("PROSODY_FILER_JAR", jar.toString());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().remove("PROSODY_FILER_NO_CACHE");
        pb.environment().putAll(env);
        Process p = pb.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180); // the training run takes a few s
            Matcher m;
            while (!(m = LISTENING.matcher(Files.readString(log))).find()) {
                assertThat(p.isAlive()).as("launcher exited:\n%s", Files.readString(log)).isTrue();
                assertThat(System.nanoTime()).as("no 'listening on' within 180 s:\n%s", Files.readString(log))
                        .isLessThan(deadline);
                Thread.sleep(20);
            }
            URI base = URI.create(m.group(1));
            String path = "it/" + System.nanoTime() + "/a.txt";
            assertThat(put(base, path, "hello".getBytes(StandardCharsets.UTF_8)))
                    .as("upload, log:\n%s", Files.readString(log)).isEqualTo(201);
        } finally {
            p.destroy();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
            }
        }
        return Files.readString(log);
    }

    private static int put(URI base, String path, byte[] body) throws IOException {
        String mac = new MacSigner(SECRET).sign(Dialect.V, path, body.length, null);
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(base.getHost(), base.getPort()), 10_000);
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write(("PUT " + base.getPath() + path + "?v=" + mac + " HTTP/1.1\r\nHost: " + base.getHost()
                    + "\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            InputStream in = s.getInputStream();
            String status = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1).split("\r\n", 2)[0];
            return Integer.parseInt(status.split(" ")[1]);
        }
    }
}
