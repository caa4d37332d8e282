package org.prosodyfiler.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.prosodyfiler.protocol.Rejection;
import org.prosodyfiler.serving.MimeTypes;
import org.prosodyfiler.protocol.StorePath;
import org.prosodyfiler.protocol.UploadAuthorizer;
import org.prosodyfiler.protocol.UploadGrant;
import org.prosodyfiler.protocol.UploadRequest;
import org.prosodyfiler.storage.FileMeta;
import org.prosodyfiler.storage.Store;
import org.prosodyfiler.storage.StoreException;
import org.prosodyfiler.storage.StoredFile;

/**
 * A PUT: authorised on the event loop (pure checks), then the body streams into a
 * {@link Store.PendingUpload} on the blocking pool.
 *
 * <p>Chunks queue up in arrival order and one worker task at a time drains the queue with a
 * gathering write, so writes stay in order without a thread per upload. Back-pressure: when more
 * than {@link #HIGH_WATER} bytes wait for the disk, the connection stops reading until the queue
 * falls below {@link #LOW_WATER}; the rest waits in the client's socket buffer, not in our memory.
 */
final class UploadExchange implements FilerHandler.Exchange {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(UploadExchange.class);
    static final long HIGH_WATER = 256 * 1024;
    static final long LOW_WATER = 64 * 1024;

    private final FilerHandler handler;
    private final Services services;
    private final HttpRequest request;
    private final UploadGrant grant;
    private final long start;
    private final Channel channel;
    private final boolean expectContinue;
    private final UploadBudget budget;

    // Shared between the event loop and the worker; guarded by "this".
    private final ArrayDeque<ByteBuf> queue = new ArrayDeque<>();
    private boolean lastQueued;
    private boolean workerRunning;
    private boolean aborted;
    private final AtomicLong queuedBytes = new AtomicLong();

    // Event loop only.
    private boolean bodyComplete;
    /** Written on the event loop, read by the worker too. */
    private volatile boolean paused;
    private boolean answered;
    private boolean continueSent;
    private long received;

    // Worker only.
    private Store.PendingUpload upload;
    private boolean finishedOnWorker;

    private UploadExchange(FilerHandler handler, Services services, HttpRequest request, UploadGrant grant, long start) {
        this.handler = handler;
        this.services = services;
        this.request = request;
        this.grant = grant;
        this.start = start;
        this.channel = handler.ctx().channel();
        this.expectContinue = HttpUtil.is100ContinueExpected(request);
        this.budget = handler.uploadBudget();
    }

    /** Authorises the PUT; answers and returns null when refused. */
    static UploadExchange start(FilerHandler handler, Services services, HttpRequest req, StorePath path, String rawPath, long start) {
        var query = FilerHandler.query(req.uri());
        if (query.isEmpty()) {
            handler.reject(req, start, Rejection.of(400, Rejection.Reason.BAD_TOKEN, "malformed query string"), false);
            return null;
        }
        UploadRequest ur = new UploadRequest(
                path,
                query.get(),
                req.headers().getAll(HttpHeaderNames.CONTENT_LENGTH),
                HttpUtil.isTransferEncodingChunked(req),
                Optional.ofNullable(req.headers().get(HttpHeaderNames.CONTENT_TYPE)),
                Optional.ofNullable(req.headers().get(HttpHeaderNames.AUTHORIZATION)));
        UploadAuthorizer.Verdict v = services.authorizer().authorize(ur);
        if (v instanceof UploadAuthorizer.Refused r) {
            handler.reject(req, start, r.rejection(), false);
            return null;
        }
        UploadGrant grant = ((UploadAuthorizer.Granted) v).grant();
        Optional<Rejection> quota = services.lifecycle().admit(grant, services.clock().instant());
        if (quota.isPresent()) {
            handler.reject(req, start, quota.get(), false);
            return null;
        }
        UploadExchange ex = new UploadExchange(handler, services, req, grant, start);
        services.telemetry().onUploadStarted();
        ex.kick(); // opens the temp file (and checks existence and space) before any body arrives
        ex.watchProgress();
        return ex;
    }

    @Override
    public boolean wantsBody() {
        return !bodyComplete;
    }

    @Override
    public boolean pausedByUs() {
        return paused;
    }

    @Override
    public void onContent(HttpContent content) {
        ByteBuf buf = content.content();
        int n = buf.readableBytes();
        boolean last = content instanceof LastHttpContent;
        if (last) {
            bodyComplete = true;
        }
        if (answered) {
            content.release();
            return;
        }
        received += n;
        boolean queued;
        synchronized (this) {
            queued = n > 0 && !finishedOnWorker && !aborted;
            if (queued) {
                queue.add(buf); // ownership moves to the queue
                budget.add(n); // counted before the worker can write and release it
                queuedBytes.addAndGet(n);
            } else {
                content.release();
            }
            lastQueued |= last;
        }
        if (queued && !paused && (queuedBytes.get() > HIGH_WATER || budget.exhausted())) {
            pause();
        }
        kick();
    }

    @Override
    public void abort() {
        synchronized (this) {
            aborted = true;
        }
        kick();
    }

    private void kick() {
        synchronized (this) {
            if (workerRunning || finishedOnWorker) {
                return;
            }
            workerRunning = true;
        }
        try {
            services.blocking().execute(this::drain);
        } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
            synchronized (this) {
                workerRunning = false;
                aborted = true;
            }
            releaseQueue();
        }
    }

    /** Worker: runs alone (workerRunning), so the pending upload is confined to it. */
    private void drain() {
        try {
            while (true) {
                List<ByteBuf> batch;
                boolean last;
                boolean stop;
                synchronized (this) {
                    stop = aborted;
                    batch = new ArrayList<>(queue);
                    queue.clear();
                    last = lastQueued;
                }
                if (stop) {
                    release(batch);
                    if (upload != null) {
                        upload.abort();
                    }
                    services.lifecycle().onFailed(grant);
                    finishOnWorker();
                    handler.onLoop(() -> answer(499, Optional.empty()));
                    return;
                }
                if (upload == null) {
                    // Under load the worker often starts after a small body has all arrived:
                    // refusing early would then save nothing, and the store may skip its check
                    // (the commit still refuses a replay). An idle server checks before the body.
                    upload = last ? services.store().beginWithBodyInHand(grant.path(), grant.size(), meta())
                            : services.store().begin(grant.path(), grant.size(), meta());
                    if (expectContinue) {
                        handler.onLoop(this::sendContinue);
                    }
                }
                if (!batch.isEmpty()) {
                    write(batch);
                }
                if (last) {
                    StoredFile stored = upload.commit();
                    services.lifecycle().onStored(stored, grant, services.clock().instant());
                    finishOnWorker();
                    handler.onLoop(() -> answer(201, Optional.empty()));
                    return;
                }
                synchronized (this) {
                    // Stop only if nothing arrived since we looked: more bytes, an abort, or the
                    // end of the body (an empty last part adds nothing to the queue, only the flag).
                    if (queue.isEmpty() && !aborted && !lastQueued) {
                        workerRunning = false;
                        return;
                    }
                }
            }
        } catch (StoreException e) {
            fail(e);
        } catch (RuntimeException e) {
            fail(new StoreException(StoreException.Kind.IO, "unexpected: " + e, e));
        }
    }

    private void write(List<ByteBuf> batch) throws StoreException {
        long n = 0;
        try {
            List<ByteBuffer> views = new ArrayList<>(batch.size());
            for (ByteBuf b : batch) {
                n += b.readableBytes();
                for (ByteBuffer bb : b.nioBuffers()) {
                    views.add(bb);
                }
            }
            upload.write(views.toArray(ByteBuffer[]::new));
        } finally {
            batch.forEach(ByteBuf::release);
            dequeued(n);
        }
    }

    private void fail(StoreException e) {
        if (upload != null) {
            upload.abort();
        }
        services.lifecycle().onFailed(grant);
        finishOnWorker();
        releaseQueue();
        Rejection r = switch (e.kind()) {
            case EXISTS -> Rejection.of(409, Rejection.Reason.EXISTS, "file already exists");
            case NO_SPACE -> Rejection.of(507, Rejection.Reason.NO_SPACE, "insufficient storage").withLogDetail(e.getMessage());
            case INCOMPLETE -> Rejection.of(400, Rejection.Reason.INCOMPLETE_BODY, "body does not match Content-Length").withLogDetail(e.getMessage());
            case IO -> Rejection.of(500, Rejection.Reason.STORAGE_ERROR, "storage error").withLogDetail(e.getMessage());
        };
        handler.onLoop(() -> answer(r.status(), Optional.of(r)));
    }

    private void finishOnWorker() {
        synchronized (this) {
            finishedOnWorker = true;
            workerRunning = false;
        }
    }

    private void releaseQueue() {
        List<ByteBuf> rest;
        synchronized (this) {
            rest = new ArrayList<>(queue);
            queue.clear();
        }
        release(rest);
    }

    private void release(List<ByteBuf> bufs) {
        long n = 0;
        for (ByteBuf b : bufs) {
            n += b.readableBytes();
            b.release();
        }
        dequeued(n);
    }

    /**
     * What to record with the file. A type the file name implies anyway (image/jpeg for a .jpg, as
     * most clients send) is left out: a download derives the same one, and the upload saves an
     * extended-attribute write (open, setxattr, close).
     */
    private FileMeta meta() {
        Optional<String> type = grant.contentType().filter(t -> !t.equals(MimeTypes.forFileName(grant.path().fileName())));
        return new FileMeta(type, grant.expires(), grant.owner());
    }

    // --- event loop -------------------------------------------------------------------------

    private void sendContinue() {
        if (!answered && channel.isActive()) {
            continueSent = true;
            handler.ctx().writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
        }
    }

    private void pause() {
        paused = true;
        channel.config().setAutoRead(false);
        // The worker may have drained our queue before it could see the flag, and the budget may
        // be exhausted by others' bytes only: the same checks as any later wake-up.
        resumeIfPaused();
    }

    /** Resumes reading once our queue is low and the budget has room; else waits to be woken. */
    private void resumeIfPaused() {
        if (!paused || answered || queuedBytes.get() >= LOW_WATER) {
            return; // our own writes will call dequeued(), which comes back here
        }
        if (budget.exhausted()) {
            budget.whenRoom(() -> handler.onLoop(this::resumeIfPaused));
            return;
        }
        paused = false;
        channel.config().setAutoRead(true);
        handler.ctx().read();
    }

    /** Bytes that left the queue, written or dropped. */
    private void dequeued(long n) {
        budget.release(n);
        // Only a paused connection needs waking: a hop to the event loop per write costs a wake-up.
        // pause() re-checks the queue after setting the flag, so one side always sees the other.
        if (queuedBytes.addAndGet(-n) < LOW_WATER && paused) {
            handler.onLoop(this::resumeIfPaused);
        }
    }

    /**
     * Slow-body defence: the idle timeout never fires for a client that trickles a byte now and
     * then. Every readTimeout the body must have advanced by {@link #MIN_PROGRESS} bytes, unless
     * we are the ones not reading (back-pressure) or the body is complete.
     */
    static final long MIN_PROGRESS = 1024;
    private long receivedAtLastCheck;
    private io.netty.util.concurrent.ScheduledFuture<?> progressCheck;

    private void watchProgress() {
        long every = services.config().readTimeout().toMillis();
        progressCheck = handler.ctx().executor().scheduleAtFixedRate(() -> {
            if (answered || bodyComplete) {
                progressCheck.cancel(false);
                return;
            }
            if (!paused && received - receivedAtLastCheck < MIN_PROGRESS && received < grant.size()) {
                log.warn(
                        "closing upload {} from {}: {} bytes in {} ms, too slow", grant.path(),
                        channel.remoteAddress(), received - receivedAtLastCheck, every);
                progressCheck.cancel(false);
                channel.close();
                return;
            }
            receivedAtLastCheck = received;
        }, every, every, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    private void answer(int status, Optional<Rejection> rejection) {
        if (progressCheck != null) {
            progressCheck.cancel(false);
        }
        if (answered) {
            return;
        }
        answered = true;
        paused = false;
        services.telemetry().onUploadEnded();
        boolean aborted;
        synchronized (this) {
            aborted = this.aborted;
        }
        if (aborted || !channel.isActive()) {
            handler.logged(request, rejection.isPresent() ? status : 499, start,
                    rejection.or(() -> Optional.of(Rejection.of(499, Rejection.Reason.INCOMPLETE_BODY,
                            "client went away after " + received + " of " + grant.size() + " bytes"))), received, 0);
            return;
        }
        if (rejection.isPresent()) {
            // The body may still be on its way: drain it (so the client reads our answer instead
            // of a reset), or close at once if the client still waits for 100 Continue.
            FilerHandler.After after = bodyComplete ? FilerHandler.After.KEEP_ALIVE
                    : expectContinue && !continueSent ? FilerHandler.After.CLOSE : FilerHandler.After.DRAIN_THEN_CLOSE;
            bodyComplete = true; // from now on the handler drops what is left of the body
            handler.respond(request, handler.errorResponse(rejection.get()), start, rejection, received, after);
        } else {
            handler.respond(request, handler.emptyResponse(HttpResponseStatus.CREATED), start, Optional.empty(), received,
                    FilerHandler.After.KEEP_ALIVE);
        }
    }
}
