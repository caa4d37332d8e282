package org.prosodyfiler.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.prosodyfiler.protocol.Dialect;
import org.prosodyfiler.protocol.MacSigner;
import org.prosodyfiler.testsupport.FilerProcess;
import org.prosodyfiler.testsupport.RawHttp;

/**
 * SIGTERM with an upload in progress: the listener closes at once, the upload may finish within
 * shutdownGrace and is then stored; past the grace it is cut off and leaves nothing behind.
 */
class GracefulShutdownIT {
    private static final String PATH = "slow/upload.bin";

    @TempDir
    Path dir;

    private final byte[] body = randomBytes(256 * 1024);

    @Test
    void anUploadThatFinishesWithinTheGracePeriodIsStored() throws Exception {
        String toml = OpsProcesses.config(dir, "shutdownGrace = \"40s\"", "metricsListen = \"127.0.0.1:0\"");
        try (FilerProcess filer = OpsProcesses.start(dir, toml, Map.of());
             RawHttp client = RawHttp.to(filer.baseUri())) {
            int half = body.length / 2;
            client.send(head(filer)).send(Arrays.copyOf(body, half));
            awaitUploadInFlight(filer);

            filer.process().destroy(); // SIGTERM
            awaitLog(filer, "waiting up to");
            // No new connections during the drain.
            assertThatThrownBy(() -> {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", filer.port()), 2000);
                }
            }).isInstanceOf(ConnectException.class);

            client.send(Arrays.copyOfRange(body, half, body.length));
            RawHttp.Response r = client.read(false);
            assertThat(r.status()).as("log:\n%s", filer.logTail(30)).isEqualTo(201);

            assertThat(filer.process().waitFor(40, TimeUnit.SECONDS)).as("exits after the upload").isTrue();
            assertThat(filer.process().exitValue()).isIn(0, 143);
            assertThat(Files.readAllBytes(dir.resolve("store").resolve(PATH))).isEqualTo(body);
            assertThat(filesUnder(tmpDir())).isEmpty();
            assertThat(filer.log()).doesNotContain("Exception");
        }
    }

    @Test
    void anUploadStillRunningAfterTheGracePeriodIsCutOffAndCleanedUp() throws Exception {
        String toml = OpsProcesses.config(dir, "shutdownGrace = \"2s\"", "metricsListen = \"127.0.0.1:0\"");
        try (FilerProcess filer = OpsProcesses.start(dir, toml, Map.of());
             RawHttp client = RawHttp.to(filer.baseUri())) {
            client.send(head(filer)).send(Arrays.copyOf(body, body.length / 3));
            awaitUploadInFlight(filer);
            assertThat(filesUnder(tmpDir())).as("the upload is being written to a temp file")
                    .anySatisfy(p -> assertThat(p.getFileName().toString()).endsWith(".part"));

            long t0 = System.nanoTime();
            filer.process().destroy();
            assertThat(client.closedByServer(30_000)).as("log:\n%s", filer.logTail(30)).isTrue();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).as("not before the grace period").isGreaterThanOrEqualTo(1900);
            assertThat(filer.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(filer.log()).contains("still running after 2s");

            assertThat(dir.resolve("store").resolve(PATH)).doesNotExist();
            assertThat(filesUnder(tmpDir())).as("temp files left behind").isEmpty();
            assertThat(filer.log()).doesNotContain("Exception");
        }
    }

    @Test
    void withNothingInFlightItStopsPromptly() throws Exception {
        String toml = OpsProcesses.config(dir, "shutdownGrace = \"60s\"");
        try (FilerProcess filer = OpsProcesses.start(dir, toml, Map.of())) {
            long t0 = System.nanoTime();
            filer.process().destroy();
            assertThat(filer.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0)).isLessThan(10);
            assertThat(filer.log()).contains("stopped");
        }
    }

    private String head(FilerProcess filer) {
        String mac = new MacSigner(OpsProcesses.SECRET).sign(Dialect.V, PATH, body.length, null);
        return "PUT " + filer.baseUri().getPath() + PATH + "?v=" + mac + " HTTP/1.1\r\nHost: localhost\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n";
    }

    private Path tmpDir() {
        return dir.resolve("store").resolve(".prosody-filer").resolve("tmp");
    }

    private static List<Path> filesUnder(Path root) throws IOException {
        if (!Files.exists(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).toList();
        }
    }

    private static void awaitUploadInFlight(FilerProcess filer) throws Exception {
        URI metrics = OpsHttp.metricsBase(filer.log()).resolve("metrics");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (OpsHttp.sample(OpsHttp.get(metrics).body(), "prosody_filer_uploads_in_flight").orElse(0) == 1) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the upload never started; log:\n" + filer.logTail(30));
    }

    private static void awaitLog(FilerProcess filer, String text) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (filer.log().contains(text)) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no '" + text + "' in the log:\n" + filer.logTail(30));
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new Random(7).nextBytes(b);
        return b;
    }
}
