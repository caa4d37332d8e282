package org.prosodyfiler.storage;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/** Bytes to send for a download: a file region (sent zero-copy by the kernel), bytes in memory, or a stream. */
public sealed interface Body extends AutoCloseable {

    long length();

    @Override
    void close() throws java.io.IOException;

    /** A region of an open file; the HTTP layer hands it to sendfile and closes it when sent. */
    record FileRegionBody(FileChannel channel, long position, long length) implements Body {
        @Override
        public void close() throws java.io.IOException {
            channel.close();
        }
    }

    /** Bytes already in memory (a small file), a read-only view: sent with the headers in one write. */
    record InMemoryBody(ByteBuffer bytes) implements Body {
        @Override
        public long length() {
            return bytes.remaining();
        }

        @Override
        public void close() {
            // nothing to release: the bytes are shared with the store's cache
        }
    }

    /** Bytes from somewhere without a file descriptor (S3); read off the event loop. */
    record StreamBody(InputStream stream, long length) implements Body {
        @Override
        public void close() throws java.io.IOException {
            stream.close();
        }
    }
}
