package org.prosodyfiler.testsupport;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.ArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs the packaged server (target/prosody-filer.jar) as a separate process, the way an admin
 * does, with a config file written by the test. The server logs "listening on <url>" once it
 * accepts connections; we wait for that line instead of sleeping.
 */
public final class FilerProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on (\\S+)");

    private final Process process;
    private final Path log;
    private final URI baseUri;

    private FilerProcess(Process process, Path log, URI baseUri) {
        this.process = process;
        this.log = log;
        this.baseUri = baseUri;
    }

    /** The jar under test: failsafe passes it as a system property; falls back to target/. */
    public static Path jar() {
        String prop = System.getProperty("prosodyfiler.jar");
        Path jar = Path.of(prop != null ? prop : "target/prosody-filer.jar").toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: run ./mvnw package first");
        }
        return jar;
    }

    /** The java binary of the JVM running the tests (>= 21, unlike the machine's default). */
    public static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Writes {@code toml} to dir/config.toml and starts the server with it. */
    public static FilerProcess start(Path dir, String toml, String... extraArgs) throws IOException {
        Path config = dir.resolve("config.toml");
        Files.writeString(config, toml);
        List<String> cmd = new ArrayList<>(List.of(javaBinary(), "-jar", jar().toString(), "-config", config.toString()));
        cmd.addAll(List.of(extraArgs));
        return startCommand(dir, cmd, Duration.ofSeconds(60));
    }

    public static FilerProcess startCommand(Path dir, List<String> cmd, Duration timeout) throws IOException {
        Path log = dir.resolve("server.log");
        Process p = new ProcessBuilder(cmd)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            String text = Files.readString(log, StandardCharsets.UTF_8);
            Matcher m = LISTENING.matcher(text);
            if (m.find()) {
                return new FilerProcess(p, log, URI.create(m.group(1)));
            }
            if (!p.isAlive()) {
                throw new IllegalStateException("server exited with " + p.exitValue() + ":\n" + text);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        p.destroyForcibly();
        throw new IllegalStateException("server did not start within " + timeout + ":\n" + Files.readString(log));
    }

    /** For example http://127.0.0.1:41234/upload/ (always ends with '/'). */
    public URI baseUri() {
        return baseUri;
    }

    public int port() {
        return baseUri.getPort();
    }

    public Process process() {
        return process;
    }

    public String log() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    public String logTail(int lines) {
        String[] all = log().split("\n");
        int from = Math.max(0, all.length - lines);
        return String.join("\n", java.util.Arrays.copyOfRange(all, from, all.length));
    }

    /** Graceful stop (SIGTERM), then SIGKILL after 20 s. Returns the exit code. */
    public int stop() {
        process.destroy();
        try {
            if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor();
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            return -1;
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            stop();
        }
    }
}
