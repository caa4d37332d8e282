package org.prosodyfiler.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.util.AsciiString;
import io.netty.channel.DefaultFileRegion;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.prosodyfiler.protocol.Rejection;
import org.prosodyfiler.protocol.StorePath;
import org.prosodyfiler.serving.Preconditions;
import org.prosodyfiler.serving.RangeRequest;
import org.prosodyfiler.serving.SafeServing;
import org.prosodyfiler.storage.Body;
import org.prosodyfiler.storage.Lookup;
import org.prosodyfiler.storage.StoredFile;

/**
 * A GET or HEAD: the file is looked up and opened on the blocking pool (a slow disk must not
 * stall the event loop), then sent by the kernel (sendfile through a {@link DefaultFileRegion}),
 * written with the headers when the store has it in memory (a small file), or streamed when the
 * store has no file descriptor (S3).
 */
final class DownloadExchange implements FilerHandler.Exchange {
    private static final long ONE_YEAR = Duration.ofDays(365).toSeconds();

    /**
     * Headers without Netty's per-value checks (measurable at 50k req/s): every value of a
     * download response is ours, and those derived from uploads (type, file name) are reduced to
     * visible ASCII by {@link SafeServing} first.
     */
    private static final HttpHeadersFactory OUR_HEADERS = DefaultHttpHeadersFactory.headersFactory().withValidation(false);

    private final FilerHandler handler;
    private final Services services;
    private final HttpRequest request;
    private final StorePath path;
    private final long start;
    private final boolean head;
    private final Preconditions.Headers conditions;
    private final String rangeHeader;

    DownloadExchange(FilerHandler handler, Services services, HttpRequest req, StorePath path, String rawPath, long start) {
        this.handler = handler;
        this.services = services;
        this.request = req;
        this.path = path;
        this.start = start;
        this.head = req.method().equals(HttpMethod.HEAD);
        HttpHeaders h = req.headers();
        this.rangeHeader = head ? null : h.get(HttpHeaderNames.RANGE);
        this.conditions = new Preconditions.Headers(h.get(HttpHeaderNames.IF_MATCH), h.get(HttpHeaderNames.IF_NONE_MATCH),
                h.get(HttpHeaderNames.IF_MODIFIED_SINCE), h.get(HttpHeaderNames.IF_UNMODIFIED_SINCE),
                h.get(HttpHeaderNames.IF_RANGE), rangeHeader != null);
    }

    /** Starts the lookup off the event loop (the handler set us current first). */
    void start() {
        if (services.store().servedFromMemory(path)) {
            // A file served moments ago: its inode and dentry are in memory, no disk wait.
            lookup();
            return;
        }
        try {
            services.blocking().execute(this::lookup);
        } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
            handler.reject(request, start, Rejection.of(503, Rejection.Reason.STORAGE_ERROR, "shutting down"), true);
        }
    }

    /** What the worker decided; the event loop turns it into bytes. */
    private sealed interface Plan {
    }

    private record Refuse(Rejection rejection) implements Plan {
    }

    /** @param headers the file's own headers (validators, and type and disposition for a 200 or 206) */
    private record Send(StoredFile file, FileHeaders.Values headers, HttpResponseStatus status, RangeRequest range,
                        Optional<Body> body) implements Plan {
    }

    /** 302 to where the store serves the bytes itself (a presigned S3 URL). */
    private record Redirect(URI location) implements Plan {
    }

    private void lookup() {
        Plan plan;
        try {
            plan = plan();
        } catch (IOException | RuntimeException e) {
            plan = new Refuse(Rejection.of(500, Rejection.Reason.STORAGE_ERROR, "storage error").withLogDetail("lookup failed: " + e));
        }
        Plan p = plan;
        if (handler.ctx().executor().inEventLoop()) {
            send(p);
        } else if (!handler.onLoop(() -> send(p)) && p instanceof Send sent) {
            sent.body().ifPresent(DownloadExchange::closeQuietly);
        }
    }

    private Plan plan() throws IOException {
        Lookup lookup = services.store().stat(path);
        if (lookup instanceof Lookup.NotAFile) {
            return new Refuse(Rejection.of(403, Rejection.Reason.NOT_A_FILE, "no listing"));
        }
        if (!(lookup instanceof Lookup.Found found) || services.lifecycle().isExpired(found.file(), services.clock().instant())) {
            return new Refuse(Rejection.of(404, Rejection.Reason.NOT_FOUND, "not found"));
        }
        StoredFile file = found.file();
        FileHeaders.Values headers = handler.fileHeaders().of(file);
        switch (Preconditions.evaluate(conditions, file.etag(), file.lastModified())) {
            case NOT_MODIFIED:
                return new Send(file, headers, HttpResponseStatus.NOT_MODIFIED, RangeRequest.WHOLE, Optional.empty());
            case PRECONDITION_FAILED:
                return new Refuse(Rejection.of(412, Rejection.Reason.NOT_FOUND, "precondition failed"));
            case PROCEED_IGNORE_RANGE:
                return full(file, headers);
            default:
                break;
        }
        RangeRequest range = RangeRequest.parse(rangeHeader, file.size());
        if (range instanceof RangeRequest.Unsatisfiable) {
            return new Send(file, headers, HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE, range, Optional.empty());
        }
        SafeServing.Presentation p = headers.presentation();
        if (!head) {
            // HEAD stays local (clients read its Content-Length). Ranges are redirected too: S3
            // answers them on the presigned URL, and seeking in media is the traffic worth taking
            // off the node. An If-Range that did not hold never gets here (whole file, from us).
            Optional<URI> location = services.store().redirectFor(file, p.contentType(), p.contentDisposition());
            if (location.isPresent()) {
                return new Redirect(location.get());
            }
        }
        if (range instanceof RangeRequest.Part part) {
            return new Send(file, headers, HttpResponseStatus.PARTIAL_CONTENT, part,
                    Optional.of(services.store().open(file, part.first(), part.count())));
        }
        return full(file, headers);
    }

    private Send full(StoredFile file, FileHeaders.Values headers) throws IOException {
        Optional<Body> body = head || file.size() == 0 ? Optional.empty() : Optional.of(services.store().open(file, 0, file.size()));
        return new Send(file, headers, HttpResponseStatus.OK, RangeRequest.WHOLE, body);
    }

    // --- event loop -------------------------------------------------------------------------

    private void send(Plan plan) {
        if (!handler.ctx().channel().isActive()) {
            if (plan instanceof Send s) {
                s.body().ifPresent(DownloadExchange::closeQuietly);
            }
            return;
        }
        if (plan instanceof Refuse r) {
            handler.reject(request, start, r.rejection(), false);
            return;
        }
        if (plan instanceof Redirect r) {
            FullHttpResponse res = handler.emptyResponse(HttpResponseStatus.FOUND);
            res.headers().set(HttpHeaderNames.LOCATION, r.location().toASCIIString());
            // The URL stops working after presignTtl: no cache may keep this answer.
            res.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
            handler.respond(request, res, start, Optional.empty(), 0, FilerHandler.After.KEEP_ALIVE);
            return;
        }
        Send s = (Send) plan;
        Optional<Body> body = s.body();
        // Bytes in memory go out with the headers in one write; anything else follows them.
        HttpResponse res = body.isPresent() && body.get() instanceof Body.InMemoryBody mem
                ? new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, s.status(), Unpooled.wrappedBuffer(mem.bytes()), OUR_HEADERS, OUR_HEADERS)
                : new DefaultHttpResponse(HttpVersion.HTTP_1_1, s.status(), OUR_HEADERS);
        HttpHeaders h = res.headers();
        handler.common().addTo(h);
        validators(h, s.file(), s.headers());
        long length = 0;
        if (s.status() == HttpResponseStatus.NOT_MODIFIED) {
            h.remove(HttpHeaderNames.CONTENT_LENGTH);
        } else if (s.range() instanceof RangeRequest.Unsatisfiable u) {
            h.set(HttpHeaderNames.CONTENT_RANGE, u.contentRange());
            h.setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        } else {
            presentation(h, s.headers());
            if (s.range() instanceof RangeRequest.Part p) {
                h.set(HttpHeaderNames.CONTENT_RANGE, p.contentRange());
                length = p.count();
            } else {
                length = s.file().size();
            }
            HttpUtil.setContentLength(res, length);
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (!keepAlive) {
            h.set(HttpHeaderNames.CONNECTION, "close");
        }
        if (res instanceof FullHttpResponse) {
            ChannelFuture written = handler.ctx().writeAndFlush(res);
            handler.logged(request, s.status().code(), start, Optional.empty(), 0, length);
            handler.completeOn(written, keepAlive);
            return;
        }
        handler.ctx().write(res);
        if (body.isPresent() && body.get() instanceof Body.StreamBody stream) {
            handler.logged(request, s.status().code(), start, Optional.empty(), 0, length);
            new StreamPump(handler, services, stream, keepAlive).start();
            return;
        }
        if (body.isPresent() && body.get() instanceof Body.FileRegionBody region) {
            handler.ctx().write(new DefaultFileRegion(region.channel(), region.position(), region.length()));
        }
        ChannelFuture last = handler.ctx().writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        handler.logged(request, s.status().code(), start, Optional.empty(), 0, head ? 0 : length);
        handler.completeOn(last, keepAlive);
    }

    private void validators(HttpHeaders h, StoredFile f, FileHeaders.Values v) {
        h.set(HttpHeaderNames.ETAG, v.etag());
        h.set(HttpHeaderNames.LAST_MODIFIED, v.lastModified());
        h.set(HttpHeaderNames.ACCEPT_RANGES, HttpHeaderValues.BYTES);
        // Uploads never change; they may only disappear when they expire.
        Optional<Instant> expires = services.lifecycle().expiresAt(f);
        if (expires.isEmpty()) {
            h.set(HttpHeaderNames.CACHE_CONTROL, CACHE_FOR_A_YEAR);
            return;
        }
        long maxAge = Math.min(ONE_YEAR, Math.max(0, Duration.between(services.clock().instant(), expires.get()).toSeconds()));
        h.set(HttpHeaderNames.CACHE_CONTROL, "max-age=" + maxAge + ", immutable");
    }

    private static final AsciiString CACHE_FOR_A_YEAR = AsciiString.cached("max-age=" + ONE_YEAR + ", immutable");
    private static final AsciiString CONTENT_SECURITY_POLICY = AsciiString.cached("Content-Security-Policy");
    private static final AsciiString CSP = AsciiString.cached(SafeServing.CSP);
    private static final AsciiString X_FRAME_OPTIONS = AsciiString.cached("X-Frame-Options");
    private static final AsciiString DENY = AsciiString.cached("DENY");
    private static final AsciiString REFERRER_POLICY = AsciiString.cached("Referrer-Policy");
    private static final AsciiString NO_REFERRER = AsciiString.cached("no-referrer");

    private static void presentation(HttpHeaders h, FileHeaders.Values v) {
        h.set(HttpHeaderNames.CONTENT_TYPE, v.contentType());
        h.set(HttpHeaderNames.CONTENT_DISPOSITION, v.contentDisposition());
        h.set(CONTENT_SECURITY_POLICY, CSP);
        h.set(X_FRAME_OPTIONS, DENY);
        h.set(REFERRER_POLICY, NO_REFERRER);
    }

    @Override
    public void abort() {
        // The lookup finishes on its own; send() sees the closed channel and closes the body.
    }

    static void closeQuietly(Body b) {
        try {
            b.close();
        } catch (Exception ignored) {
            // nothing left to do
        }
    }
}
