package org.prosodyfiler.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Slowloris defence: once the first byte of a request arrives, its whole head (request line and
 * headers) must arrive within a deadline, however slowly the bytes trickle in; an idle timeout
 * alone never fires for a client that sends one byte every few seconds.
 *
 * <p>Two handlers share this state: {@link #rawSide()} sits before the HTTP codec and sees
 * bytes, {@link #decodedSide()} sits after it and sees requests.
 */
final class HeadDeadline {
    private static final Logger log = LoggerFactory.getLogger(HeadDeadline.class);

    private final long millis;
    private boolean inHead;
    private boolean inBody;
    private ScheduledFuture<?> timer;

    HeadDeadline(long millis) {
        this.millis = millis;
    }

    ChannelInboundHandlerAdapter rawSide() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (!inHead && !inBody) {
                    inHead = true;
                    timer = ctx.executor().schedule(() -> {
                        if (inHead && ctx.channel().isActive()) {
                            log.warn("closing connection from {}: request head not complete after {} ms",
                                    ctx.channel().remoteAddress(), millis);
                            ctx.close();
                        }
                    }, millis, TimeUnit.MILLISECONDS);
                }
                ctx.fireChannelRead(msg);
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) throws Exception {
                cancel();
                super.channelInactive(ctx);
            }
        };
    }

    ChannelInboundHandlerAdapter decodedSide() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof HttpRequest) {
                    inHead = false;
                    inBody = true;
                    cancel();
                }
                if (msg instanceof LastHttpContent) {
                    inBody = false; // the next byte starts a new head
                }
                ctx.fireChannelRead(msg);
            }
        };
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
