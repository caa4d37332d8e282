package org.prosodyfiler.it.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.prosodyfiler.protocol.Dialect;
import org.prosodyfiler.protocol.MacSigner;
import org.prosodyfiler.testsupport.FilerProcess;
import org.prosodyfiler.testsupport.RawHttp;

/** The packaged jar as an admin runs it: flags, config errors, exit codes, Unix socket, logs. */
class ServerProcessIT {
    @TempDir
    Path dir;

    private String goConfig(String listen) {
        return "listenport = \"" + listen + "\"\nsecret = \"s3cr3t-value-xyz\"\nstoreDir = \"" + dir.resolve("store")
                + "\"\nuploadSubDir = \"upload/\"\n";
    }

    /** Runs the jar to completion; returns exit code and combined output. */
    private record Run(int exit, String output) {
    }

    private Run run(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(FilerProcess.javaBinary(), "-jar", FilerProcess.jar().toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("exits").isTrue();
        return new Run(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    @Test
    void versionAndHelp() throws Exception {
        Run v = run("--version");
        assertThat(v.exit()).isZero();
        assertThat(v.output()).startsWith("prosody-filer ").contains("Java");
        Run h = run("--help");
        assertThat(h.exit()).isZero();
        assertThat(h.output()).contains("-config").contains("sign").contains("purge");
    }

    @ParameterizedTest
    @ValueSource(strings = {"-config", "--config", "-config=", "--config="})
    void configFlagSpellings(String flag) throws Exception {
        Path cfg = dir.resolve("my.toml");
        Files.writeString(cfg, goConfig("127.0.0.1:0"));
        List<String> cmd = new ArrayList<>(List.of(FilerProcess.javaBinary(), "-jar", FilerProcess.jar().toString()));
        if (flag.endsWith("=")) {
            cmd.add(flag + cfg);
        } else {
            cmd.addAll(List.of(flag, cfg.toString()));
        }
        try (FilerProcess p = FilerProcess.startCommand(dir, cmd, Duration.ofSeconds(60))) {
            assertThat(p.port()).isPositive();
        }
    }

    @Test
    void defaultsToConfigTomlInTheWorkingDirectory() throws Exception {
        Files.writeString(dir.resolve("config.toml"), goConfig("127.0.0.1:0"));
        List<String> cmd = List.of(FilerProcess.javaBinary(), "-jar", FilerProcess.jar().toString());
        try (FilerProcess p = FilerProcess.startCommand(dir, cmd, Duration.ofSeconds(60))) {
            assertThat(p.baseUri().getPath()).isEqualTo("/upload/");
        }
    }

    @Test
    void badConfigsStopWithOneClearLine() throws Exception {
        Run missing = run("-config", "nope.toml");
        assertThat(missing.exit()).isNotZero();
        assertThat(missing.output().strip()).contains("nope.toml").doesNotContain("Exception").hasLineCount(1);

        Files.writeString(dir.resolve("syntax.toml"), "secret = \"x\nlistenport = 1\n");
        Run syntax = run("-config", "syntax.toml");
        assertThat(syntax.exit()).isNotZero();
        assertThat(syntax.output()).contains("TOML");

        Files.writeString(dir.resolve("nosecret.toml"), "listenport = \"127.0.0.1:0\"\n");
        Run noSecret = run("-config", "nosecret.toml");
        assertThat(noSecret.exit()).isNotZero();
        assertThat(noSecret.output().strip()).contains("secret").hasLineCount(1);

        Files.writeString(dir.resolve("badlisten.toml"), goConfig("localhost:notaport"));
        assertThat(run("-config", "badlisten.toml").output()).contains("listenport");

        Files.writeString(dir.resolve("unbindable.toml"), goConfig("192.0.2.1:5050")); // not our address
        Run unbindable = run("-config", "unbindable.toml");
        assertThat(unbindable.exit()).isNotZero();
        assertThat(unbindable.output()).contains("cannot listen on");

        Files.writeString(dir.resolve("store.toml"), "secret = \"x\"\nlistenport = \"127.0.0.1:0\"\nstoreDir = \"/proc/1/forbidden\"\n");
        Run store = run("-config", "store.toml");
        assertThat(store.exit()).isNotZero();
        assertThat(store.output()).contains("store /proc/1/forbidden is not usable");
    }

    @Test
    void portInUseIsAClearError() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Files.writeString(dir.resolve("busy.toml"), goConfig("127.0.0.1:" + taken.getLocalPort()));
            Run r = run("-config", "busy.toml");
            assertThat(r.exit()).isNotZero();
            assertThat(r.output()).contains("cannot listen on").contains(String.valueOf(taken.getLocalPort()));
        }
    }

    @Test
    void unknownKeysWarnAndTheSecretNeverReachesTheLog() throws Exception {
        String toml = goConfig("127.0.0.1:0") + "logLevel = \"debug\"\nlistenprot = \"typo\"\n";
        try (FilerProcess p = FilerProcess.start(dir, toml)) {
            try (RawHttp c = RawHttp.to(p.baseUri())) {
                c.exchange("PUT", "/upload/a/b.txt?v=" + "00".repeat(32), List.of("Content-Length: 1"), new byte[1]);
            }
            p.stop();
            assertThat(p.log()).contains("unknown config key \"listenprot\"").contains("invalid MAC")
                    .doesNotContain("s3cr3t-value-xyz");
        }
    }

    @Test
    void unixSocketListener() throws Exception {
        Path sock = dir.resolve("filer.sock");
        String toml = goConfig(sock.toString()) + "unixsocket = true\n";
        try (FilerProcess p = FilerProcess.start(dir, toml)) {
            assertThat(p.process().isAlive()).isTrue();
            assertThat(sock).exists();
            byte[] body = "over a unix socket".getBytes(StandardCharsets.UTF_8);
            String mac = new MacSigner("s3cr3t-value-xyz").sign(Dialect.V, "u/s.txt", body.length, null);
            String put = "PUT /upload/u/s.txt?v=" + mac + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length
                    + "\r\nConnection: close\r\n\r\n" + new String(body, StandardCharsets.UTF_8);
            assertThat(unixExchange(sock, put)).startsWith("HTTP/1.1 201");
            assertThat(unixExchange(sock, "GET /upload/u/s.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
                    .startsWith("HTTP/1.1 200").endsWith("over a unix socket");
        }
    }

    private static String unixExchange(Path sock, String request) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(sock));
            ch.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8)));
            ByteBuffer buf = ByteBuffer.allocate(65536);
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            while (ch.read(buf) > 0) {
                buf.flip();
                out.write(buf.array(), 0, buf.limit());
                buf.clear();
            }
            return out.toString(StandardCharsets.UTF_8);
        }
    }
}
