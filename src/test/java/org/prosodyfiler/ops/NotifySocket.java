package org.prosodyfiler.ops;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.DomainDatagramSocketAddress;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Plays systemd's side of sd_notify: an AF_UNIX datagram socket, bound to a path or, for "@name",
 * to an abstract address. The JDK cannot open one, so it uses Netty's native socket like the server.
 */
final class NotifySocket implements AutoCloseable {
    private final Socket socket;
    private final String address;

    private NotifySocket(Socket socket, String address) {
        this.socket = socket;
        this.address = address;
    }

    static NotifySocket bind(String address) throws IOException {
        Epoll.ensureAvailability();
        Socket s = Socket.newSocketDomainDgram();
        String native_ = address.startsWith("@") ? "\0" + address.substring(1) : address;
        s.bind(new DomainSocketAddress(native_));
        if (!address.startsWith("@")) {
            // The server under test may run as another user (the Debian package test).
            Files.setPosixFilePermissions(Path.of(address), java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
        }
        return new NotifySocket(s, address);
    }

    /** The value for NOTIFY_SOCKET. */
    String address() {
        return address;
    }

    /** The next datagram as text, or null if none arrives within the timeout. */
    String receive(long timeoutMillis) throws IOException, InterruptedException {
        ByteBuffer buf = ByteBuffer.allocateDirect(4096);
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (System.nanoTime() < deadline) {
            DomainDatagramSocketAddress from = socket.recvFromDomainSocket(buf, 0, buf.capacity());
            if (from != null) {
                byte[] b = new byte[from.receivedAmount()];
                buf.get(0, b);
                return new String(b, StandardCharsets.UTF_8);
            }
            Thread.sleep(10); // the socket is non-blocking
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        socket.close();
        if (!address.startsWith("@")) {
            Files.deleteIfExists(Path.of(address));
        }
    }
}
