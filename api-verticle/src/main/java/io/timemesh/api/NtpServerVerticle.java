package io.timemesh.api;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.DefaultMaxMessagesRecvByteBufAllocator;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.util.UncheckedBooleanSupplier;
import io.timemesh.core.settings.Settings;
import io.timemesh.core.clock.MonotonicReader;
import io.timemesh.core.clock.TimeReading;
import io.timemesh.core.metrics.NodeCounters;
import io.timemesh.core.metrics.NodeCounters.NtpOutcome;
import io.timemesh.core.ntp.NtpConstants;
import io.timemesh.core.ntp.NtpPacket;
import io.timemesh.core.ntp.NtpTimestamp;
import io.timemesh.core.nts.NtsServerExchange;
import io.timemesh.core.nts.NtsServerKeys;
import io.timemesh.core.time.TimeSource;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import io.vertx.core.spi.transport.Transport;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves NTP to standard clients from the node's disciplined clock, a batch of requests at a time: T2 is
 * read first thing when a batch has arrived, T3 just before its replies are sent. Optional per-client rate
 * limiting, with an optional kiss-o'-death RATE for limited clients. With {@link NtsServerKeys}, NTS requests
 * (RFC 8915 §5.7) get replies sealed under their cookie's keys, written with T3 read at once since T3 is
 * authenticated; a stale cookie gets an NTS NAK, a request that does not authenticate nothing.
 */
public final class NtpServerVerticle extends VerticleBase {
    private static final Logger LOG = LoggerFactory.getLogger(NtpServerVerticle.class);

    private final ClockView clock;
    private final int precisionLog2;
    private final NodeCounters counters;
    private ClientRateLimiter limiter;
    private boolean kissOfDeath;
    private static final String ANY_V6 = "::";
    private static final String ANY_V4 = "0.0.0.0";
    /** Datagrams read per batch: one recvmmsg on epoll, as the floor's 64. */
    private static final int BATCH = 64;
    /**
     * Datagrams one recvmmsg reads at most, into a buffer of {@link #MAX_REQUEST} × this (32 KiB, kept: see
     * {@link UntilShortRead}): Netty sets up every slot before each recvmmsg, and a read brought about 3 datagrams
     * at 50,000/s, so 64 slots cost more than they saved (issue 14); a batch goes on reading up to {@link #BATCH}.
     */
    private static final int SLOTS = 16;
    /**
     * The largest request read whole, in bytes (Netty's default datagram buffer, as Vert.x's socket had):
     * room for NTS's extension fields; a longer datagram is read truncated.
     */
    private static final int MAX_REQUEST = 2048;
    /**
     * SO_RCVBUF, in bytes (the kernel caps it at net.core.rmem_max): a backlog of requests big enough to ride
     * out the event loop being descheduled for a few milliseconds on a busy machine instead of dropping them.
     */
    private static final int RECEIVE_BUFFER = 4 << 20;
    private DatagramChannel channel;
    private volatile String host;
    private volatile Thread eventLoop;

    /** The cookie keys when serving NTS, or null. */
    private final NtsServerKeys ntsKeys;
    private final SecureRandom ntsRandom = new SecureRandom();

    public NtpServerVerticle(TimeSource clock, MonotonicReader reader, int precisionLog2) {
        this(clock, reader, precisionLog2, null, NodeCounters.NONE);
    }

    /**
     * @param ntsKeys  the cookie keys its NTS-KE server hands out, to serve NTS; null for plain NTP only
     * @param counters where every request read is counted, by what became of it ({@link NtpOutcome})
     */
    public NtpServerVerticle(TimeSource clock, MonotonicReader reader, int precisionLog2, NtsServerKeys ntsKeys,
                             NodeCounters counters) {
        this.clock = new ClockView(clock, reader);
        this.precisionLog2 = precisionLog2;
        this.ntsKeys = ntsKeys;
        this.counters = counters;
    }

    @Override
    public Future<?> start() {
        eventLoop = Thread.currentThread();
        NtpServerSettings config;
        try {
            config = Settings.bind(NtpServerSettings.class, config().encode());
        } catch (IllegalArgumentException e) {
            return Future.failedFuture(new IllegalArgumentException("NTP server config: " + e.getMessage(), e));
        }
        int port = config.ntpPort();
        String configured = config.ntpHost();
        if (!config.shareable()) {
            limiter = ClientRateLimiter.of(config.ntpRateLimit(), new SecureRandom());
            kissOfDeath = config.ntpRateLimit().kod();
        }
        // Shared with the node's other NTP server instances where the transport allows (see TimemeshNode).
        boolean reusePort = vertx.isNativeTransportEnabled() && config.shareable();
        // Unless told where: dual-stack on "::" (IPv4 clients arrive as mapped addresses), or IPv4 alone on a
        // host without IPv6.
        return clock.follow(vertx).compose(v -> configured != null ? listen(configured, port, reusePort, config)
                : listen(ANY_V6, port, reusePort, config).recover(noIpv6 -> listen(ANY_V4, port, reusePort, config)))
                .onSuccess(c -> {
                    channel = c;
                    LOG.info("NTP server on {}:{}{}", host, port(), limiter == null ? "" : " (rate limited)");
                });
    }

    /**
     * A Netty datagram channel of Vert.x's transport on this verticle's event loop: Vert.x's DatagramSocket
     * reads one datagram per wake-up and resolves the destination of every send, where this reads and writes
     * in batches (recvmmsg/sendmmsg on epoll) and answers to the sender's address as received.
     */
    private Future<DatagramChannel> listen(String address, int port, boolean reusePort, NtpServerSettings config) {
        // SO_REUSEPORT would also let another process share the port unnoticed: the first instance
        // binds it once without, so a port already taken fails the start as it always did.
        boolean claim = reusePort && port != 0 && !config.ntpJoinsPort();
        ContextInternal context = (ContextInternal) this.context;
        return vertx.executeBlocking(() -> {
            InetSocketAddress local = new InetSocketAddress(address, port); // a configured name resolves here
            if (claim) {
                new java.net.DatagramSocket(local).close();
            }
            return local;
        }).compose(local -> {
            Transport transport = context.owner().transport();
            DatagramChannel candidate = datagramChannel(transport, local.getAddress() instanceof Inet6Address);
            transport.configure(candidate, new DatagramSocketOptions().setReusePort(reusePort)
                    .setReceiveBufferSize(RECEIVE_BUFFER));
            batched(candidate);
            candidate.pipeline().addLast(new Answering());
            PromiseInternal<Void> bound = context.promise();
            context.nettyEventLoop().register(candidate).addListener(registered -> {
                if (registered.isSuccess()) {
                    candidate.bind(local).addListener(bound);
                } else {
                    bound.fail(registered.cause());
                }
            });
            return bound.map(candidate).recover(e -> {
                candidate.close();
                return Future.failedFuture(e);
            });
        }).onSuccess(c -> host = address).recover(e -> ApiVerticle.listenFailed("NTP (UDP)", address, port, e));
    }

    /**
     * An unbound datagram channel of the transport for the address family. Vert.x's epoll transport opens a
     * dual-stack IPv6 socket whatever the family asked for, which would take every IPv4 request through the IPv6
     * stack as a mapped address (measured with perf: udpv6_recvmsg and udpv6_sendmsg per datagram, issue 14): an
     * IPv4 address gets an IPv4 socket, as chronyd's bindaddress does.
     */
    private static DatagramChannel datagramChannel(Transport transport, boolean ipv6) {
        DatagramChannel channel = transport.datagramChannel(ipv6 ? InternetProtocolFamily.IPv6
                : InternetProtocolFamily.IPv4);
        if (ipv6 || !(channel instanceof EpollDatagramChannel)) {
            return channel;
        }
        channel.unsafe().closeForcibly();
        return new EpollDatagramChannel(SocketProtocolFamily.INET);
    }

    /** Up to {@link #BATCH} datagrams a read on epoll (one recvmmsg), each of up to {@link #MAX_REQUEST} bytes. */
    private static void batched(DatagramChannel channel) {
        if (channel instanceof EpollDatagramChannel) {
            channel.config().setOption(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, MAX_REQUEST);
            UntilShortRead reads = new UntilShortRead(MAX_REQUEST * SLOTS);
            channel.config().setRecvByteBufAllocator(reads.maxMessagesPerRead(BATCH));
            channel.closeFuture().addListener(closed -> reads.release());
        } else {
            channel.config().setRecvByteBufAllocator(new FixedRecvByteBufAllocator(MAX_REQUEST)
                    .maxMessagesPerRead(BATCH));
        }
    }

    /**
     * Receive buffers for one channel, and a batch that ends at the first read that did not fill its buffer: such a
     * recvmmsg found the socket empty, so reading on (as Netty does until EAGAIN) would mostly cost a recvmmsg for
     * the two or three datagrams that arrived meanwhile (issue 14: about eight per wake-up at 50,000/s). Those raise
     * epoll again (edge-triggered, every arrival does) and come in the next batch. The buffer is kept from read to
     * read: Netty 4.2's adaptive allocator does not pool 32 KiB, so every read allocated and zeroed a new direct
     * buffer with a cleaner (JFR and perf at 50,000/s, issue 14). Each datagram read is a retained slice of it, so
     * it is reused only once every slice of the last read has been released (as {@link Answering} does at once).
     */
    private static final class UntilShortRead extends DefaultMaxMessagesRecvByteBufAllocator {
        private final int bufferSize;
        private ByteBuf kept;

        UntilShortRead(int bufferSize) {
            this.bufferSize = bufferSize;
        }

        @Override
        public Handle newHandle() {
            return new MaxMessageHandle() {
                @Override
                public ByteBuf allocate(ByteBufAllocator alloc) {
                    if (kept == null || kept.refCnt() != 1) {
                        release();
                        kept = alloc.directBuffer(bufferSize);
                    }
                    return kept.retain().clear();
                }

                @Override
                public int guess() {
                    return bufferSize;
                }

                @Override
                public boolean continueReading(UncheckedBooleanSupplier maybeMoreData) {
                    return super.continueReading(maybeMoreData) && lastBytesRead() == attemptedBytesRead();
                }
            };
        }

        /** Gives the kept buffer back; called once the channel is closed. */
        void release() {
            ByteBuf last = kept;
            kept = null; // first, so that a failing release cannot leave every later read failing on it
            if (last != null) {
                last.release();
            }
        }
    }

    /** The address the server listens on: as configured, else "::" (dual-stack) or "0.0.0.0". */
    public String host() {
        return host;
    }

    /**
     * Answers each datagram of a batch as it is read, and sends the batch's replies together when the read
     * is complete. T2 is the batch's one reading at its first datagram (every datagram of it had arrived by
     * then), which also gives every reply's header fields (LI, stratum, bound: {@link NtpResponder#header}); T3 is
     * the one reading just before the send, written into every reply of the batch.
     */
    private final class Answering extends ChannelInboundHandlerAdapter {
        private final byte[] request = new byte[MAX_REQUEST];
        private final List<ByteBuf> stamped = new ArrayList<>();
        private final byte[] reply = new byte[NtpConstants.HEADER_LENGTH];
        private final ReplyBlock replies = new ReplyBlock();
        private TimeReading received;
        private long receivedLocal;
        /** The batch's replies in common ({@link NtpResponder#header}), worked out at its first request. */
        private byte[] header;
        private long receiveStamp;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            DatagramPacket packet = (DatagramPacket) msg;
            try {
                if (received == null) {
                    received = clock.read();
                    receivedLocal = limiter == null ? 0 : clock.localNanos();
                }
                ByteBuf reply = answer(packet.content(), packet.sender(), ctx);
                if (reply != null) {
                    ctx.write(new DatagramPacket(reply, packet.sender()), ctx.voidPromise());
                }
            } finally {
                packet.release();
            }
        }

        private ByteBuf answer(ByteBuf in, InetSocketAddress sender, ChannelHandlerContext ctx) {
            if (!ctx.channel().isWritable()) {
                counters.ntpRequest(NtpOutcome.OVERLOADED);
                return null; // overloaded: dropping is NTP's answer, and queueing replies would only grow memory
            }
            int length = Math.min(in.readableBytes(), request.length);
            in.getBytes(in.readerIndex(), request, 0, length);
            Optional<NtpPacket> ask = NtpResponder.request(request, length);
            if (ask.isEmpty()) {
                counters.ntpRequest(NtpResponder.refusal(request, length));
                return null; // junk is dropped before the rate limiter: it spends no client's credit
            }
            if (limiter != null && limiter.check(sender.getAddress().getHostAddress(), receivedLocal)
                    == ClientRateLimiter.Verdict.LIMIT) {
                counters.ntpRequest(kissOfDeath ? NtpOutcome.RATE_LIMITED_KISS : NtpOutcome.RATE_LIMITED_DROPPED);
                return kissOfDeath ? ctx.alloc().directBuffer(NtpConstants.HEADER_LENGTH)
                        .writeBytes(NtpResponder.kissRate(ask.get(), received)) : null;
            }
            if (header == null) {
                header = NtpResponder.header(clock.model(), received, precisionLog2);
                receiveStamp = NtpTimestamp.fromUnixNanos(received.nowNanos());
            }
            if (ntsKeys != null) {
                NtsServerExchange.Request nts = NtsServerExchange.read(request, length, ntsKeys);
                if (!(nts instanceof NtsServerExchange.Request.Plain)) {
                    counters.ntpRequest(nts instanceof NtsServerExchange.Request.Refused ? NtpOutcome.NTS_REFUSED
                            : nts instanceof NtsServerExchange.Request.Nak ? NtpOutcome.NTS_NAK : NtpOutcome.ANSWERED);
                    byte[] sealed = ntsReply(nts, ask.get(), length);
                    return sealed == null ? null : ctx.alloc().directBuffer(sealed.length).writeBytes(sealed);
                }
            }
            counters.ntpRequest(NtpOutcome.ANSWERED);
            System.arraycopy(header, 0, reply, 0, reply.length);
            NtpResponder.fill(reply, ask.get(), receiveStamp, receiveStamp); // T3 written when the batch is sent
            ByteBuf out = replies.next(ctx.alloc()).writeBytes(reply);
            stamped.add(out);
            return out;
        }

        /**
         * The reply to an NTS request: sealed (its T3 read now, as it is authenticated), an NTS NAK, or null
         * for one refused.
         */
        private byte[] ntsReply(NtsServerExchange.Request nts, NtpPacket ask, int length) {
            if (nts instanceof NtsServerExchange.Request.Refused refused) {
                LOG.debug("NTS request refused: {}", refused.reason());
                return null;
            }
            byte[] base = header.clone();
            NtpResponder.fill(base, ask, receiveStamp, NtpTimestamp.fromUnixNanos(clock.read().nowNanos()));
            if (nts instanceof NtsServerExchange.Request.Nak nak) {
                return NtsServerExchange.nak(base, nak.uniqueId());
            }
            ntsKeys.rotateIfDue(clock.localNanos());
            return NtsServerExchange.reply(base, (NtsServerExchange.Request.Authenticated) nts, ntsKeys, ntsRandom, length);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (!stamped.isEmpty()) {
                long transmit = NtpTimestamp.fromUnixNanos(clock.read().nowNanos());
                for (ByteBuf reply : stamped) {
                    reply.setLong(NtpResponder.TRANSMIT_OFFSET, transmit);
                }
                stamped.clear();
            }
            received = null;
            header = null;
            ctx.flush(); // the batch's replies as one sendmmsg on epoll
            replies.batchSent();
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            replies.release();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("NTP server: {}", cause.toString()); // a bad datagram must not close the server
        }
    }

    /**
     * Where a batch's plain replies are written: 48-byte slices of one direct buffer kept from batch to batch, as a
     * pooled buffer taken per reply was 5 % of the NTP event loop at 50,000 requests/s (JFR, issue 14). A reply in
     * flight holds a reference to the block (Netty releases it once sent); a block still referenced when a batch
     * starts, its replies queued behind a full socket buffer, is left to them and a new one taken.
     */
    private static final class ReplyBlock {
        private final ByteBuf[] slots = new ByteBuf[BATCH];
        private ByteBuf block;
        private int used;

        /** An empty 48-byte buffer for the next reply of this batch, which the write will release. */
        ByteBuf next(ByteBufAllocator alloc) {
            if (used == 0 && (block == null || block.refCnt() != 1)) {
                release();
                block = alloc.directBuffer(BATCH * NtpConstants.HEADER_LENGTH);
                for (int i = 0; i < slots.length; i++) {
                    slots[i] = block.slice(i * NtpConstants.HEADER_LENGTH, NtpConstants.HEADER_LENGTH);
                }
            }
            if (used == slots.length) {
                return alloc.directBuffer(NtpConstants.HEADER_LENGTH); // a batch's last read may bring more
            }
            return slots[used++].retain().clear();
        }

        /** The batch's replies were handed to the socket: the next batch starts at the first slot again. */
        void batchSent() {
            used = 0;
        }

        void release() {
            ByteBuf last = block;
            block = null; // first, so that a failing release cannot leave every later batch failing on it
            if (last != null) {
                last.release();
            }
        }
    }

    /** The event-loop thread this instance answers on, once started. */
    public Thread eventLoop() {
        return eventLoop;
    }

    /** The UDP port it listens on (useful when configured with 0). */
    public int port() {
        return channel.localAddress().getPort();
    }

    @Override
    public Future<?> stop() {
        if (channel == null) {
            return Future.succeededFuture();
        }
        PromiseInternal<Void> closed = ((ContextInternal) context).promise();
        channel.close().addListener(closed);
        return closed;
    }
}
