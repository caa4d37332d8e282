import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** One request on a fresh blocking connection: readiness probes and the startup scenario. */
final class Blocking {
    private Blocking() {
    }

    /** Sends a body-less request; returns the status, or -1 if nothing answered. */
    static int status(int port, String request) {
        return exchange(port, new Req("", request.getBytes(StandardCharsets.US_ASCII), 0, 0, 0, -1, 0, false), null);
    }

    /** Sends the request (body from the pattern); returns the status, or -1 if nothing answered. */
    static int exchange(int port, Req req, Pattern pattern) {
        try (Socket s = new Socket()) {
            s.setSoTimeout(10_000);
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
            OutputStream out = s.getOutputStream();
            out.write(req.head());
            byte[] chunk = new byte[64 * 1024];
            for (long sent = 0; sent < req.bodyLen(); ) {
                int n = (int) Math.min(chunk.length, req.bodyLen() - sent);
                pattern.window(req.bodyShift(), sent, n).get(chunk, 0, n);
                out.write(chunk, 0, n);
                sent += n;
            }
            out.flush();
            ResponseParser p = new ResponseParser(pattern);
            p.reset(req);
            InputStream in = s.getInputStream();
            byte[] buf = new byte[16 * 1024];
            while (true) {
                int n = in.read(buf);
                if (n < 0) {
                    return p.eof() ? p.status : -1;
                }
                if (p.feed(ByteBuffer.wrap(buf, 0, n))) {
                    return p.status;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
