package org.prosodyfiler.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.DefaultHttpContent;
import java.io.IOException;
import java.io.InputStream;
import org.prosodyfiler.storage.Body;

/**
 * Sends a download body that comes as a stream (S3): each chunk is read on the blocking pool and
 * the next read starts only when the previous chunk left the socket, so one download holds at
 * most one chunk in memory however slow the client is.
 */
final class StreamPump {
    private static final int CHUNK = 64 * 1024;

    private final FilerHandler handler;
    private final Services services;
    private final Body.StreamBody body;
    private final boolean keepAlive;
    private long left;

    StreamPump(FilerHandler handler, Services services, Body.StreamBody body, boolean keepAlive) {
        this.handler = handler;
        this.services = services;
        this.body = body;
        this.keepAlive = keepAlive;
        this.left = body.length();
    }

    void start() {
        services.blocking().execute(this::readNext);
    }

    private void readNext() {
        ByteBuf buf = handler.ctx().alloc().buffer((int) Math.min(CHUNK, Math.max(left, 1)));
        try {
            InputStream in = body.stream();
            int want = (int) Math.min(CHUNK, left);
            while (buf.readableBytes() < want) {
                int n = buf.writeBytes(in, want - buf.readableBytes());
                if (n < 0) {
                    throw new IOException("stream ended " + left + " bytes early");
                }
            }
            left -= buf.readableBytes();
        } catch (IOException | RuntimeException e) {
            buf.release();
            DownloadExchange.closeQuietly(body);
            // Headers are gone already: the only honest signal left is to cut the connection.
            handler.onLoop(() -> handler.ctx().close());
            return;
        }
        boolean done = left == 0;
        handler.onLoop(() -> {
            ChannelFuture f = handler.ctx().writeAndFlush(done ? new io.netty.handler.codec.http.DefaultLastHttpContent(buf) : new DefaultHttpContent(buf));
            if (done) {
                DownloadExchange.closeQuietly(body);
                handler.completeOn(f, keepAlive);
            } else {
                f.addListener(w -> {
                    if (w.isSuccess()) {
                        services.blocking().execute(this::readNext);
                    } else {
                        DownloadExchange.closeQuietly(body);
                    }
                });
            }
        });
    }
}
