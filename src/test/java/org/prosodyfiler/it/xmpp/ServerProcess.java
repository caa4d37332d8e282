package org.prosodyfiler.it.xmpp;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One private server process (Prosody, ejabberd's Erlang VM, a control command) with its
 * stdout+stderr in a log file. Stopping it ends the whole process tree by the PIDs we started
 * (beam.smp spawns erl_child_setup, inet_gethost and eimp); nothing is killed by name.
 */
final class ServerProcess implements AutoCloseable {
    /** Outcome of waiting for a server: up, or lost its port to someone else (retry). */
    enum Start { READY, PORT_TAKEN }

    private final String name;
    private final Process process;
    private final Path log;
    private final Thread killOnExit;

    private ServerProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
        // If the test JVM is torn down (failsafe timeout, Ctrl-C) the servers must not linger.
        this.killOnExit = new Thread(this::killTree, "stop " + name);
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    static ServerProcess start(String name, List<String> command, Map<String, String> env, Path workDir, Path log) {
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        builder.environment().putAll(env);
        try {
            return new ServerProcess(name, builder.start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + command, e);
        }
    }

    /**
     * Polls (no fixed sleeps) until the log shows {@code ready} and {@code port} accepts TCP
     * connections. Returns PORT_TAKEN when the log shows {@code portTaken} (the caller retries with
     * fresh ports); throws with the log tail when the process dies or the timeout passes.
     */
    Start awaitReady(Predicate<String> ready, Predicate<String> portTaken, int port, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            String text = log();
            if (portTaken.test(text)) {
                close();
                return Start.PORT_TAKEN;
            }
            if (!process.isAlive()) {
                close(); // leftover children, shutdown hook
                throw new IllegalStateException(name + " exited with status " + process.exitValue()
                        + " before it was ready; log tail:\n" + logTail(60));
            }
            if (ready.test(text) && accepts(port)) {
                return Start.READY;
            }
            pause(100);
        }
        String tail = logTail(60);
        close();
        throw new IllegalStateException(name + " was not ready on 127.0.0.1:" + port + " within " + timeout
                + "; log tail:\n" + tail);
    }

    /** Waits for a short-lived command (prosodyctl, ejabberd_ctl) and returns its exit status. */
    int awaitExit(Duration timeout) {
        try {
            if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                Runtime.getRuntime().removeShutdownHook(killOnExit);
                return process.exitValue();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        close();
        throw new IllegalStateException(name + " did not finish within " + timeout + "; output:\n" + logTail(40));
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    String log() {
        try {
            // Lenient decoding: ejabberd echoes client-supplied bytes, which need not be valid UTF-8.
            return Files.exists(log) ? new String(Files.readAllBytes(log), StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    /** Current length of the log file in bytes. */
    long logSize() {
        try {
            return Files.exists(log) ? Files.size(log) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /** The log from byte {@code offset} on (leniently decoded, like {@link #log()}). */
    String logFrom(long offset) {
        try {
            byte[] all = Files.exists(log) ? Files.readAllBytes(log) : new byte[0];
            int from = (int) Math.min(Math.max(offset, 0), all.length);
            return new String(all, from, all.length - from, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    String logTail(int lines) {
        return tail(log(), lines);
    }

    static String tail(String text, int lines) {
        String[] all = text.split("\n", -1);
        int from = Math.max(0, all.length - lines);
        return String.join("\n", Arrays.copyOfRange(all, from, all.length));
    }

    static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    /** SIGTERM (both servers shut down cleanly on it), SIGKILL after 15 s, then any leftover children. */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException jvmAlreadyExiting) {
            // the hook is running or will run; doing the same work twice is harmless
        }
        killTree();
    }

    private void killTree() {
        // Snapshot first: once the parent is gone its children are re-parented and unreachable.
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        // ProcessHandle checks the start time too, so a recycled PID is never hit.
        for (ProcessHandle child : children) {
            if (child.isAlive()) {
                child.destroy();
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (ProcessHandle child : children) {
            while (child.isAlive() && System.nanoTime() < deadline) {
                pause(50);
            }
            if (child.isAlive()) {
                child.destroyForcibly();
            }
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a server", e);
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ")";
    }
}
