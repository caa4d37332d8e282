package org.prosodyfiler.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.prosodyfiler.protocol.PathDecoder;
import org.prosodyfiler.protocol.Rejection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One per connection. Routes each request to an {@link Exchange} and keeps requests in order:
 * while an exchange is busy (a body being written, a file being looked up off the event loop),
 * reading pauses and pipelined requests wait in a small backlog, so responses leave in request
 * order, as HTTP/1.1 requires.
 */
final class FilerHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger("org.prosodyfiler.http");

    private final Services services;
    private final CommonHeaders common;
    private final ArrayDeque<Object> backlog = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private Exchange current;
    /** The request whose body we do not want: swallow its contents until its last part. */
    private boolean skippingBody;
    /** Rate-limit key of the current request's client; null when exempt (local proxy). */
    private String client;

    private final UploadBudget uploadBudget;

    private final FileHeaders fileHeaders;

    FilerHandler(Services services, CommonHeaders common, FileHeaders fileHeaders, UploadBudget uploadBudget) {
        this.services = services;
        this.common = common;
        this.fileHeaders = fileHeaders;
        this.uploadBudget = uploadBudget;
    }

    FileHeaders fileHeaders() {
        return fileHeaders;
    }

    UploadBudget uploadBudget() {
        return uploadBudget;
    }

    /** A request being answered. Completes by calling {@link FilerHandler#finished}. */
    interface Exchange {
        /** True while the request body belongs to this exchange. */
        default boolean wantsBody() {
            return false;
        }

        default void onContent(HttpContent content) {
            content.release();
        }

        /** The connection closed or timed out before the exchange finished. */
        default void abort() {
        }

        /** True while the exchange itself stopped reading (back-pressure): idleness is ours, not the client's. */
        default boolean pausedByUs() {
            return false;
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (current != null && current.wantsBody() && msg instanceof HttpContent c) {
            current.onContent(c);
            return;
        }
        if (skippingBody && msg instanceof HttpContent c) {
            skip(c);
            return;
        }
        if (current != null || !backlog.isEmpty()) {
            backlog.add(msg);
            ctx.channel().config().setAutoRead(false);
            return;
        }
        dispatch(msg);
    }

    private void dispatch(Object msg) {
        if (msg instanceof HttpRequest req) {
            try {
                handleRequest(req);
            } finally {
                ReferenceCountUtil.release(msg);
            }
        } else {
            ReferenceCountUtil.release(msg); // stray content of a request we already answered
        }
    }

    private void handleRequest(HttpRequest req) {
        long start = System.nanoTime();
        if (req.decoderResult().isFailure()) {
            Throwable cause = req.decoderResult().cause();
            int status = cause instanceof TooLongHttpLineException ? 414
                    : cause instanceof TooLongHttpHeaderException ? 431
                    : cause instanceof TooLongFrameException ? 431 : 400;
            reject(req, start, Rejection.of(status, Rejection.Reason.BAD_PATH, "malformed request"), true);
            return;
        }
        if (req.protocolVersion().majorVersion() != 1 || req.protocolVersion().minorVersion() > 1) {
            reject(req, start, Rejection.of(505, Rejection.Reason.BAD_PATH, "only HTTP/1.0 and HTTP/1.1 are supported"), true);
            return;
        }
        // Unless an exchange takes it, the body that may follow this head is skipped.
        skippingBody = true;
        client = ClientAddress.of(ctx.channel().remoteAddress(), req.headers(), services.config().trustedProxies());
        if (client != null && services.rateLimiter().isPresent()) {
            long wait = services.rateLimiter().get().acquire(client, 1, System.nanoTime());
            if (wait > 0) {
                Rejection r = Rejection.of(429, Rejection.Reason.RATE_LIMITED, "too many requests, retry later")
                        .withLogDetail("rate limit for " + client + ": retry in " + wait + "s");
                FullHttpResponse res = errorResponse(r);
                res.headers().set(HttpHeaderNames.RETRY_AFTER, String.valueOf(wait));
                respond(req, res, start, Optional.of(r), 0, afterUnreadBody(req, false));
                return;
            }
        }
        String uri = req.uri();
        String rawPath = rawPath(uri);
        String prefix = services.config().urlPrefix();
        HttpMethod method = req.method();

        if (method.equals(HttpMethod.OPTIONS)) {
            FullHttpResponse res = emptyResponse(HttpResponseStatus.OK);
            res.headers().set(HttpHeaderNames.ALLOW, common.allowedMethods());
            respond(req, res, start, Optional.empty(), 0, After.KEEP_ALIVE);
            return;
        }
        if (!rawPath.startsWith(prefix)) {
            reject(req, start, Rejection.of(404, Rejection.Reason.NOT_FOUND, "not found"), false);
            return;
        }
        String relative = rawPath.substring(prefix.length());
        boolean readOnly = method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD);
        if (relative.isEmpty() || (readOnly && relative.endsWith("/"))) {
            reject(req, start, Rejection.of(403, Rejection.Reason.NOT_A_FILE, "no listing"), false);
            return;
        }
        PathDecoder.Result decoded = PathDecoder.decode(relative);
        if (decoded instanceof PathDecoder.Bad bad) {
            reject(req, start, Rejection.of(400, Rejection.Reason.BAD_PATH, "bad path: " + bad.refusal().reason()), false);
            return;
        }
        PathDecoder.Ok ok = (PathDecoder.Ok) decoded;
        if (method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD)) {
            DownloadExchange download = new DownloadExchange(this, services, req, ok.path(), rawPath, start);
            current = download;
            download.start();
        } else if (method.equals(HttpMethod.PUT)) {
            UploadExchange upload = UploadExchange.start(this, services, req, ok.path(), rawPath, start);
            if (upload != null) {
                current = upload;
                skippingBody = false;
            }
        } else if (method.equals(HttpMethod.DELETE) && services.config().metronomeDeleteSecret().isPresent()) {
            DeleteExchange delete = new DeleteExchange(this, services, req, ok.path(), rawPath, start);
            current = delete;
            delete.start();
        } else {
            FullHttpResponse res = errorResponse(Rejection.of(405, Rejection.Reason.METHOD, "method not allowed"));
            res.headers().set(HttpHeaderNames.ALLOW, common.allowedMethods());
            respond(req, res, start, Optional.of(Rejection.of(405, Rejection.Reason.METHOD, "method " + method + " not allowed")), 0,
                    afterUnreadBody(req, false));
        }
    }

    /** Called by an exchange, on the event loop, once its response is fully written. */
    void finished() {
        current = null;
        while (current == null && !backlog.isEmpty()) {
            Object next = backlog.poll();
            if (next instanceof HttpContent c && skippingBody) {
                skip(c);
                continue;
            }
            dispatch(next);
        }
        if (current == null && ctx.channel().isActive() && !ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(true);
            ctx.read();
        }
    }

    /**
     * Runs a task on this connection's event loop, from a blocking-pool thread. Returns false if
     * the loop is gone (server shutting down): the connection is closed then, nothing to answer.
     */
    boolean onLoop(Runnable task) {
        try {
            ctx.channel().eventLoop().execute(task);
            return true;
        } catch (java.util.concurrent.RejectedExecutionException shutDown) {
            log.debug("event loop gone, dropping a completion for {}", ctx.channel().remoteAddress());
            return false;
        }
    }

    // --- responses --------------------------------------------------------------------------

    ChannelHandlerContext ctx() {
        return ctx;
    }

    CommonHeaders common() {
        return common;
    }

    FullHttpResponse emptyResponse(HttpResponseStatus status) {
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.EMPTY_BUFFER);
        common.addTo(res.headers());
        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        return res;
    }

    FullHttpResponse errorResponse(Rejection r) {
        ByteBuf body = Unpooled.copiedBuffer(r.message() + "\n", StandardCharsets.UTF_8);
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(r.status()), body);
        common.addTo(res.headers());
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        if (r.status() == 401) {
            res.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
        }
        return res;
    }

    /** What happens to the connection after a response. */
    enum After {
        KEEP_ALIVE,
        /** Close once the response is written: nothing more can be read safely. */
        CLOSE,
        /**
         * Answer now, then read and drop the rest of the body the client is still sending, then
         * close. Closing straight away would make the kernel reset the connection while the client
         * is still writing, and many clients then never see our answer (a 409, a 507).
         */
        DRAIN_THEN_CLOSE
    }

    /** Most bytes of an unwanted body we read before cutting the connection anyway. */
    static final long DRAIN_LIMIT = 64L << 20;
    /** Our answer, when we drain an unwanted body before closing: the close waits for it to go out. */
    private ChannelFuture responseWrite;
    private long drained;

    /** Answers with an error and logs it once, at warn (client errors) or error (ours). */
    void reject(HttpRequest req, long start, Rejection r, boolean close) {
        if ((r.status() == 401 || r.status() == 403) && client != null && services.rateLimiter().isPresent()) {
            // Guessing tokens is expensive: a refused token costs as much as ten requests.
            services.rateLimiter().get().charge(client, RateLimiter.FAILURE_COST - 1, System.nanoTime());
        }
        respond(req, errorResponse(r), start, Optional.of(r), 0, close ? After.CLOSE : afterUnreadBody(req, false));
    }

    /**
     * How to treat a request body we did not take: small ones are read and dropped on a
     * connection that stays open; big or chunked ones are drained and the connection closed;
     * a client waiting for "100 Continue" that we never sent will send nothing, so close.
     */
    static After afterUnreadBody(HttpRequest req, boolean continueSent) {
        long length = HttpUtil.getContentLength(req, 0L);
        if (length > 0 && HttpUtil.is100ContinueExpected(req) && !continueSent) {
            return After.CLOSE;
        }
        if (HttpUtil.isTransferEncodingChunked(req) || length > SWALLOW_LIMIT) {
            return After.DRAIN_THEN_CLOSE;
        }
        return After.KEEP_ALIVE;
    }

    /** Writes a complete response and finishes the exchange. */
    void respond(HttpRequest req, HttpResponse res, long start, Optional<Rejection> rejection, long bytesIn, After after) {
        After a = after;
        if (after == After.KEEP_ALIVE && !HttpUtil.isKeepAlive(req)) {
            // A body we are still dropping must be read to its end before we close, or the reset
            // can overtake our answer (nginx proxying HTTP/1.0 then reports 502 instead of it).
            a = skippingBody ? After.DRAIN_THEN_CLOSE : After.CLOSE;
        }
        if (a != After.KEEP_ALIVE) {
            res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (req.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
            res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        ChannelFuture f = ctx.writeAndFlush(res);
        long bytesOut = HttpUtil.getContentLength(res, 0L);
        logged(req, res.status().code(), start, rejection, bytesIn, bytesOut);
        complete(f, a);
    }

    /** After the last write of a response: close, or take the next request. */
    void completeOn(ChannelFuture lastWrite, boolean keepAlive) {
        complete(lastWrite, keepAlive ? After.KEEP_ALIVE : After.CLOSE);
    }

    private void complete(ChannelFuture lastWrite, After after) {
        if (after == After.DRAIN_THEN_CLOSE) {
            current = null;
            skippingBody = true;
            responseWrite = lastWrite;
            backlog.forEach(ReferenceCountUtil::release);
            backlog.clear();
            lastWrite.addListener(f -> {
                if (!f.isSuccess()) {
                    ctx.close();
                }
            });
            // Never wait long for a body we do not want.
            ctx.executor().schedule(() -> ctx.close(), services.config().readTimeout().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            if (!ctx.channel().config().isAutoRead()) {
                ctx.channel().config().setAutoRead(true);
                ctx.read();
            }
            return;
        }
        if (after == After.CLOSE) {
            lastWrite.addListener(ChannelFutureListener.CLOSE);
            current = new Exchange() { }; // nothing more is read on this connection
            backlog.forEach(ReferenceCountUtil::release);
            backlog.clear();
            return;
        }
        lastWrite.addListener(f -> {
            if (!f.isSuccess()) {
                ctx.close();
            }
        });
        finished();
    }

    void logged(HttpRequest req, int status, long start, Optional<Rejection> rejection, long bytesIn, long bytesOut) {
        String path = rawPath(req.uri());
        rejection.ifPresent(r -> {
            if (r.status() >= 500) {
                log.error("{} {} -> {}: {}", req.method(), path, r.status(), r.logDetail());
            } else {
                log.warn("{} {} -> {}: {}", req.method(), path, r.status(), r.logDetail());
            }
        });
        services.telemetry().onExchange(new Telemetry.Exchange(req.method().name(), path, status, bytesIn, bytesOut,
                System.nanoTime() - start, rejection));
    }

    /** Above this, a body we do not want is not worth reading just to keep the connection. */
    private static final long SWALLOW_LIMIT = 1 << 20;

    /** Drops one part of a body we did not take; closes when a drained body ends or grows too big. */
    private void skip(HttpContent c) {
        boolean last = c instanceof LastHttpContent;
        drained += c.content().readableBytes();
        c.release();
        skippingBody = !last;
        if (responseWrite != null && (last || drained > DRAIN_LIMIT)) {
            responseWrite.addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** The decoded query parameters, or empty if the query has a malformed %-escape. */
    static Optional<Map<String, List<String>>> query(String uri) {
        try {
            return Optional.of(new QueryStringDecoder(uri).parameters());
        } catch (IllegalArgumentException malformed) {
            return Optional.empty();
        }
    }

    /** The path of a request target, without query; absolute-form targets lose scheme and host. */
    static String rawPath(String uri) {
        String u = uri;
        if (u.startsWith("http://") || u.startsWith("https://")) {
            int slash = u.indexOf('/', u.indexOf("//") + 2);
            u = slash < 0 ? "/" : u.substring(slash);
        }
        int q = u.indexOf('?');
        if (q >= 0) {
            u = u.substring(0, q);
        }
        int hash = u.indexOf('#');
        return hash >= 0 ? u.substring(0, hash) : u;
    }

    // --- connection events ------------------------------------------------------------------

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            if (current != null && current.pausedByUs()) {
                return; // we stopped reading, not the client
            }
            if (current != null) {
                log.warn("closing connection from {}: no data for {} during a request",
                        ctx.channel().remoteAddress(), services.config().readTimeout());
            }
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (current != null) {
            current.abort();
        }
        backlog.forEach(ReferenceCountUtil::release);
        backlog.clear();
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof java.io.IOException) {
            log.debug("connection {}: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            log.error("unexpected error on {}", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }
}
