package io.timemesh.api;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.HttpServerConnection;
import io.vertx.core.http.impl.HttpServerImpl;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.VertxWrapper;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.impl.NetServerImpl;
import io.vertx.core.net.impl.NetServerInternal;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The {@link HttpLimits} that need a connection's Netty pipeline, which Vert.x's public API does not reach (so this
 * goes through Vert.x's internal {@code HttpServerConnection} and {@code VertxWrapper}, checked against Vert.x 5.0.8):
 * <ul>
 *   <li>every socket is seen as it is accepted ({@link #createServer}), so the connection cap and the head deadline
 *   hold for sockets that never send a byte, with h2c on too;</li>
 *   <li>request heads that Netty would wait on rather than refuse (a bare CR, leading control bytes) are refused at
 *   once ({@link RequestHeadCheck});</li>
 *   <li>a write timeout on every connection ({@link WriteDeadline}): a client that reads nothing holds
 *   a connection and its unsent answer only that long, not until the idle timeout;</li>
 *   <li>an HTTP/1 request whose version Vert.x does not speak is turned into a decoding failure, so that it is
 *   answered like every request Netty cannot parse (Vert.x alone answers an empty 501, echoing the version);</li>
 *   <li>an HTTP/2 client's concurrent-stream limit holds from its first frame (Netty applies it only once the
 *   client acknowledges the server's SETTINGS, and an attacker never does), and what it sent in one write is
 *   decoded at most {@link #HTTP2_SLICE_BYTES} past the moment its connection is closed.</li>
 * </ul>
 * Every method runs on the connection's event loop.
 */
final class ChannelLimits {
    /**
     * How much of one read an HTTP/2 connection's decoder is handed at a time, bytes: about 5 of an attacker's
     * minimal HEADERS frames, so a connection refused mid-read costs that much more decoding, not its whole read.
     * With 2 KiB slices (80 frames) the streams decoded after the close, each refused with a formatted exception and
     * an RST_STREAM, took a third of the event loop under the h2c hoarding flood (JFR, bench/abuse.sh).
     */
    static final int HTTP2_SLICE_BYTES = 128;
    private static final String WRITE_TIMEOUT = "timemesh-write-timeout";
    private static final String VERSION_CHECK = "timemesh-version-check";
    private static final String HTTP2_GATE = "timemesh-http2-gate";
    private static final String HEAD_CHECK = "timemesh-head-check";
    /** Where Vert.x's HTTP/1 pipeline decodes requests (HttpServerConnectionInitializer). */
    private static final String HTTP1_DECODER = "httpDecoder";

    private ChannelLimits() {
    }

    /**
     * An HTTP server whose every accepted socket is first handed to {@code onAccept}, on its event loop, before
     * Vert.x sets it up for HTTP. Vert.x's public API reaches a connection only once it is HTTP: with h2c on, after
     * its first bytes (HTTP/2) or its first request head (HTTP/1), so a socket that sends nothing would escape the
     * connection cap and the head deadline. The hook is Vert.x's internal {@code VertxWrapper}, through which the
     * server creates its TCP server, checked against Vert.x 5.0.8.
     *
     * @param onAccept receives each accepted socket's channel, on its event loop
     * @return the server; its {@code listen} fails with an {@link IllegalStateException} if Vert.x no longer creates
     * its TCP server through the hook, so that the accept-time limits never silently go missing
     */
    static HttpServer createServer(Vertx vertx, HttpServerOptions options, Consumer<Channel> onAccept) {
        AcceptHook hook = new AcceptHook((VertxInternal) vertx, onAccept);
        return new HttpServerImpl(hook, options) {
            @Override
            public synchronized Future<HttpServer> listen(SocketAddress address) {
                return super.listen(address).compose(server -> hook.used ? Future.succeededFuture(server)
                        : Future.failedFuture(new IllegalStateException("Vert.x did not create its TCP server through VertxInternal.createNetServer: the HTTP limits "
                        + "cannot see connections as they are accepted")));
            }
        };
    }

    /** Wraps the TCP server Vert.x's HTTP server creates, so that its connect handler first calls ours. */
    private static final class AcceptHook extends VertxWrapper {
        private final Consumer<Channel> onAccept;
        private volatile boolean used;

        AcceptHook(VertxInternal delegate, Consumer<Channel> onAccept) {
            super(delegate);
            this.onAccept = onAccept;
        }

        @Override
        public NetServerInternal createNetServer(NetServerOptions options) {
            used = true;
            return new NetServerImpl(delegate, options.copy()) {
                @Override
                public synchronized NetServerInternal connectHandler(Handler<NetSocket> handler) {
                    return super.connectHandler(socket -> {
                        onAccept.accept(((NetSocketInternal) socket).channelHandlerContext().channel());
                        handler.handle(socket);
                    });
                }
            };
        }
    }

    /**
     * Fits the limits that need no HTTP yet to a socket just accepted (over TLS: once its handshake is done, which
     * Vert.x bounds by the head deadline, see {@link HttpTls}): the write timeout, the read boundary that lets GET
     * /time's first answer of a read go at once ({@link ReadFlush}), and the check of request heads that Netty would
     * wait on rather than refuse ({@link RequestHeadCheck}).
     *
     * @param onWriteTimeout run when a write timed out, as the connection is closed
     * @param direct         answers plain GET /time heads below Vert.x ({@link DirectTime}); null for none
     */
    static void installOnAccept(Channel channel, HttpLimits limits, Runnable onWriteTimeout,
                                RequestHeadCheck.DirectAnswer direct) {
        // At the socket's end of the pipeline: a write is done when its bytes are in the kernel's buffer.
        channel.pipeline().addFirst(WRITE_TIMEOUT, new WriteDeadline(limits.writeTimeoutMillis(), onWriteTimeout));
        ReadFlush.install(channel);
        // From the first read on: with h2c prior knowledge, Vert.x hands over the connection only once the decoder
        // has read the client's SETTINGS, from a read that may hold a thousand frames more. Over TLS, above the
        // TLS handler (its handshake is done by now), so that they read requests, not TLS records.
        ChannelPipeline pipeline = channel.pipeline();
        ChannelHandlerContext tls = pipeline.context(SslHandler.class);
        // Only with h2c can a connection turn into HTTP/2 (a TLS port speaks HTTP/1.1 only, see HttpTls); without it,
        // neither handler looks for HTTP/2 on every read.
        RequestHeadCheck headCheck = new RequestHeadCheck(HTTP1_DECODER, limits.h2c(), direct);
        if (tls == null) {
            if (limits.h2c()) {
                pipeline.addFirst(HTTP2_GATE, new Http2Gate(Http2ConnectionHandler.class));
            }
            pipeline.addFirst(HEAD_CHECK, headCheck);
        } else {
            pipeline.addAfter(tls.name(), HEAD_CHECK, headCheck);
        }
    }

    /** The channel under a connection Vert.x handed over (one of its server connections, always). */
    static Channel channel(HttpConnection connection) {
        return ((HttpServerConnection) connection).channelHandlerContext().channel();
    }

    /**
     * Fits the limits to a new HTTP connection; called again for the HTTP/2 connection that an h2c Upgrade makes of
     * an HTTP/1 one, on the same channel, so each piece is added once.
     */
    static void install(HttpConnection connection, HttpLimits limits) {
        if (!(connection instanceof HttpServerConnection server)) {
            return;
        }
        ChannelHandlerContext ctx = server.channelHandlerContext();
        ChannelPipeline pipeline = ctx.pipeline();
        if (pipeline.get(HTTP1_DECODER) != null && pipeline.get(VERSION_CHECK) == null) {
            pipeline.addAfter(HTTP1_DECODER, VERSION_CHECK, new VersionCheck());
        }
        if (ctx.handler() instanceof Http2ConnectionHandler http2) {
            // RFC 9113 §5.1.2: the limit binds once advertised, and the server's SETTINGS precede anything it reads.
            http2.connection().remote().maxActiveStreams(limits.http2MaxConcurrentStreams());
        }
    }

    /**
     * Closes an HTTP/1 connection as Vert.x does, after what it is writing; an HTTP/2 one's channel at once, without
     * GOAWAY, so that nothing more of what its client sent is decoded. The close starts below the HTTP/2 handler:
     * through it (the channel's close) Netty sends GOAWAY and keeps the channel open until the streams end, which a
     * client granting no window never lets happen, decoding and refusing every frame it sent meanwhile.
     */
    static void close(HttpConnection connection) {
        if (connection instanceof HttpServerConnection server
                && server.channelHandlerContext().handler() instanceof Http2ConnectionHandler) {
            server.channelHandlerContext().close();
        } else {
            connection.close();
        }
    }

    /**
     * The write timeout: a message the socket has not taken within the timeout of the flush that sent it closes the
     * channel, without passing a {@code WriteTimeoutException} down the pipeline (Vert.x's HTTP/1 connection, handed
     * one while a response is being written, throws on it and Netty logs that at WARN, once per client that stops
     * reading).
     *
     * <p>Netty's {@code WriteTimeoutHandler} schedules a task and adds a listener for every write, two per response,
     * though the socket takes nearly every answer within its flush. Here nothing is kept per write: a flush that leaves
     * messages in the socket's outbound buffer (its client reads slower than it is answered) is noted with its time and
     * how many messages it covers, and one timer watches the oldest flush noted. Which messages are done is read from
     * the outbound buffer when the timer fires (they leave it in the order they were written), so every queued message
     * keeps its own flush's deadline: a client that reads one answer per timeout cannot keep a queue of them waiting
     * ({@code WriteDeadlineQueueTest}). It must sit at the socket's end of the pipeline, so that every write and flush
     * passes it (the handlers put before it write nothing).
     */
    private static final class WriteDeadline extends ChannelOutboundHandlerAdapter {
        private final long timeoutNanos;
        private final Runnable onTimeout;
        /** Messages written through here so far, and how many of them the last flush covered. */
        private long written;
        private long flushed;
        /**
         * The flushes that left messages pending, oldest first, as pairs: how many messages had been written by it,
         * and when it was made (System.nanoTime). A ring from {@link #first}, of {@link #noted} pairs.
         */
        private long[] flushes = new long[8];
        private int first;
        private int noted;
        private ScheduledFuture<?> timer;
        private boolean timedOut;

        WriteDeadline(int timeoutMillis, Runnable onTimeout) {
            this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
            this.onTimeout = onTimeout;
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            written++;
            ctx.write(msg, promise);
        }

        @Override
        public void flush(ChannelHandlerContext ctx) {
            flushed = written;
            ctx.flush();
            ChannelOutboundBuffer buffer = ctx.channel().unsafe().outboundBuffer();
            if (buffer == null || buffer.isEmpty() || timedOut) {
                return; // the common case: the socket took everything
            }
            // A flush from inside this one (a listener answering the next request) may have noted it already.
            if (noted == 0 || flushes[pair(noted - 1)] != flushed) {
                note(flushed, System.nanoTime());
            }
            if (timer == null) {
                check(ctx);
            }
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            if (timer != null) {
                timer.cancel(false);
                timer = null;
            }
        }

        /** Index in {@link #flushes} of the {@code i}th noted flush's message count (its time follows it). */
        private int pair(int i) {
            return (first + 2 * i) % flushes.length;
        }

        private void note(long messages, long nanos) {
            if (2 * noted == flushes.length) {
                long[] larger = new long[flushes.length * 2];
                for (int i = 0; i < noted; i++) {
                    larger[2 * i] = flushes[pair(i)];
                    larger[2 * i + 1] = flushes[pair(i) + 1];
                }
                flushes = larger;
                first = 0;
            }
            flushes[pair(noted)] = messages;
            flushes[pair(noted) + 1] = nanos;
            noted++;
        }

        /** Closes if the oldest flush not yet fully written is as old as the timeout; else waits for its deadline. */
        private void check(ChannelHandlerContext ctx) {
            timer = null;
            ChannelOutboundBuffer buffer = ctx.channel().unsafe().outboundBuffer();
            if (buffer == null || timedOut) { // closed
                return;
            }
            // The buffer's flushed part holds exactly the messages flushed here and not yet done.
            long done = flushed - buffer.size();
            while (noted > 0 && flushes[first] <= done) {
                first = (first + 2) % flushes.length;
                noted--;
            }
            if (noted == 0) {
                return;
            }
            long left = flushes[first + 1] + timeoutNanos - System.nanoTime();
            if (left > 0) {
                timer = ctx.executor().schedule(() -> check(ctx), left, TimeUnit.NANOSECONDS);
                return;
            }
            timedOut = true;
            onTimeout.run();
            ctx.close();
        }
    }

    /**
     * The version of a request refused: 505 for another major version of HTTP (RFC 9110 §15.6.6), 400 for what is
     * no HTTP version at all (a lower-case name, another protocol's). Without a stack trace: an attacker picks when
     * one is made.
     */
    static final class UnsupportedVersion extends RuntimeException {
        private final int status;

        UnsupportedVersion(String version, int status) {
            super(status == 505 ? "HTTP version " + version + " is not supported; use HTTP/1.1"
                    : "'" + version + "' is no HTTP version; use HTTP/1.1", null, false, false);
            this.status = status;
        }

        /** The status to answer with, 505 or 400. */
        int status() {
            return status;
        }
    }

    /**
     * Passes HTTP/1.0 and 1.1 requests on; answers a higher 1.x as 1.1 (RFC 9110 §2.5: a higher minor version is
     * processed as the highest one implemented); fails any other version's request, as Netty fails a request it
     * cannot parse, and then drops whatever follows on the connection, as Netty does after a failure, since it is
     * about to be closed.
     */
    private static final class VersionCheck extends ChannelInboundHandlerAdapter {
        private boolean refused;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (refused) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (msg instanceof HttpRequest request) {
                HttpVersion version = request.protocolVersion();
                // Identity, as Vert.x compares: any other instance is a version it answers with an empty 501.
                if (version != HttpVersion.HTTP_1_0 && version != HttpVersion.HTTP_1_1) {
                    boolean http = version.protocolName().equals("HTTP");
                    // Our answer's status line, also when Netty failed the request for something else.
                    request.setProtocolVersion(HttpVersion.HTTP_1_1);
                    if ((!http || version.majorVersion() != 1) && request.decoderResult().isSuccess()) {
                        refused = true;
                        request.setDecoderResult(DecoderResult.failure(new UnsupportedVersion(version.text(),
                                http ? 505 : 400)));
                        ctx.fireChannelRead(request);
                        if (!(request instanceof LastHttpContent)) {
                            ctx.fireChannelRead(LastHttpContent.EMPTY_LAST_CONTENT);
                        }
                        return;
                    }
                }
            }
            ctx.fireChannelRead(msg);
        }
    }

    /**
     * Hands an HTTP/2 connection's reads to its decoder in slices, and drops the rest once the channel closed; passes
     * other connections' reads on whole.
     */
    static final class Http2Gate extends ChannelInboundHandlerAdapter {
        private final Class<? extends ChannelHandler> http2Decoder;

        /** @param http2Decoder the type of handler whose presence in the pipeline makes the connection HTTP/2 */
        Http2Gate(Class<? extends ChannelHandler> http2Decoder) {
            this.http2Decoder = http2Decoder;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf bytes) || ctx.pipeline().get(http2Decoder) == null) {
                ctx.fireChannelRead(msg);
                return;
            }
            Channel channel = ctx.channel();
            try {
                while (bytes.isReadable() && channel.isActive()) {
                    ctx.fireChannelRead(bytes.readRetainedSlice(Math.min(HTTP2_SLICE_BYTES, bytes.readableBytes())));
                }
            } finally {
                bytes.release();
            }
        }
    }
}
