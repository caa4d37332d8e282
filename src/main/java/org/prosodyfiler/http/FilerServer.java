package org.prosodyfiler.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;
import org.prosodyfiler.config.ListenAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Netty server: native epoll when available (NIO otherwise), TCP or a Unix domain socket.
 * Pipeline per connection: idle timeout, HTTP/1.1 codec, connection limit, {@link FilerHandler}.
 */
public final class FilerServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FilerServer.class);

    /** Request line and header limits: longer ones get 414 / 431. */
    static final int MAX_INITIAL_LINE = 8192;
    static final int MAX_HEADER_SIZE = 16384;
    /** Body chunks are passed on as read; this only caps a single decoded chunk. */
    static final int MAX_CHUNK = 256 * 1024;

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Channel serverChannel;
    private final ListenAddress listen;
    private final ConnectionLimiter limiter;

    private FilerServer(EventLoopGroup boss, EventLoopGroup workers, Channel serverChannel, ListenAddress listen, ConnectionLimiter limiter) {
        this.boss = boss;
        this.workers = workers;
        this.serverChannel = serverChannel;
        this.listen = listen;
        this.limiter = limiter;
    }

    public static boolean nativeTransport() {
        return Epoll.isAvailable();
    }

    /**
     * Binds and starts serving. {@code eventLoops} = 0 means one per core.
     *
     * @throws IOException when the address cannot be bound (in use, permission, bad path)
     */
    public static FilerServer start(ListenAddress listen, int eventLoops, int maxConnections,
                                    java.time.Duration readTimeout, java.time.Duration headerTimeout,
                                    ChannelInitializerFactory perConnection) throws IOException {
        boolean epoll = Epoll.isAvailable();
        if (listen instanceof ListenAddress.Unix && !epoll) {
            throw new IOException("Unix sockets need the native epoll transport, which is unavailable: "
                    + Epoll.unavailabilityCause());
        }
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        int threads = eventLoops > 0 ? eventLoops : Runtime.getRuntime().availableProcessors();
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, new NamedThreads("pf-accept"), io);
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(threads, new NamedThreads("pf-io"), io);
        ConnectionLimiter limiter = new ConnectionLimiter(maxConnections);
        try {
            Class<? extends ServerChannel> channelClass;
            SocketAddress address;
            if (listen instanceof ListenAddress.Unix u) {
                Files.deleteIfExists(u.path()); // a stale socket file from a previous run blocks bind
                channelClass = EpollServerDomainSocketChannel.class;
                address = new DomainSocketAddress(u.path().toString());
            } else {
                channelClass = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
                address = ((ListenAddress.Tcp) listen).socketAddress();
            }
            long idleMillis = readTimeout.toMillis();
            long headMillis = headerTimeout.toMillis();
            ServerBootstrap b = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(channelClass)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ChannelPipeline p = ch.pipeline();
                            p.addLast("limit", limiter);
                            p.addLast("idle", new IdleStateHandler(idleMillis, 0, 0, TimeUnit.MILLISECONDS));
                            HeadDeadline head = new HeadDeadline(headMillis);
                            p.addLast("head-raw", head.rawSide());
                            p.addLast("http", new HttpServerCodec(new HttpDecoderConfig()
                                    .setMaxInitialLineLength(MAX_INITIAL_LINE)
                                    .setMaxHeaderSize(MAX_HEADER_SIZE)
                                    .setMaxChunkSize(MAX_CHUNK)));
                            p.addLast("head-decoded", head.decodedSide());
                            perConnection.addHandlers(p);
                        }
                    });
            if (!(listen instanceof ListenAddress.Unix)) {
                b.childOption(ChannelOption.TCP_NODELAY, true);
            }
            Channel ch = b.bind(address).syncUninterruptibly().channel();
            log.debug("transport: {}", epoll ? "epoll" : "nio");
            return new FilerServer(boss, workers, ch, listen, limiter);
        } catch (Exception e) { // bind failures arrive as checked exceptions thrown sneakily by sync()
            boss.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            workers.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw new IOException("cannot listen on " + listen + ": " + e.getMessage(), e);
        }
    }

    /** Adds the application handlers at the end of a connection's pipeline. */
    @FunctionalInterface
    public interface ChannelInitializerFactory {
        void addHandlers(ChannelPipeline pipeline);
    }

    /** The bound address (with the real port when 0 was configured). */
    public SocketAddress localAddress() {
        return serverChannel.localAddress();
    }

    public String describe(String urlPrefix) {
        SocketAddress a = localAddress();
        if (a instanceof InetSocketAddress in) {
            String host = in.getAddress().isAnyLocalAddress() ? (in.getAddress() instanceof java.net.Inet6Address ? "[::1]" : "127.0.0.1")
                    : in.getAddress() instanceof java.net.Inet6Address ? "[" + in.getAddress().getHostAddress() + "]"
                    : in.getAddress().getHostAddress();
            return "http://" + host + ":" + in.getPort() + urlPrefix;
        }
        return listen + " " + urlPrefix;
    }

    public int openConnections() {
        return limiter.open();
    }

    /** Stops accepting new connections; open ones continue. */
    public void stopAccepting() {
        serverChannel.close().syncUninterruptibly();
        if (listen instanceof ListenAddress.Unix u) {
            try {
                Files.deleteIfExists(u.path());
            } catch (IOException ignored) {
                // best effort
            }
        }
    }

    @Override
    public void close() {
        if (serverChannel.isOpen()) {
            stopAccepting();
        }
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
