package org.prosodyfiler.it.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.prosodyfiler.protocol.Dialect;
import org.prosodyfiler.protocol.MacSigner;
import org.prosodyfiler.testsupport.FilerProcess;
import org.prosodyfiler.testsupport.RawHttp;

/**
 * SIGKILL of the packaged server in the middle of 50 concurrent uploads of 1-4 MiB, then a
 * restart on the same store. Nothing acknowledged may be lost or damaged, nothing half-written
 * may ever be visible, the dead process's temp files must go, and every interrupted upload must
 * succeed when the client retries.
 *
 * <p>Three kinds of upload make the moment of the kill deterministic enough to mean something:
 * "complete" ones finish (201) before the kill; "stalled" ones have sent half their body and wait,
 * so their temp files are half full when the process dies; "streaming" ones are still sending at
 * a throttled rate, so the kill lands while the server writes (each may end either way).
 */
class KillDuringUploadsIT {
    private static final String SECRET = "kill-test-secret";
    private static final int COMPLETE = 20;
    private static final int STALLED = 15;
    private static final int STREAMING = 15;
    private static final int CHUNK = 64 * 1024;

    @TempDir
    Path dir;

    private final MacSigner signer = new MacSigner(SECRET);

    enum Kind { COMPLETE, STALLED, STREAMING }

    /** One file to upload; body is generated from the index so that it can be checked later. */
    record Upload(int index, Kind kind, String path, byte[] body, String sha256) {
        static Upload of(int index, Kind kind, Random random) {
            byte[] body = new byte[(1 << 20) + random.nextInt(3 << 20)];
            random.nextBytes(body);
            String path = "kill/" + index + "-" + Integer.toHexString(random.nextInt()) + "/file" + index + ".bin";
            return new Upload(index, kind, path, body, digest(body));
        }
    }

    /** How an upload ended from the client's side: the status it read, or -1 if the connection died. */
    record Outcome(Upload upload, int status, String error) {
        boolean acknowledged() {
            return status == 201;
        }
    }

    private String config() {
        return "listenport = \"127.0.0.1:0\"\n"
                + "secret = \"" + SECRET + "\"\n"
                + "storeDir = \"" + dir.resolve("store") + "\"\n"
                + "uploadSubDir = \"upload/\"\n"
                + "minFreeSpace = 0\n"
                + "accessLog = false\n";
    }

    private FilerProcess start(String run) throws IOException {
        Path runDir = Files.createDirectories(dir.resolve(run));
        return FilerProcess.start(runDir, config());
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void killMidUploadLosesNothingAcknowledgedAndShowsNothingPartial() throws Exception {
        Random random = new Random(9);
        List<Upload> uploads = new ArrayList<>();
        for (int i = 0; i < COMPLETE + STALLED + STREAMING; i++) {
            Kind kind = i < COMPLETE ? Kind.COMPLETE : i < COMPLETE + STALLED ? Kind.STALLED : Kind.STREAMING;
            uploads.add(Upload.of(i, kind, random));
        }
        Path store = dir.resolve("store");
        Path tmp = store.resolve(".prosody-filer").resolve("tmp");

        FilerProcess first = start("run1");
        long killedPid = first.process().pid();
        CountDownLatch neverReleased = new CountDownLatch(1); // stalled uploads wait here until the kill cuts them off
        AtomicLong streamed = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(uploads.size());
        List<Future<Outcome>> futures = new ArrayList<>();
        List<Outcome> outcomes = new ArrayList<>();
        int partsAtKill;
        try {
            for (Upload u : uploads) {
                futures.add(pool.submit(() -> upload(first.baseUri(), u, neverReleased, streamed)));
            }
            // Kill only when: every "complete" upload has its 201, the stalled ones' half bodies are
            // in temp files on disk, and the streaming ones are under way.
            long stalledHalves = uploads.stream().filter(u -> u.kind() == Kind.STALLED).mapToLong(u -> u.body().length / 2).sum();
            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            while (!(completeOnesDone(futures, uploads) && parts(tmp).size() >= STALLED
                    && partBytes(tmp) >= stalledHalves && streamed.get() >= STREAMING * (long) CHUNK)) {
                if (System.nanoTime() > deadline || !first.process().isAlive()) {
                    fail("uploads did not reach the kill point (server alive: " + first.process().isAlive()
                            + ", streamed " + streamed.get() + " bytes); server log:\n" + first.logTail(40));
                }
                Thread.sleep(20);
            }
            List<Path> partsBeforeKill = parts(tmp);
            first.process().destroyForcibly(); // SIGKILL: no shutdown hook, no cleanup
            assertThat(first.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
            neverReleased.countDown(); // the stalled clients now find their connections dead
            assertThat(partsBeforeKill).as("temp files of unfinished uploads when the server died").isNotEmpty();
            partsAtKill = partsBeforeKill.size();

            for (Future<Outcome> f : futures) {
                outcomes.add(f.get(2, TimeUnit.MINUTES));
            }
        } finally {
            neverReleased.countDown();
            pool.shutdownNow();
            first.close();
        }

        List<Outcome> acknowledged = outcomes.stream().filter(Outcome::acknowledged).toList();
        List<Outcome> interrupted = outcomes.stream().filter(o -> !o.acknowledged()).toList();
        assertThat(acknowledged).as("acknowledged before the kill").hasSizeGreaterThanOrEqualTo(COMPLETE);
        assertThat(interrupted).as("cut off by the kill").hasSizeGreaterThanOrEqualTo(STALLED);
        assertThat(interrupted).allSatisfy(o -> assertThat(o.status()).as("%s", o).isEqualTo(-1));
        System.out.printf("killed pid %d with %d temp files on disk: %d uploads acknowledged, %d cut off (%d of them streaming)%n",
                killedPid, partsAtKill, acknowledged.size(), interrupted.size(),
                interrupted.stream().filter(o -> o.upload().kind() == Kind.STREAMING).count());

        // While the server is down: every file under the store is a whole upload or absent.
        assertStoreHoldsOnlyWholeUploads(store, uploads);
        try (Stream<Path> dirs = Files.list(tmp)) {
            assertThat(dirs.map(p -> p.getFileName().toString()))
                    .as("the dead server's temp dir is still there before the restart")
                    .anyMatch(name -> name.startsWith(killedPid + "-"));
        }

        try (FilerProcess second = start("run2")) {
            // recover() ran before "listening": no temp dir of the dead process, no .part file left.
            try (Stream<Path> dirs = Files.list(tmp)) {
                assertThat(dirs.map(p -> p.getFileName().toString()))
                        .as("temp dirs after the restart; server log:\n%s", second.logTail(20))
                        .noneMatch(name -> name.startsWith(killedPid + "-"));
            }
            assertThat(parts(tmp)).as("temp files after the restart").isEmpty();

            for (Outcome o : acknowledged) {
                assertThat(digest(get(second.baseUri(), o.upload().path())))
                        .as("acknowledged upload %s after the kill", o.upload().path()).isEqualTo(o.upload().sha256());
            }
            for (Outcome o : interrupted) {
                byte[] served = get(second.baseUri(), o.upload().path());
                if (served != null) { // published just before the kill, its 201 lost with the connection
                    assertThat(digest(served)).as("interrupted upload %s is served whole or not at all", o.upload().path())
                            .isEqualTo(o.upload().sha256());
                }
                int retry = put(second.baseUri(), o.upload()).status();
                if (served == null) {
                    assertThat(retry).as("retry of %s; server log:\n%s", o.upload().path(), second.logTail(20)).isEqualTo(201);
                } else {
                    assertThat(retry).as("retry of %s that was already published", o.upload().path()).isEqualTo(409);
                }
                assertThat(digest(get(second.baseUri(), o.upload().path()))).isEqualTo(o.upload().sha256());
            }
            assertStoreHoldsOnlyWholeUploads(store, uploads);
            assertThat(files(store)).as("every upload is in the store after the retries").hasSize(uploads.size());
        }
    }

    private Outcome upload(URI base, Upload u, CountDownLatch stall, AtomicLong streamed) {
        try (RawHttp c = RawHttp.to(base)) {
            String target = base.getPath() + u.path() + "?v=" + signer.sign(Dialect.V, u.path(), u.body().length, null);
            c.send("PUT " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + u.body().length
                    + "\r\nContent-Type: application/octet-stream\r\n\r\n");
            OutputStream out = c.output();
            switch (u.kind()) {
                case COMPLETE -> out.write(u.body());
                case STALLED -> {
                    out.write(u.body(), 0, u.body().length / 2);
                    out.flush();
                    stall.await();
                }
                case STREAMING -> {
                    for (int off = 0; off < u.body().length; off += CHUNK) {
                        int n = Math.min(CHUNK, u.body().length - off);
                        out.write(u.body(), off, n);
                        out.flush();
                        streamed.addAndGet(n);
                        Thread.sleep(100); // about 640 KiB/s: still sending when the kill comes
                    }
                }
            }
            out.flush();
            return new Outcome(u, c.read(false).status(), null);
        } catch (IOException e) {
            return new Outcome(u, -1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(u, -1, e.toString());
        }
    }

    private RawHttp.Response put(URI base, Upload u) throws IOException {
        try (RawHttp c = RawHttp.to(base)) {
            String target = base.getPath() + u.path() + "?v=" + signer.sign(Dialect.V, u.path(), u.body().length, null);
            return c.exchange("PUT", target, List.of("Content-Length: " + u.body().length, "Content-Type: application/octet-stream"), u.body());
        }
    }

    /** The body of a GET, or null on 404; anything else fails. */
    private static byte[] get(URI base, String path) throws IOException {
        try (RawHttp c = RawHttp.to(base)) {
            RawHttp.Response r = c.exchange("GET", base.getPath() + path, List.of(), null);
            if (r.status() == 404) {
                return null;
            }
            assertThat(r.status()).as("GET %s", path).isEqualTo(200);
            return r.body();
        }
    }

    private static boolean completeOnesDone(List<Future<Outcome>> futures, List<Upload> uploads) throws Exception {
        for (int i = 0; i < uploads.size(); i++) {
            if (uploads.get(i).kind() == Kind.COMPLETE) {
                if (!futures.get(i).isDone()) {
                    return false;
                }
                Outcome o = futures.get(i).get();
                assertThat(o.status()).as("upload %s before the kill (%s)", o.upload().path(), o.error()).isEqualTo(201);
            }
        }
        return true;
    }

    /** Regular files under the store, outside the server's own directory, by relative path. */
    private static Map<String, Path> files(Path store) throws IOException {
        Map<String, Path> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(store)) {
            s.filter(Files::isRegularFile)
                    .filter(p -> !store.relativize(p).startsWith(".prosody-filer"))
                    .forEach(p -> out.put(store.relativize(p).toString(), p));
        }
        return out;
    }

    private static void assertStoreHoldsOnlyWholeUploads(Path store, List<Upload> uploads) throws IOException {
        Map<String, Upload> byPath = new TreeMap<>();
        uploads.forEach(u -> byPath.put(u.path(), u));
        for (Map.Entry<String, Path> e : files(store).entrySet()) {
            Upload u = byPath.get(e.getKey());
            assertThat(u).as("unexpected file %s in the store", e.getKey()).isNotNull();
            assertThat(digest(Files.readAllBytes(e.getValue()))).as("file %s is a whole upload", e.getKey()).isEqualTo(u.sha256());
        }
    }

    private static List<Path> parts(Path tmp) throws IOException {
        if (!Files.isDirectory(tmp)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(tmp)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".part")).toList();
        }
    }

    private static long partBytes(Path tmp) throws IOException {
        long n = 0;
        for (Path p : parts(tmp)) {
            try {
                n += Files.size(p);
            } catch (IOException gone) {
                // finished and unlinked meanwhile
            }
        }
        return n;
    }

    static String digest(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
