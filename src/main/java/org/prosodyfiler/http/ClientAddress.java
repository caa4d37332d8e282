package org.prosodyfiler.http;

import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;

/**
 * Who a request comes from, for per-client limits. Behind a reverse proxy every request comes
 * from the proxy; only when the admin lists it in trustedProxies do we believe its
 * X-Forwarded-For. A loopback peer that is not a trusted proxy is exempt (null): it is a local
 * proxy whose clients we cannot tell apart, and limiting it would limit everyone at once.
 */
final class ClientAddress {
    private ClientAddress() {
    }

    static String of(SocketAddress peer, HttpHeaders headers, List<String> trustedProxies) {
        if (!(peer instanceof InetSocketAddress in) || in.getAddress() == null) {
            return null; // Unix socket: always a local proxy
        }
        String ip = in.getAddress().getHostAddress();
        if (trustedProxies.contains(ip)) {
            String xff = headers.get("X-Forwarded-For");
            if (xff != null && !xff.isBlank()) {
                // The last hop is the one our trusted proxy saw; earlier ones the client could forge.
                String[] hops = xff.split(",");
                return hops[hops.length - 1].trim();
            }
            return null;
        }
        return in.getAddress().isLoopbackAddress() ? null : ip;
    }
}
