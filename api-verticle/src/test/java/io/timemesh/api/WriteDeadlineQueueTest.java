package io.timemesh.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The write timeout bounds every write, not only the first of a queue: a client that reads one answer per
 * timeout, slower than the answers were queued, is closed on within about the timeout of the oldest write it left
 * pending (found by a review of a replacement for Netty's {@code WriteTimeoutHandler} that gave each queued write a
 * fresh deadline: such a client held its connection and twenty queued answers for sixteen timeouts).
 */
class WriteDeadlineQueueTest {
    private static final int TIMEOUT_MILLIS = 250;
    private static final int WRITES = 20;
    private static final int WRITE_BYTES = 8_192;

    @Test
    void aWriteQueuedBehindOthersIsNotLeftPendingLongerThanTheTimeoutAndAReadersPace() throws Exception {
        AtomicLong timedOutAt = new AtomicLong();
        EventLoopGroup group = new NioEventLoopGroup(1);
        try {
            Channel server = server(group, timedOutAt, () -> new ChannelInboundHandlerAdapter() {
                @Override
                public void channelActive(ChannelHandlerContext ctx) {
                    for (int i = 0; i < WRITES; i++) {
                        ctx.write(Unpooled.wrappedBuffer(new byte[WRITE_BYTES]));
                    }
                    ctx.flush();
                }
            });
            int port = ((InetSocketAddress) server.localAddress()).getPort();
            long read = 0;
            long started;
            try (Socket client = new Socket()) {
                client.setReceiveBufferSize(4_096);
                client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                started = System.nanoTime();
                InputStream in = client.getInputStream();
                while (read < (long) WRITES * WRITE_BYTES) {
                    TimeUnit.MILLISECONDS.sleep(TIMEOUT_MILLIS * 8 / 10); // one write's worth per 0.8 timeouts
                    try {
                        byte[] got = in.readNBytes(WRITE_BYTES);
                        read += got.length;
                        if (got.length < WRITE_BYTES) {
                            break; // closed on
                        }
                    } catch (SocketException reset) {
                        break;
                    }
                }
            }
            server.close().sync();
            System.out.printf("write timeout %d ms: closed after %d ms, %d of %d bytes read%n", TIMEOUT_MILLIS,
                    (timedOutAt.get() - started) / 1_000_000, read, (long) WRITES * WRITE_BYTES);
            assertThat(timedOutAt.get()).as("the write timeout fired").isNotZero();
            assertThat((timedOutAt.get() - started) / 1_000_000).as("ms until it fired").isLessThan(3L * TIMEOUT_MILLIS);
            assertThat(read).as("bytes the slow reader got before").isLessThan((long) WRITES * WRITE_BYTES);
        } finally {
            group.shutdownGracefully(0, 100, TimeUnit.MILLISECONDS).sync();
        }
    }

    /**
     * The other side of the bound: a client that keeps up, while the socket still leaves part of each write pending
     * (small buffers both ends), is never closed on, however long the answers keep coming. Each flush that leaves
     * messages pending is noted and must be let go once they are written, or a later check would close a reader
     * that is never behind by as much as the timeout.
     */
    @Test
    void aClientThatKeepsUpIsNeverClosedOnThoughWritesQueue() throws Exception {
        int bursts = 30; // one per 40 ms: 1.2 s, about five timeouts
        int perBurst = 4; // 32 KB, more than both ends' buffers hold, in two flushes
        AtomicLong timedOutAt = new AtomicLong();
        EventLoopGroup group = new NioEventLoopGroup(1);
        try {
            Channel server = server(group, timedOutAt, () -> new ChannelInboundHandlerAdapter() {
                private int sent;

                @Override
                public void channelActive(ChannelHandlerContext ctx) {
                    send(ctx);
                }

                private void send(ChannelHandlerContext ctx) {
                    if (sent++ < bursts && ctx.channel().isActive()) {
                        for (int i = 0; i < perBurst; i++) { // two messages a flush
                            ctx.write(Unpooled.wrappedBuffer(new byte[WRITE_BYTES]));
                            if (i % 2 == 1) {
                                ctx.flush();
                            }
                        }
                        ctx.executor().schedule(() -> send(ctx), 40, TimeUnit.MILLISECONDS);
                    }
                }
            });
            int port = ((InetSocketAddress) server.localAddress()).getPort();
            long read = 0;
            try (Socket client = new Socket()) {
                client.setReceiveBufferSize(4_096);
                client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                client.setSoTimeout(10_000);
                InputStream in = client.getInputStream();
                byte[] chunk = new byte[WRITE_BYTES / 4];
                while (read < (long) bursts * perBurst * WRITE_BYTES) {
                    int got = in.read(chunk);
                    if (got < 0) {
                        break; // closed on
                    }
                    read += got; // at once: each burst is written in one go, faster than any reader
                }
                // Still open two timeouts after the last byte: nothing written is taken for pending.
                TimeUnit.MILLISECONDS.sleep(2L * TIMEOUT_MILLIS);
            }
            server.close().sync();
            assertThat(timedOutAt.get()).as("the write timeout never fired").isZero();
            assertThat(read).as("bytes read").isEqualTo((long) bursts * perBurst * WRITE_BYTES);
        } finally {
            group.shutdownGracefully(0, 100, TimeUnit.MILLISECONDS).sync();
        }
    }

    /**
     * A server on loopback whose accepted sockets have a small send buffer, the handler {@code writer} makes, and the
     * write timeout of {@value #TIMEOUT_MILLIS} ms, which notes when it fired in {@code timedOutAt}.
     */
    private static Channel server(EventLoopGroup group, AtomicLong timedOutAt,
            Supplier<ChannelInboundHandlerAdapter> writer) throws InterruptedException {
        HttpLimits limits = new HttpLimits(60_000, 60_000, 100, 4_096, 8_192, TIMEOUT_MILLIS, false, 32, 4, 100, 30,
                null);
        return new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.SO_SNDBUF, 8_192)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline().addLast(writer.get());
                        ChannelLimits.installOnAccept(channel, limits, () -> timedOutAt.set(System.nanoTime()), null);
                    }
                }).bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
    }
}
