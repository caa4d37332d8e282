package org.prosodyfiler.ops;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells systemd about our state ({@code Type=notify}): {@code READY=1} once the listener is bound,
 * {@code STOPPING=1} when a graceful shutdown begins, {@code STATUS=...} for {@code systemctl status}.
 *
 * <p>The protocol is one datagram on the AF_UNIX socket named by {@code $NOTIFY_SOCKET}. The JDK
 * has Unix domain <em>stream</em> sockets only, so the datagram goes out through the socket
 * primitives of Netty's native epoll library, which the server loads anyway. Where that library is
 * unavailable (not Linux x86_64), we fall back to the {@code systemd-notify} command, which sends
 * from its own PID: systemd then accepts it only with {@code NotifyAccess=all}.
 * Without {@code $NOTIFY_SOCKET} (not started by systemd) every call does nothing.
 */
public final class SystemdNotify {
    private static final Logger log = LoggerFactory.getLogger(SystemdNotify.class);

    private final Optional<String> socket;
    private boolean warned;

    SystemdNotify(Optional<String> socket) {
        this.socket = socket.filter(s -> !s.isBlank());
    }

    public static SystemdNotify fromEnvironment() {
        return new SystemdNotify(Optional.ofNullable(System.getenv("NOTIFY_SOCKET")));
    }

    public boolean enabled() {
        return socket.isPresent();
    }

    public boolean ready(String status) {
        return send("READY=1\nSTATUS=" + oneLine(status));
    }

    public boolean stopping(String status) {
        return send("STOPPING=1\nSTATUS=" + oneLine(status));
    }

    public boolean status(String status) {
        return send("STATUS=" + oneLine(status));
    }

    /**
     * Sends newline-separated assignments. Returns false (and logs once) when it could not be
     * delivered; a service manager that never hears READY=1 times out the start, which is the
     * loud failure we want, so there is nothing more to do here.
     */
    public synchronized boolean send(String state) {
        if (socket.isEmpty()) {
            return false;
        }
        try {
            if (Epoll.isAvailable()) {
                sendDatagram(socket.get(), state);
            } else {
                runSystemdNotify(state);
            }
            return true;
        } catch (IOException | RuntimeException e) {
            if (!warned) {
                warned = true;
                log.warn("cannot notify systemd via {}: {}", socket.get(), e.getMessage() != null ? e.getMessage() : e.toString());
            }
            return false;
        }
    }

    /** sd_notify(3): "@name" is an abstract-namespace socket, which the kernel spells with a leading NUL. */
    static byte[] addressBytes(String notifySocket) {
        String path = notifySocket.startsWith("@") ? "\0" + notifySocket.substring(1) : notifySocket;
        return path.getBytes(StandardCharsets.UTF_8);
    }

    private static void sendDatagram(String notifySocket, String state) throws IOException {
        byte[] message = state.getBytes(StandardCharsets.UTF_8);
        // The native call needs a direct buffer; the socket is non-blocking, so a momentarily
        // full receive queue (EAGAIN) is retried a few times instead of blocking.
        ByteBuffer buf = ByteBuffer.allocateDirect(message.length).put(message).flip();
        Socket s = Socket.newSocketDomainDgram();
        try {
            IOException last = null;
            for (int attempt = 0; attempt < 20; attempt++) {
                try {
                    int sent = s.sendToDomainSocket(buf, 0, message.length, addressBytes(notifySocket));
                    if (sent == message.length) {
                        return;
                    }
                    last = new IOException("short datagram: " + sent + " of " + message.length + " bytes");
                } catch (IOException e) {
                    last = e;
                }
                sleepQuietly(5);
            }
            throw last;
        } finally {
            s.close();
        }
    }

    private static void runSystemdNotify(String state) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("systemd-notify", "--pid=" + ProcessHandle.current().pid()));
        cmd.addAll(List.of(state.split("\n")));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("systemd-notify did not finish");
            }
            if (p.exitValue() != 0) {
                throw new IOException("systemd-notify exited with " + p.exitValue());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    private static String oneLine(String s) {
        return s.replace('\n', ' ');
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
