package org.prosodyfiler.it.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.prosodyfiler.protocol.Dialect;
import org.prosodyfiler.protocol.MacSigner;
import org.prosodyfiler.testsupport.FilerProcess;
import org.prosodyfiler.testsupport.RawHttp;

/**
 * Many uploads at once against a server with little direct memory: back-pressure (per upload and
 * a global budget) must keep buffered bytes bounded, so every upload completes instead of
 * failing with OutOfDirectMemoryError.
 */
class ManyConcurrentUploadsIT {
    @TempDir
    Path dir;

    @Test
    void hundredFiftyConcurrentUploadsWith24MiBOfDirectMemory() throws Exception {
        String toml = "listenport = \"127.0.0.1:0\"\nsecret = \"s\"\nstoreDir = \"" + dir.resolve("store")
                + "\"\naccessLog = false\nfsync = false\nminFreeSpace = 0\n";
        Files.writeString(dir.resolve("config.toml"), toml);
        List<String> cmd = List.of(FilerProcess.javaBinary(), "-Xmx64m", "-XX:MaxDirectMemorySize=24m",
                "-jar", FilerProcess.jar().toString(), "-config", dir.resolve("config.toml").toString());
        int n = 150;
        int size = 4 << 20;
        byte[] body = new byte[size];
        new java.util.Random(3).nextBytes(body);
        MacSigner signer = new MacSigner("s");
        try (FilerProcess server = FilerProcess.startCommand(dir, cmd, Duration.ofSeconds(60))) {
            ExecutorService pool = Executors.newFixedThreadPool(n);
            List<Future<Integer>> results = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String path = "many/" + i + ".bin";
                results.add(pool.submit(() -> {
                    try (RawHttp c = RawHttp.to(server.baseUri())) {
                        return c.exchange("PUT", "/upload/" + path + "?v=" + signer.sign(Dialect.V, path, size, null),
                                List.of("Content-Length: " + size), body).status();
                    }
                }));
            }
            List<Integer> statuses = new ArrayList<>();
            for (Future<Integer> f : results) {
                try {
                    statuses.add(f.get());
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new AssertionError("upload failed: " + e.getCause() + "\nserver log:\n" + server.logTail(40), e);
                }
            }
            pool.shutdown();
            assertThat(statuses).as(server.logTail(30)).containsOnly(201);
            assertThat(server.log()).doesNotContain("OutOfDirectMemoryError");
            for (int i = 0; i < n; i++) {
                assertThat(Files.size(dir.resolve("store/many/" + i + ".bin"))).isEqualTo(size);
            }
        }
    }
}
