import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * The load generator: one thread, one selector, N keep-alive HTTP/1.1 connections on loopback,
 * each sending its next request as soon as the previous response is complete (closed loop).
 * Upload bodies are written straight from {@link Pattern} windows; download bodies are read into
 * one shared buffer and checked in place. Every run is bounded by a deadline.
 */
final class Engine {
    /** Hands out work; null means this connection has nothing more to do. */
    interface Source {
        Req next(int conn);
    }

    private static final int CHUNK = 256 * 1024;
    private static final int MAX_CONNECT_FAILURES = 50;

    private final InetSocketAddress addr;
    private final Pattern pattern;
    private final long idleTimeoutNanos;
    private final ByteBuffer readBuf = ByteBuffer.allocateDirect(CHUNK);
    private final ByteBuffer[] pair = new ByteBuffer[2];

    Engine(int port, Pattern pattern, long idleTimeoutNanos) {
        this.addr = new InetSocketAddress("127.0.0.1", port);
        this.pattern = pattern;
        this.idleTimeoutNanos = idleTimeoutNanos;
    }

    private final class Conn {
        final int id;
        SocketChannel ch;
        SelectionKey key;
        Req req;
        ByteBuffer head;
        long bodySent;
        long startNanos;
        long lastIoNanos;
        final ResponseParser resp = new ResponseParser(pattern);

        Conn(int id) {
            this.id = id;
        }
    }

    private Selector selector;
    private Source source;
    private Recorder rec;
    private int open;
    private int connectFailures;

    /** Runs until every connection's source is exhausted or the deadline passes. */
    void run(Source source, int connections, long deadlineNanos, Recorder rec) throws IOException {
        this.source = source;
        this.rec = rec;
        this.open = 0;
        this.connectFailures = 0;
        List<Conn> conns = new ArrayList<>();
        try (Selector sel = Selector.open()) {
            this.selector = sel;
            for (int i = 0; i < connections; i++) {
                Conn c = new Conn(i);
                conns.add(c);
                connect(c);
            }
            while (open > 0) {
                long now = System.nanoTime();
                if (now > deadlineNanos) {
                    for (Conn c : conns) {
                        if (c.ch != null) {
                            if (c.req != null) {
                                rec.error("deadline");
                            }
                            close(c);
                        }
                    }
                    break;
                }
                sel.select(100);
                now = System.nanoTime();
                for (SelectionKey k : sel.selectedKeys()) {
                    Conn c = (Conn) k.attachment();
                    try {
                        if (!k.isValid()) {
                            continue;
                        }
                        if (k.isConnectable()) {
                            finishConnect(c);
                        } else {
                            if (k.isWritable()) {
                                send(c);
                            }
                            if (c.ch != null && k.isValid() && k.isReadable()) {
                                receive(c);
                            }
                        }
                    } catch (IOException | RuntimeException e) {
                        failed(c, e);
                    }
                }
                sel.selectedKeys().clear();
                for (Conn c : conns) {
                    if (c.ch != null && now - c.lastIoNanos > idleTimeoutNanos) {
                        rec.error(c.req != null ? "timeout" : "idle");
                        c.req = null;
                        close(c);
                        reconnect(c);
                    }
                }
            }
        } finally {
            for (Conn c : conns) {
                close(c);
            }
        }
    }

    private void connect(Conn c) throws IOException {
        SocketChannel ch = SocketChannel.open();
        ch.configureBlocking(false);
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        c.ch = ch;
        c.lastIoNanos = System.nanoTime();
        open++;
        if (ch.connect(addr)) {
            c.key = ch.register(selector, 0, c);
            next(c);
        } else {
            c.key = ch.register(selector, SelectionKey.OP_CONNECT, c);
        }
    }

    private void finishConnect(Conn c) throws IOException {
        try {
            c.ch.finishConnect();
        } catch (IOException e) {
            rec.error("connect");
            close(c);
            if (++connectFailures > MAX_CONNECT_FAILURES) {
                throw new IOException("server refuses connections: " + e.getMessage(), e);
            }
            connect(c);
            return;
        }
        next(c);
    }

    /** Starts the connection's next request, or closes it when there is no more work. */
    private void next(Conn c) throws IOException {
        Req r = source.next(c.id);
        c.req = r;
        if (r == null) {
            close(c);
            return;
        }
        c.head = ByteBuffer.wrap(r.head());
        c.bodySent = 0;
        c.resp.reset(r);
        c.startNanos = System.nanoTime();
        c.lastIoNanos = c.startNanos;
        send(c);
    }

    private void send(Conn c) throws IOException {
        Req r = c.req;
        if (r == null) {
            c.key.interestOps(SelectionKey.OP_READ);
            return;
        }
        while (c.head.hasRemaining() || c.bodySent < r.bodyLen()) {
            int n = (int) Math.min(CHUNK, r.bodyLen() - c.bodySent);
            long written;
            if (n > 0) {
                pair[0] = c.head;
                pair[1] = pattern.window(r.bodyShift(), c.bodySent, n);
                int headLeft = c.head.remaining();
                written = c.ch.write(pair);
                c.bodySent += Math.max(0, written - headLeft);
            } else {
                written = c.ch.write(c.head);
            }
            if (written == 0) {
                c.key.interestOps(SelectionKey.OP_WRITE | SelectionKey.OP_READ);
                return;
            }
            c.lastIoNanos = System.nanoTime();
        }
        c.key.interestOps(SelectionKey.OP_READ);
    }

    private void receive(Conn c) throws IOException {
        for (int round = 0; round < 16; round++) {
            readBuf.clear();
            int n = c.ch.read(readBuf);
            if (n == 0) {
                return;
            }
            c.lastIoNanos = System.nanoTime();
            if (n < 0) {
                if (c.req != null && c.resp.eof()) {
                    complete(c);
                } else if (c.req != null) {
                    rec.error(c.resp.started() ? "cut" : "closed");
                    c.req = null;
                }
                close(c);
                reconnect(c);
                return;
            }
            readBuf.flip();
            if (c.req == null) {
                rec.error("unsolicited");
                close(c);
                reconnect(c);
                return;
            }
            if (c.resp.feed(readBuf)) {
                boolean bodyFinished = c.bodySent == c.req.bodyLen() && !c.head.hasRemaining();
                complete(c);
                if (!c.resp.keepAlive || !bodyFinished || readBuf.hasRemaining()) {
                    close(c);
                    reconnect(c);
                } else {
                    next(c);
                }
                return;
            }
            if (n < readBuf.capacity()) {
                return;
            }
        }
    }

    /** Records a complete response against what the request expected. */
    private void complete(Conn c) {
        Req r = c.req;
        ResponseParser p = c.resp;
        long latency = System.nanoTime() - c.startNanos;
        c.req = null;
        if (p.status != r.expectStatus()) {
            rec.error("HTTP " + p.status);
        } else if (r.expectLen() >= 0 && p.bodyBytes != r.expectLen()) {
            rec.error("length");
        } else if (p.mismatch) {
            rec.error("verify");
        } else {
            rec.ok(latency, r.bodyLen() + (r.expectLen() >= 0 ? p.bodyBytes : 0));
        }
    }

    private void failed(Conn c, Exception e) throws IOException {
        if (e instanceof IOException io && io.getMessage() != null && io.getMessage().startsWith("server refuses")) {
            throw io;
        }
        if (c.req != null) {
            String early = e instanceof IOException ? earlyStatus(c) : "";
            rec.error((e instanceof IOException ? "io" : "bad response") + early);
            c.req = null;
        }
        close(c);
        reconnect(c);
    }

    /**
     * A server that rejects an upload may answer and close while the body is still being sent; the
     * write then fails. If the answer is still readable, name its status in the error.
     */
    private String earlyStatus(Conn c) {
        if (c.ch == null || c.resp.started()) {
            return c.resp.status > 0 ? " after HTTP " + c.resp.status : "";
        }
        try {
            readBuf.clear();
            if (c.ch.read(readBuf) > 0) {
                readBuf.flip();
                c.resp.feed(readBuf);
            }
        } catch (IOException | RuntimeException ignored) {
            // nothing readable: the plain "io" error stands
        }
        return c.resp.status > 0 ? " after HTTP " + c.resp.status : "";
    }

    /** Opens a new connection for this slot (the source decides whether it gets any work). */
    private void reconnect(Conn c) throws IOException {
        connect(c);
    }

    private void close(Conn c) {
        if (c.ch != null) {
            try {
                c.ch.close();
            } catch (IOException ignored) {
                // closing a loopback socket cannot lose data we still care about
            }
            c.ch = null;
            c.key = null;
            open--;
        }
    }
}
