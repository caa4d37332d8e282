package org.prosodyfiler.storage.s3;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.prosodyfiler.protocol.StorePath;
import org.prosodyfiler.storage.FileMeta;
import org.prosodyfiler.storage.Store;
import org.prosodyfiler.storage.StoreException;
import org.prosodyfiler.storage.StoredFile;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * One upload on its way to S3. Small uploads ({@code size <= singlePutMax}) are spooled and sent
 * with one conditional PutObject at commit. Larger ones are a multipart upload: while part n
 * goes to S3 on its own (virtual) thread, part n+1 fills the second spool, so the client is
 * read at full speed and the answer comes one part after the last byte instead of one whole
 * object later. At most one part is in flight; a writer that gets ahead waits for it, and that
 * wait is the back-pressure that slows the client down when S3 is slower.
 *
 * <p>Nothing is visible before commit: a multipart upload is not an object until
 * CompleteMultipartUpload, which carries {@code If-None-Match: *} like the single PutObject.
 */
final class S3Upload implements Store.PendingUpload {
    private final S3Store store;
    private final StorePath path;
    private final String key;
    private final long size;
    private final FileMeta meta;
    private final Map<String, String> metadata;
    private final boolean multipart;
    private final long partSize;
    private final String uploadId;
    private final List<CompletedPart> parts = new ArrayList<>();

    private Spool filling;
    private Spool sending;
    private Future<CompletedPart> inFlight;
    private int nextPart = 1;
    private long written;
    private boolean finished;
    private boolean published;

    S3Upload(S3Store store, StorePath path, String key, long size, FileMeta meta, Map<String, String> metadata,
            long partSize, Spool first, Spool second, String uploadId) {
        this.store = store;
        this.path = path;
        this.key = key;
        this.size = size;
        this.meta = meta;
        this.metadata = metadata;
        this.multipart = uploadId != null;
        this.partSize = partSize;
        this.filling = first;
        this.sending = second;
        this.uploadId = uploadId;
    }

    /** The x-amz-meta- entries this upload writes, its random upload id among them. */
    Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public void write(ByteBuffer[] buffers) throws StoreException {
        long n = 0;
        for (ByteBuffer b : buffers) {
            n += b.remaining();
        }
        if (finished) {
            throw new StoreException(StoreException.Kind.IO, "upload already finished");
        }
        if (written + n > size) {
            throw new StoreException(StoreException.Kind.INCOMPLETE, "body longer than the signed size " + size);
        }
        try {
            if (!multipart) {
                filling.append(buffers);
            } else {
                for (ByteBuffer b : buffers) {
                    fill(b);
                }
            }
        } catch (IOException e) {
            throw spoolFailure(e);
        }
        written += n;
    }

    /** Appends to the current part, sending it whenever it is full. */
    private void fill(ByteBuffer b) throws IOException, StoreException {
        while (b.hasRemaining()) {
            long room = partSize - filling.length();
            if (b.remaining() <= room) {
                filling.append(b);
            } else {
                ByteBuffer head = b.slice(b.position(), (int) room);
                filling.append(head);
                b.position(b.position() + (int) room);
            }
            if (filling.length() == partSize) {
                sendPart();
            }
        }
    }

    private void sendPart() throws StoreException, IOException {
        awaitInFlight();
        Spool full = filling;
        filling = sending;
        sending = full;
        filling.reset();
        int number = nextPart++;
        long length = full.length();
        var body = full.contents();
        inFlight = store.partExecutor().submit(() -> store.uploadPart(key, uploadId, number, body, length));
    }

    private void awaitInFlight() throws StoreException {
        if (inFlight == null) {
            return;
        }
        try {
            parts.add(inFlight.get());
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof StoreException se) {
                throw se;
            }
            throw new StoreException(StoreException.Kind.IO, "part upload failed: " + cause, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException(StoreException.Kind.IO, "interrupted while a part was uploading", e);
        } finally {
            inFlight = null;
        }
    }

    @Override
    public StoredFile commit() throws StoreException {
        if (finished) {
            throw new StoreException(StoreException.Kind.IO, "upload already finished");
        }
        if (written != size) {
            throw new StoreException(StoreException.Kind.INCOMPLETE, "got " + written + " of " + size + " bytes");
        }
        try {
            String etag;
            if (!multipart) {
                etag = store.putObject(key, filling, meta, metadata);
            } else {
                if (filling.length() > 0) {
                    sendPart();
                }
                awaitInFlight();
                etag = store.completeMultipart(key, uploadId, parts, metadata);
            }
            published = true;
            return store.afterCommit(path, size, meta, metadata, etag);
        } catch (IOException e) {
            throw spoolFailure(e);
        } finally {
            abort();
        }
    }

    @Override
    public void abort() {
        if (finished) {
            return;
        }
        finished = true;
        if (inFlight != null) {
            inFlight.cancel(true);
            inFlight = null;
        }
        if (multipart && !published) {
            store.abortMultipart(key, uploadId);
        }
        closeQuietly(filling);
        closeQuietly(sending);
    }

    private static void closeQuietly(Spool s) {
        if (s == null) {
            return;
        }
        try {
            s.close();
        } catch (IOException ignored) {
            // the file is already unlinked; closing only frees the descriptor
        }
    }

    private static StoreException spoolFailure(IOException e) {
        String msg = String.valueOf(e.getMessage());
        if (msg.contains("No space left on device") || msg.contains("Disk quota exceeded")) {
            return new StoreException(StoreException.Kind.NO_SPACE, "spool disk full: " + msg, e);
        }
        return new StoreException(StoreException.Kind.IO, "spool failed: " + msg, e);
    }
}
