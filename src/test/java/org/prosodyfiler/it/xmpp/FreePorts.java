package org.prosodyfiler.it.xmpp;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

/**
 * Picks loopback ports for servers that cannot be told "port 0" and report back (Prosody and
 * ejabberd need the number in their config file). The kernel hands out a free port for a bind
 * to port 0; we close the socket and pass the number on. Someone else may grab it in between,
 * so callers retry the whole server start with fresh ports when it reports a bind clash.
 */
final class FreePorts {
    private FreePorts() {
    }

    /** {@code count} distinct ports that were free on 127.0.0.1 a moment ago. */
    static int[] pick(int count) {
        Set<Integer> seen = new HashSet<>();
        int[] ports = new int[count];
        int i = 0;
        while (i < count) {
            int port = one();
            if (seen.add(port)) {
                ports[i++] = port;
            }
        }
        return ports;
    }

    private static int one() {
        try (ServerSocket socket = new ServerSocket()) {
            // No SO_REUSEADDR: we want a port that is not even in TIME_WAIT.
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind any loopback port", e);
        }
    }
}
