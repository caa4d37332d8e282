package org.prosodyfiler.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;

/** Where the server listens: a TCP host:port, or a Unix domain socket path (Go's `unixsocket`). */
public sealed interface ListenAddress {

    record Tcp(String host, int port) implements ListenAddress {
        public InetSocketAddress socketAddress() {
            return host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
        }

        @Override
        public String toString() {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }

    record Unix(Path path) implements ListenAddress {
        @Override
        public String toString() {
            return "unix:" + path;
        }
    }

    /**
     * Parses the Go original's `listenport` value: "[::]:5050", "127.0.0.1:5050", ":5050"
     * (all interfaces), "localhost:5050"; or, when {@code unixSocket} is true, a socket path.
     */
    static ListenAddress parse(String value, boolean unixSocket) {
        if (value == null || value.isBlank()) {
            throw new ConfigException("listenport is empty");
        }
        String v = value.trim();
        if (unixSocket) {
            return new Unix(ConfigLoader.path("listenport", v));
        }
        int colon = v.lastIndexOf(':');
        if (colon < 0) {
            throw new ConfigException("listenport \"" + v + "\" is not host:port (e.g. \"[::]:5050\" or \"127.0.0.1:5050\")");
        }
        String host = v.substring(0, colon);
        String portText = v.substring(colon + 1);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new ConfigException("listenport \"" + v + "\": put IPv6 addresses in brackets, e.g. \"[::1]:5050\"");
        }
        int port;
        try {
            port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            throw new ConfigException("listenport \"" + v + "\": port \"" + portText + "\" is not a number");
        }
        if (port < 0 || port > 65535) {
            throw new ConfigException("listenport \"" + v + "\": port out of range 0-65535");
        }
        return new Tcp(host, port);
    }
}
