package io.timemesh.sampler;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.InternetProtocolFamily;
import io.timemesh.core.exchange.ExchangeError;
import io.timemesh.core.exchange.ExchangeFailure;
import io.timemesh.core.time.TimeSource;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import io.vertx.core.spi.transport.Transport;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongConsumer;
import java.util.random.RandomGenerator;

/**
 * One UDP socket shared by all sources of a sampler (or a query), matching replies to exchanges by
 * the sender's address. It must be used from the event loop that opened it.
 *
 * <p>Timestamping: T1 is read in the pipeline's last outbound step, {@link SendStamp#flush}, right before
 * Netty's transport issues the send syscall, and T4 first thing when a reply is read, both on the node's
 * monotonic timescale. The socket is a Netty datagram channel of Vert.x's own transport on the opening
 * context's event loop, written to directly: Vert.x's DatagramSocket resolves even an IP literal before
 * every send and reports it done later still, which put 0.4–1.3 ms between T1 and the request leaving on
 * a loaded machine. The request is copied into a direct buffer before T1, so the transport's own
 * heap-to-direct copy is not between T1 and the syscall either. On Linux's epoll transport both then give
 * way to the kernel's own stamps ({@link KernelTimestamps}), as chronyd's do: T1 to the transmit stamp,
 * read off the error queue as the send syscall returns, and T4 to the receive stamp, so neither the send
 * path nor the event loop's wake-up after a reply arrives is in δ or θ. Elsewhere, the user-space readings
 * include them: they lengthen δ, and since the interval's half-width includes δ/2, the bound stays
 * honest; only the offset picks up half the difference between the send-side and receive-side latencies.
 *
 * <p>Why the bound stays exact: the causal interval [T3 − T4, T2 − T1] needs a T1 no later than the
 * request's real departure and a T4 no earlier than the reply's real arrival. T1 is read on the event
 * loop before the syscall that hands the datagram to the kernel (a datagram the kernel cannot take at once
 * stays queued and leaves later still); T4 after the read that returned the datagram. The send's
 * completion is no usable upper end for T1: on loopback the syscall wakes the server, which on a machine
 * of two cores read its T2 before our send returned in most exchanges measured, so the middle of such a
 * bracket would have put T1 after the server's T2.
 */
public final class NtpClientSocket {
    private static final int RECEIVE_BUFFER_BYTES = 1 << 20;
    private static final String LOOPBACK = "127.0.0.1";
    private static final String WILDCARD_V4 = "0.0.0.0";
    private static final String WILDCARD_V6 = "::";

    private final Vertx vertx;
    private final ContextInternal context;
    private final DatagramChannel channel;
    private final TimeSource clock;
    private final RandomGenerator random;
    private final HostResolver resolver;
    private final Map<String, Exchange> inFlight = new HashMap<>();
    private final SendStamp sendStamp = new SendStamp();
    /** T1 and T4 from the kernel, or null where the socket cannot give them (then both are read in user space). */
    private final KernelTimestamps kernelStamps;

    private record Exchange(SourcePoller poller, Promise<ExchangeStep> promise, long timerId) {}

    private NtpClientSocket(ContextInternal context, DatagramChannel channel, TimeSource clock, RandomGenerator random,
                            HostResolver resolver) {
        this.vertx = context.owner();
        this.context = context;
        this.channel = channel;
        this.clock = clock;
        this.random = random;
        this.resolver = resolver;
        this.kernelStamps = KernelTimestamps.of(channel, clock);
    }

    /**
     * Opens a socket on an ephemeral port of {@code bindHost}, on the calling context's event loop. The
     * wildcard 0.0.0.0 opens a dual-stack socket on "::", which reaches IPv4 and IPv6 sources alike (IPv4
     * ones as mapped addresses), or an IPv4 one where this host has no IPv6; an IPv6 literal opens an IPv6
     * socket. One datagram to itself first pays the cold send path (class loading, some 100 ms in a fresh
     * JVM) before any T1 is read, so the first real exchange is not an outlier.
     */
    public static Future<NtpClientSocket> open(Vertx vertx, TimeSource clock, String bindHost, HostResolver resolver) {
        ContextInternal context = (ContextInternal) vertx.getOrCreateContext();
        Future<NtpClientSocket> bound = WILDCARD_V4.equals(bindHost)
                ? listen(context, clock, resolver, WILDCARD_V6).recover(noIpv6 -> listen(context, clock, resolver, WILDCARD_V4))
                : listen(context, clock, resolver, bindHost);
        return bound.compose(opened -> opened.write(new byte[1], new InetSocketAddress(LOOPBACK, opened.localPort()))
                .map(sent -> opened));
    }

    private static Future<NtpClientSocket> listen(ContextInternal context, TimeSource clock, HostResolver resolver,
                                                  String host) {
        boolean ipv6 = host.indexOf(':') >= 0;
        Transport transport = context.owner().transport();
        DatagramChannel channel = transport.datagramChannel(ipv6 ? InternetProtocolFamily.IPv6 : InternetProtocolFamily.IPv4);
        // One socket serves every source of the sampler: room for a thousand replies arriving close together.
        transport.configure(channel, new DatagramSocketOptions().setIpV6(ipv6).setReceiveBufferSize(RECEIVE_BUFFER_BYTES));
        NtpClientSocket socket = new NtpClientSocket(context, channel, clock, new SecureRandom(), resolver);
        channel.pipeline().addLast(socket.new Receiver(), socket.sendStamp);
        PromiseInternal<Void> bound = context.promise();
        context.nettyEventLoop().register(channel).addListener(registered -> {
            if (registered.isSuccess()) {
                channel.bind(new InetSocketAddress(host, 0)).addListener(bound);
            } else {
                bound.fail(registered.cause());
            }
        });
        return bound.map(socket).recover(e -> {
            channel.close();
            return Future.failedFuture(e);
        });
    }

    /** Writes one datagram; completes once it was handed to the kernel. */
    private Future<Void> write(byte[] data, InetSocketAddress target) {
        PromiseInternal<Void> sent = context.promise();
        send(data, target, null).addListener(sent);
        return sent.future();
    }

    /**
     * Writes one datagram from a direct buffer, so the transport need not copy it after {@link SendStamp} reads T1.
     *
     * @param onT1 given T1 (local timescale, ns) by the flush that sends this datagram, before its send syscall, and
     *             again, later, the kernel's transmit stamp as the syscall returns where there is one; or null
     */
    private ChannelFuture send(byte[] data, InetSocketAddress target, LongConsumer onT1) {
        ByteBuf direct = channel.alloc().directBuffer(data.length).writeBytes(data);
        DatagramPacket packet = new DatagramPacket(direct, target);
        return channel.writeAndFlush(onT1 == null ? packet : new Stamped(packet, data, onT1));
    }

    /**
     * A datagram whose T1 {@link SendStamp} hands to {@code onT1} at the flush that sends it; its bytes find its
     * kernel transmit stamp.
     */
    private record Stamped(DatagramPacket packet, byte[] data, LongConsumer onT1) {
    }

    /** Every address of a host name (a pool), resolved off the event loop; failure is the UNKNOWN_HOST error. */
    public Future<InetAddress[]> resolveAll(String host) {
        return vertx.executeBlocking(() -> resolver.resolveAll(host), false)
                .recover(e -> unknownHost(host));
    }

    /**
     * Resolves a host name off the event loop, an IP literal at once (parsing it looks nothing up, and a
     * worker's round trip for each poll of a thousand sources was a thread hand-off each); failure is
     * the UNKNOWN_HOST error.
     */
    public Future<InetAddress> resolve(String host) {
        if (HostResolver.isLiteral(host)) {
            try {
                return Future.succeededFuture(InetAddress.getByName(host));
            } catch (UnknownHostException e) {
                return unknownHost(host);
            }
        }
        return vertx.executeBlocking(() -> resolver.resolve(host), false)
                .recover(e -> unknownHost(host));
    }

    private static <T> Future<T> unknownHost(String host) {
        return Future.failedFuture(new ExchangeFailureException(new ExchangeFailure(ExchangeError.UNKNOWN_HOST, host)));
    }

    /**
     * Runs one exchange with {@code poller}'s source at {@code target}. Completes with the step that
     * ended it: {@link ExchangeStep.Sampled} or {@link ExchangeStep.Failed}.
     */
    public Future<ExchangeStep> exchange(SourcePoller poller, InetSocketAddress target, Duration timeout) {
        String key = key(target.getAddress(), target.getPort());
        if (inFlight.containsKey(key)) {
            return Future.failedFuture(new IllegalStateException("an exchange with " + key + " is already in flight"));
        }
        Promise<ExchangeStep> promise = Promise.promise();
        long timerId = vertx.setTimer(Math.max(1, timeout.toMillis()), id -> {
            Exchange exchange = inFlight.remove(key);
            if (exchange != null) {
                exchange.promise().complete(new ExchangeStep.Failed(
                        poller.onTimeout("no valid reply within " + timeout.toMillis() + " ms")));
            }
        });
        inFlight.put(key, new Exchange(poller, promise, timerId));
        byte[] request = poller.startExchange(clock.nowNanos(), random.nextInt());
        // T1 is handed over by the flush that sends this datagram, on the event loop before its send syscall (a
        // datagram the kernel refused at first is sent later still), so before any reply can be read, and never by
        // a later flush: not the write's completion, which Netty may notify after other flushes. For NTS, T1 also
        // comes after sealing the request.
        send(request, target, poller::onSending).addListener(written -> {
            if (written.isSuccess()) {
                return;
            }
            context.emit(null, v -> {
                Exchange exchange = inFlight.remove(key);
                if (exchange != null) {
                    vertx.cancelTimer(exchange.timerId());
                    exchange.promise().complete(new ExchangeStep.Failed(poller.onLocalFailure(new ExchangeFailure(
                            ExchangeError.SEND_FAILED, String.valueOf(written.cause().getMessage())))));
                }
            });
        });
        return promise.future();
    }

    /**
     * T1: the last outbound step before Netty's transport makes the send syscall (the channel's head only
     * adds the datagram to its buffer on write, and sends it on flush); then, as the syscall returns, the
     * kernel's transmit stamps where it has them.
     */
    private final class SendStamp extends ChannelOutboundHandlerAdapter {
        /** Who gets T1 from the next flush, and the bytes to find its stamp by. Channel's event loop only. */
        private final ArrayDeque<Stamped> awaitingT1 = new ArrayDeque<>();

        @Override
        public void write(ChannelHandlerContext ctx, Object message, ChannelPromise promise) {
            if (message instanceof Stamped stamped) {
                awaitingT1.add(stamped);
                ctx.write(stamped.packet(), promise);
            } else {
                ctx.write(message, promise);
            }
        }

        @Override
        public void flush(ChannelHandlerContext ctx) {
            long t1 = clock.nowNanos();
            Stamped[] sending = awaitingT1.toArray(Stamped[]::new);
            awaitingT1.clear();
            for (Stamped s : sending) {
                s.onT1().accept(t1);
            }
            ctx.flush();
            if (kernelStamps == null) {
                return;
            }
            byte[][] payloads = new byte[sending.length][];
            for (int i = 0; i < sending.length; i++) {
                payloads[i] = sending[i].data();
            }
            long[] departures = kernelStamps.departures(payloads, t1);
            for (int i = 0; i < sending.length; i++) {
                sending[i].onT1().accept(departures[i]); // t1 or later: the exchange moves its T1 to it
            }
        }
    }

    /**
     * Takes T4 first (the kernel's stamp of this datagram, asked before the next is read, or the time now), then
     * hands the datagram to the exchange it answers, as a Vert.x event of this context.
     */
    private final class Receiver extends SimpleChannelInboundHandler<DatagramPacket> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            long read = clock.nowNanos();
            long t4 = kernelStamps == null ? read : kernelStamps.arrival(read);
            ByteBuf content = packet.content();
            byte[] data = ByteBufUtil.getBytes(content, content.readerIndex(), content.readableBytes(), false);
            InetSocketAddress sender = packet.sender();
            context.emit(null, v -> onPacket(sender, data, t4));
        }

        /** After each wake-up for the socket: transmit stamps of datagrams the kernel sent after their flush. */
        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (kernelStamps != null) {
                kernelStamps.dropStaleTransmitStamps();
            }
            ctx.fireChannelReadComplete();
        }
    }

    private void onPacket(InetSocketAddress sender, byte[] data, long t4) {
        String key = key(sender.getAddress(), sender.getPort());
        Exchange exchange = inFlight.get(key);
        if (exchange == null) {
            return; // late replies, strays and our own warm-up datagram
        }
        ExchangeStep step = exchange.poller().onDatagram(data, data.length, t4);
        if (step.ended()) {
            inFlight.remove(key);
            vertx.cancelTimer(exchange.timerId());
            exchange.promise().complete(step);
        }
    }

    /**
     * One spelling per address and port, from the address's bytes alone: an IPv4 source answering a
     * dual-stack socket arrives as ::ffff:a.b.c.d, and an IPv6 one may carry a scope ("%0") that the
     * address it was sent to did not.
     */
    private static String key(InetAddress address, int port) {
        byte[] bytes = address.getAddress();
        if (bytes.length == 16 && Arrays.mismatch(bytes, 0, 12, V4_MAPPED_PREFIX, 0, 12) == -1) {
            bytes = Arrays.copyOfRange(bytes, 12, 16);
        }
        try {
            return InetAddress.getByAddress(bytes).getHostAddress() + "|" + port;
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 or 16 bytes are always an address", e);
        }
    }

    private static final byte[] V4_MAPPED_PREFIX = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff};

    public int localPort() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    public Future<Void> close() {
        inFlight.values().forEach(e -> vertx.cancelTimer(e.timerId()));
        inFlight.clear();
        PromiseInternal<Void> closed = context.promise();
        channel.close().addListener(closed);
        return closed.future();
    }
}
