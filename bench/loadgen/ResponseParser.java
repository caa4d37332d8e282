import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Incremental HTTP/1.1 response parser for one connection: status line and headers, then a body
 * delimited by Content-Length, chunked encoding or connection close. Body bytes are counted and,
 * when asked, compared with the expected {@link Pattern} window as they arrive (no copies).
 */
final class ResponseParser {
    private enum State { HEAD, BODY, CHUNK_LINE, CHUNK_DATA, CHUNK_END, TRAILER, UNTIL_EOF, DONE }

    private final Pattern pattern;
    private final byte[] head = new byte[16 * 1024];
    private final StringBuilder line = new StringBuilder();
    private State state;
    private int headLen;
    private long remaining;

    int status;
    boolean keepAlive;
    long bodyBytes;
    boolean mismatch;
    private boolean verify;
    private long shift;

    ResponseParser(Pattern pattern) {
        this.pattern = pattern;
    }

    void reset(Req req) {
        state = State.HEAD;
        headLen = 0;
        status = 0;
        keepAlive = true;
        bodyBytes = 0;
        mismatch = false;
        verify = req.verify();
        shift = req.expectShift();
        line.setLength(0);
    }

    boolean done() {
        return state == State.DONE;
    }

    /** True once the status line has been read (so an early answer to an upload can be reported). */
    boolean started() {
        return state != State.HEAD || headLen > 0;
    }

    /** Consumes bytes from buf; returns true when the response is complete. */
    boolean feed(ByteBuffer buf) throws java.io.IOException {
        while (buf.hasRemaining() && state != State.DONE) {
            switch (state) {
                case HEAD -> readHead(buf);
                case BODY -> {
                    int n = (int) Math.min(remaining, buf.remaining());
                    body(buf, n);
                    remaining -= n;
                    if (remaining == 0) {
                        state = State.DONE;
                    }
                }
                case UNTIL_EOF -> body(buf, buf.remaining());
                case CHUNK_LINE -> {
                    if (readLine(buf)) {
                        String s = line.toString();
                        int semi = s.indexOf(';');
                        remaining = Long.parseLong((semi >= 0 ? s.substring(0, semi) : s).trim(), 16);
                        line.setLength(0);
                        state = remaining == 0 ? State.TRAILER : State.CHUNK_DATA;
                    }
                }
                case CHUNK_DATA -> {
                    int n = (int) Math.min(remaining, buf.remaining());
                    body(buf, n);
                    remaining -= n;
                    if (remaining == 0) {
                        state = State.CHUNK_END;
                    }
                }
                case CHUNK_END -> {
                    if (readLine(buf)) {
                        line.setLength(0);
                        state = State.CHUNK_LINE;
                    }
                }
                case TRAILER -> {
                    if (readLine(buf)) {
                        boolean empty = line.isEmpty();
                        line.setLength(0);
                        if (empty) {
                            state = State.DONE;
                        }
                    }
                }
                case DONE -> { }
            }
        }
        return state == State.DONE;
    }

    /** The peer closed the connection: completes a close-delimited body, else the response is cut. */
    boolean eof() {
        if (state == State.UNTIL_EOF) {
            state = State.DONE;
        }
        return state == State.DONE;
    }

    private void body(ByteBuffer buf, int n) {
        if (verify && !mismatch) {
            ByteBuffer part = buf.slice(buf.position(), n);
            mismatch = !pattern.matches(part, shift, bodyBytes);
        }
        buf.position(buf.position() + n);
        bodyBytes += n;
    }

    private boolean readLine(ByteBuffer buf) {
        while (buf.hasRemaining()) {
            char c = (char) (buf.get() & 0xFF);
            if (c == '\n') {
                int len = line.length();
                if (len > 0 && line.charAt(len - 1) == '\r') {
                    line.setLength(len - 1);
                }
                return true;
            }
            line.append(c);
        }
        return false;
    }

    private void readHead(ByteBuffer buf) throws java.io.IOException {
        while (buf.hasRemaining()) {
            if (headLen == head.length) {
                throw new java.io.IOException("response head larger than " + head.length + " bytes");
            }
            byte b = buf.get();
            head[headLen++] = b;
            if (b == '\n' && headLen >= 4 && head[headLen - 2] == '\r' && head[headLen - 3] == '\n'
                    && head[headLen - 4] == '\r') {
                parseHead();
                return;
            }
        }
    }

    /** Parses the head in place (no strings): it runs once per request, so it must be cheap. */
    private void parseHead() throws java.io.IOException {
        int end = headLen - 4;
        int eol = indexOf(head, (byte) '\r', 0, end);
        if (eol < 12 || !startsWith(head, 0, "HTTP/1.") || head[8] != ' ') {
            throw new java.io.IOException("bad status line: "
                    + new String(head, 0, Math.max(0, eol < 0 ? end : eol), StandardCharsets.ISO_8859_1));
        }
        status = digit(head[9]) * 100 + digit(head[10]) * 10 + digit(head[11]);
        keepAlive = head[7] != '0';
        long length = -1;
        boolean chunked = false;
        int pos = eol + 2;
        while (pos < end) {
            int lineEnd = indexOf(head, (byte) '\r', pos, end);
            if (lineEnd < 0) {
                lineEnd = end;
            }
            int colon = indexOf(head, (byte) ':', pos, lineEnd);
            if (colon > pos) {
                int v = colon + 1;
                while (v < lineEnd && (head[v] == ' ' || head[v] == '\t')) {
                    v++;
                }
                if (nameIs(pos, colon, "content-length")) {
                    length = 0;
                    for (int i = v; i < lineEnd && head[i] >= '0' && head[i] <= '9'; i++) {
                        length = length * 10 + (head[i] - '0');
                    }
                } else if (nameIs(pos, colon, "transfer-encoding")) {
                    chunked = containsIgnoreCase(v, lineEnd, "chunked");
                } else if (nameIs(pos, colon, "connection")) {
                    if (containsIgnoreCase(v, lineEnd, "close")) {
                        keepAlive = false;
                    } else if (containsIgnoreCase(v, lineEnd, "keep-alive")) {
                        keepAlive = true;
                    }
                }
            }
            pos = lineEnd + 2;
        }
        if (status / 100 == 1) {          // interim response: wait for the real one
            headLen = 0;
            return;
        }
        if (status == 204 || status == 304) {
            state = State.DONE;
        } else if (chunked) {
            state = State.CHUNK_LINE;
        } else if (length >= 0) {
            remaining = length;
            state = length == 0 ? State.DONE : State.BODY;
        } else {
            keepAlive = false;
            state = State.UNTIL_EOF;
        }
    }

    private static int digit(byte b) throws java.io.IOException {
        if (b < '0' || b > '9') {
            throw new java.io.IOException("bad status code");
        }
        return b - '0';
    }

    private static int indexOf(byte[] a, byte b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (a[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private static boolean startsWith(byte[] a, int at, String ascii) {
        for (int i = 0; i < ascii.length(); i++) {
            if (a[at + i] != ascii.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private boolean nameIs(int from, int to, String lower) {
        int n = to;
        while (n > from && head[n - 1] == ' ') {
            n--;
        }
        if (n - from != lower.length()) {
            return false;
        }
        for (int i = 0; i < lower.length(); i++) {
            if ((head[from + i] | 0x20) != lower.charAt(i) && head[from + i] != lower.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private boolean containsIgnoreCase(int from, int to, String lower) {
        outer:
        for (int i = from; i + lower.length() <= to; i++) {
            for (int k = 0; k < lower.length(); k++) {
                if ((head[i + k] | 0x20) != lower.charAt(k)) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
