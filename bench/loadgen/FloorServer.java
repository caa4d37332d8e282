import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A reference point for put-small, not a server to use: the least work a server can do to store
 * an upload as a file in the Go original's layout, with no MAC check, no metadata, no logging and
 * no error handling worth the name. Per upload it makes only the system calls the job needs:
 * read the request, open a temp file, write, close, mkdir, rename, write the answer. Its kernel
 * time per upload is therefore a floor for every server that keeps this layout, ours and nginx's
 * DAV module alike; {@code bench/run.sh --floor} runs it as a third server in put-small.
 *
 * <p>One selector thread per core, like nginx's {@code worker_processes auto}. Only PUT with a
 * Content-Length is handled; anything else gets a 404 (that is enough for the readiness probe).
 */
public final class FloorServer {
    private static final byte[] CREATED = "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NOT_FOUND = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final String PREFIX = "/upload/";

    private FloorServer() {
    }

    /** Usage: FloorServer STORE PORT (0 = any free port; the chosen one is printed). */
    public static void main(String[] args) throws IOException {
        Path store = Path.of(args[0]);
        Path temp = Files.createDirectories(store.resolve(".floor-tmp"));
        ServerSocketChannel server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[1])), 1024);
        int threads = Runtime.getRuntime().availableProcessors();
        Worker[] workers = new Worker[threads];
        for (int i = 0; i < threads; i++) {
            workers[i] = new Worker(store, temp, i);
            Thread t = new Thread(workers[i], "floor-" + i);
            t.setDaemon(true);
            t.start();
        }
        System.out.printf(Locale.ROOT, "listening on http://127.0.0.1:%d/upload/%n", ((InetSocketAddress) server.getLocalAddress()).getPort());
        System.out.flush();
        for (long n = 0; ; n++) {
            SocketChannel ch = server.accept();
            workers[(int) (n % threads)].adopt(ch);
        }
    }

    private static final class Worker implements Runnable {
        private final Path store;
        private final Path temp;
        private final int id;
        private final Selector selector;
        private final ConcurrentLinkedQueue<SocketChannel> arrivals = new ConcurrentLinkedQueue<>();
        private final ByteBuffer buf = ByteBuffer.allocateDirect(64 * 1024);
        private long tempCounter;

        Worker(Path store, Path temp, int id) throws IOException {
            this.store = store;
            this.temp = temp;
            this.id = id;
            this.selector = Selector.open();
        }

        void adopt(SocketChannel ch) {
            arrivals.add(ch);
            selector.wakeup();
        }

        @Override
        public void run() {
            while (true) {
                try {
                    selector.select();
                    for (SocketChannel ch; (ch = arrivals.poll()) != null; ) {
                        ch.configureBlocking(false);
                        ch.register(selector, SelectionKey.OP_READ, new Conn());
                    }
                    for (SelectionKey k : selector.selectedKeys()) {
                        serve(k);
                    }
                    selector.selectedKeys().clear();
                } catch (IOException e) {
                    System.err.println("floor: " + e);
                }
            }
        }

        /** Reads what the client sent and handles every complete part of it. */
        private void serve(SelectionKey k) {
            SocketChannel ch = (SocketChannel) k.channel();
            Conn c = (Conn) k.attachment();
            try {
                buf.clear();
                int n = ch.read(buf);
                if (n < 0) {
                    c.abandon();
                    ch.close();
                    return;
                }
                buf.flip();
                while (buf.hasRemaining()) {
                    if (c.bodyLeft < 0) {
                        if (!c.readHead(buf)) {
                            return;
                        }
                        if (!c.isPut) {
                            write(ch, NOT_FOUND);
                            c.reset();
                            continue;
                        }
                        c.tempFile = temp.resolve(id + "-" + tempCounter++);
                        c.file = FileChannel.open(c.tempFile, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                    }
                    int take = (int) Math.min(buf.remaining(), c.bodyLeft);
                    ByteBuffer part = buf.slice(buf.position(), take);
                    while (part.hasRemaining()) {
                        c.file.write(part);
                    }
                    buf.position(buf.position() + take);
                    c.bodyLeft -= take;
                    if (c.bodyLeft == 0) {
                        publish(c);
                        write(ch, CREATED);
                        c.reset();
                    }
                }
            } catch (IOException | RuntimeException e) {
                c.abandon();
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // closing after a failure; nothing left to save
                }
            }
        }

        private void publish(Conn c) throws IOException {
            c.file.close();
            c.file = null;
            Path dest = store.resolve(c.target);
            try {
                Files.createDirectory(dest.getParent());
            } catch (FileAlreadyExistsException fine) {
                // another upload made it
            }
            Files.move(c.tempFile, dest, StandardCopyOption.ATOMIC_MOVE);
        }

        private static void write(SocketChannel ch, byte[] answer) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(answer);
            while (b.hasRemaining()) {
                ch.write(b); // a few dozen bytes into an empty send buffer: never short in practice
            }
        }
    }

    /** One connection's parsing state: the head so far, then the body still to come. */
    private static final class Conn {
        private final StringBuilder head = new StringBuilder();
        long bodyLeft = -1;
        boolean isPut;
        String target;
        Path tempFile;
        FileChannel file;

        /** Consumes head bytes; true once the blank line is reached and the head is parsed. */
        boolean readHead(ByteBuffer buf) {
            while (buf.hasRemaining()) {
                head.append((char) (buf.get() & 0xFF));
                int len = head.length();
                if (len >= 4 && head.charAt(len - 1) == '\n' && head.charAt(len - 2) == '\r'
                        && head.charAt(len - 3) == '\n' && head.charAt(len - 4) == '\r') {
                    parse();
                    return true;
                }
            }
            return false;
        }

        private void parse() {
            String[] lines = head.toString().split("\r\n");
            String[] requestLine = lines[0].split(" ");
            String uri = requestLine[1];
            int q = uri.indexOf('?');
            String path = q < 0 ? uri : uri.substring(0, q);
            isPut = requestLine[0].equals("PUT") && path.startsWith(PREFIX);
            target = isPut ? path.substring(PREFIX.length()) : null;
            bodyLeft = 0;
            for (String line : lines) {
                if (line.regionMatches(true, 0, "content-length:", 0, 15)) {
                    bodyLeft = Long.parseLong(line.substring(15).trim());
                }
            }
            head.setLength(0);
        }

        void reset() {
            bodyLeft = -1;
            target = null;
            tempFile = null;
        }

        void abandon() {
            if (file != null) {
                try {
                    file.close();
                    Files.deleteIfExists(tempFile);
                } catch (IOException ignored) {
                    // a bench reference: a stray temp file does not matter
                }
            }
        }
    }
}
