package org.prosodyfiler.it.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.prosodyfiler.testsupport.FilerProcess;

/** sign, stats, purge and check-config, run from the packaged jar against a real store. */
class AdminCommandsIT {
    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {
    }

    private Run run(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(FilerProcess.javaBinary(), "-jar", FilerProcess.jar().toString()));
        cmd.addAll(List.of(args));
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private String config() {
        return "listenport = \"127.0.0.1:0\"\nsecret = \"adminsecret\"\nstoreDir = \"" + dir.resolve("store") + "\"\n";
    }

    @Test
    void signedUrlsWorkWithCurlLikeClientsInEveryDialect() throws Exception {
        try (FilerProcess server = FilerProcess.start(dir, config())) {
            String base = server.baseUri().toString();
            HttpClient http = HttpClient.newHttpClient();
            int n = 0;
            for (String dialect : List.of("v", "v2", "token", "jwt")) {
                String path = dialect.equals("jwt") ? "slot" + n + "/très cool.txt" : "d" + n + "/très cool.txt";
                n++;
                byte[] body = ("hello " + dialect).getBytes(StandardCharsets.UTF_8);
                Run sign = run("sign", "-config", "config.toml", "--path", path, "--size", String.valueOf(body.length),
                        "--type", "text/plain", "--dialect", dialect, "--base-url", base);
                assertThat(sign.exit()).as(sign.err()).isZero();
                String[] lines = sign.out().strip().split("\n");
                assertThat(lines[0]).startsWith(base).contains("tr%c3%a8s%20cool.txt");
                HttpRequest.Builder put = HttpRequest.newBuilder(URI.create(lines[0]))
                        .header("Content-Type", "text/plain").PUT(HttpRequest.BodyPublishers.ofByteArray(body));
                if (dialect.equals("jwt")) {
                    assertThat(lines[1]).startsWith("Authorization: Bearer ");
                    put.header("Authorization", lines[1].substring("Authorization: ".length()));
                } else {
                    assertThat(sign.err()).contains("signed:");
                }
                HttpResponse<String> r = http.send(put.build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(dialect + ": " + r.body()).isEqualTo(201);
            }
        }
    }

    @Test
    void statsAndPurge() throws Exception {
        Files.writeString(dir.resolve("config.toml"), config());
        Path store = dir.resolve("store");
        String romeo = "2ed681f17049ef21eba6d9ffe6a7c5eaf5193572";
        for (int i = 0; i < 5; i++) {
            Path f = store.resolve(romeo + "/r" + i + "/f.bin");
            Files.createDirectories(f.getParent());
            Files.write(f, new byte[100 * (i + 1)]);
            Files.setLastModifiedTime(f, FileTime.from(Instant.now().minusSeconds(86_400L * 10 * i)));
        }
        Run stats = run("stats", "-config", "config.toml");
        assertThat(stats.exit()).isZero();
        assertThat(stats.out()).contains("files  5").contains("bytes  1500").contains(romeo);

        Run dry = run("purge", "-config", "config.toml", "--older-than", "15d");
        assertThat(dry.exit()).isZero();
        assertThat(dry.out()).contains("would delete 3 of 5 files, 1200 bytes");
        assertThat(store.resolve(romeo + "/r4/f.bin")).exists();

        Run real = run("purge", "-config", "config.toml", "--older-than", "15d", "--delete");
        assertThat(real.out()).contains("deleted 3 of 5 files, 1200 bytes");
        assertThat(store.resolve(romeo + "/r4")).doesNotExist();
        assertThat(store.resolve(romeo + "/r1/f.bin")).exists();

        Run gdpr = run("purge", "-config", "config.toml", "--owner", romeo, "--delete", "--quiet");
        assertThat(gdpr.out()).contains("deleted 2 of 2 files");
    }

    @Test
    void checkConfig() throws Exception {
        Files.writeString(dir.resolve("config.toml"), config());
        Run ok = run("check-config", "-config", "config.toml");
        assertThat(ok.exit()).as(ok.err()).isZero();
        assertThat(ok.out()).contains("config ok").contains("warning: the secret is short");
        Files.writeString(dir.resolve("bad.toml"), "secret = \"\"\n");
        Run bad = run("check-config", "-config", "bad.toml");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("secret");
    }
}
