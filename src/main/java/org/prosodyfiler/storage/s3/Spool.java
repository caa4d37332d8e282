package org.prosodyfiler.storage.s3;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import software.amazon.awssdk.http.ContentStreamProvider;

/**
 * Holds the bytes of one part (or of a whole small upload) until they go to S3, in a temp file
 * rather than the heap: memory per upload stays a few KiB whatever the part size, the page
 * cache (reclaimable, shared) does the buffering, and a part can be re-read when the SDK retries
 * a request. The file is unlinked right after it is opened, so a crash leaves nothing behind.
 * One writer and one reader at a time, never both: the upload switches between two spools.
 */
final class Spool implements AutoCloseable {
    private final FileChannel channel;
    private long length;

    private Spool(FileChannel channel) {
        this.channel = channel;
    }

    static Spool create(Path dir) throws IOException {
        Path file = dir.resolve("part-" + UUID.randomUUID());
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE, StandardOpenOption.DELETE_ON_CLOSE);
        try {
            Files.deleteIfExists(file);
        } catch (IOException notUnlinkable) {
            // DELETE_ON_CLOSE still removes it when the upload ends
        }
        return new Spool(ch);
    }

    long length() {
        return length;
    }

    /** Appends all remaining bytes of {@code buffers}. */
    void append(ByteBuffer... buffers) throws IOException {
        long want = 0;
        for (ByteBuffer b : buffers) {
            want += b.remaining();
        }
        channel.position(length);
        long done = 0;
        while (done < want) {
            done += channel.write(buffers);
        }
        length += want;
    }

    /** Empties the spool for the next part; the file keeps its blocks in the page cache. */
    void reset() throws IOException {
        channel.truncate(0);
        length = 0;
    }

    /** A body the SDK can open again on a retry; each stream reads the spool from the start. */
    ContentStreamProvider contents() {
        long end = length;
        return () -> new RegionStream(channel, end);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    /** Positional reads, so a stream never disturbs the channel's position. */
    private static final class RegionStream extends InputStream {
        private final FileChannel channel;
        private final long end;
        private long pos;

        RegionStream(FileChannel channel, long end) {
            this.channel = channel;
            this.end = end;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (pos >= end) {
                return -1;
            }
            int n = channel.read(ByteBuffer.wrap(b, off, (int) Math.min(len, end - pos)), pos);
            if (n < 0) {
                throw new IOException("spool shorter than expected at " + pos + " of " + end);
            }
            pos += n;
            return n;
        }

        @Override
        public long skip(long n) {
            long k = Math.max(0, Math.min(n, end - pos));
            pos += k;
            return k;
        }

        @Override
        public int available() {
            return (int) Math.min(Integer.MAX_VALUE, end - pos);
        }
    }
}
