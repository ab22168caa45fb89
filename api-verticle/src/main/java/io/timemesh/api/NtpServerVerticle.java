package io.timemesh.api;

import io.timemesh.core.FatalError;
import io.timemesh.core.clock.ClockModel;
import io.timemesh.core.clock.MonotonicReader;
import io.timemesh.core.clock.TimeReading;
import io.timemesh.core.metrics.NodeCounters;
import io.timemesh.core.metrics.NodeCounters.NtpOutcome;
import io.timemesh.core.ntp.NtpPacket;
import io.timemesh.core.ntp.NtpTimestamp;
import io.timemesh.core.nts.NtsServerExchange;
import io.timemesh.core.nts.NtsServerKeys;
import io.timemesh.core.settings.Settings;
import io.timemesh.core.time.KernelStamps;
import io.timemesh.core.time.TimeSource;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.security.SecureRandom;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves NTP to standard clients from the node's disciplined clock. Each instance reads its socket on a thread of its
 * own, waiting in the receive syscall between requests, and answers the requests each receive returns
 * ({@link NtpDatagrams}: a batch of up to 64 where the platform allows) from one reading of the clock: T2 is each
 * request's kernel receive stamp (else the clock read just after the receive), T3 is read as its reply is queued,
 * and the batch's replies go out together. Optional per-client rate limiting, with an optional
 * kiss-o'-death RATE for limited clients. With {@link NtsServerKeys}, NTS requests (RFC 8915 §5.7) get replies sealed
 * under their cookie's keys; a stale cookie gets an NTS NAK, a request that does not authenticate nothing.
 *
 * <p>Why a thread and not the event loop (issue 14): per batch, a blocking {@code recvmmsg} and a {@code sendmmsg}
 * and nothing else is what the floor's loop does ({@code ntpfloor.c}). Netty's epoll channel paid an
 * {@code epoll_wait}, a {@code getsockopt(IP_RECVORIGDSTADDR)} per {@code recvmmsg} and per-datagram JNI on top:
 * 1.15–1.34× chronyd's CPU per reply (README, "NTP serving cost"). The thread also keeps a flood of NTP off every
 * event loop.
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
    /**
     * The largest request read whole, in bytes (Netty's default datagram buffer, as Vert.x's socket had):
     * room for NTS's extension fields; a longer datagram is dropped unanswered (counted malformed).
     */
    private static final int MAX_REQUEST = 2048;
    /**
     * SO_RCVBUF, in bytes (the kernel caps it at net.core.rmem_max): a backlog of requests big enough to ride
     * out the thread being descheduled for a few milliseconds on a busy machine instead of dropping them.
     */
    private static final int RECEIVE_BUFFER = 4 << 20;
    /** How often the kernel's drops of this server's socket(s) are read into the counters, in ms. */
    private static final long DROPS_MILLIS = 5_000;
    private DatagramChannel channel;
    /** How the serving thread reads and answers the channel's datagrams. */
    private NtpDatagrams datagrams;
    /** Where the channel is bound, kept for {@link #port()} after the channel closed. */
    private InetSocketAddress bound;
    private boolean sharesPort;
    private Thread serving;
    private volatile String host;
    /** The kernel's drops of the port's sockets, followed by the first instance only; null in the others. */
    private UdpDrops drops;
    private boolean dropsUnreadable;
    /** Set by {@link #stop()}: a channel closed without it is logged as the error it is. */
    private volatile boolean stopping;
    /** Failures of single requests that were errors, not exceptions: logged at the 1st, 2nd, 4th, 8th, … only. */
    private long errors;

    /** The cookie keys when serving NTS, or null. */
    private final NtsServerKeys ntsKeys;
    private final SecureRandom ntsRandom = new SecureRandom();

    public NtpServerVerticle(TimeSource clock, MonotonicReader reader, int precisionLog2) {
        this(clock, reader, precisionLog2, null, NodeCounters.NONE);
    }

    /**
     * @param ntsKeys  the cookie keys its NTS-KE server hands out, to serve NTS; null for plain NTP only
     * @param counters where every request read is counted, by what became of it ({@link NtpOutcome}), and every
     *                 request the kernel dropped unread as {@link NtpOutcome#OVERLOADED}
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
        // Unless told where: dual-stack on "::" (IPv4 clients arrive as mapped addresses), or IPv4 alone on a
        // host without IPv6.
        return clock.follow(vertx).compose(v -> configured != null ? listen(configured, port, config)
                : listen(ANY_V6, port, config).recover(noIpv6 -> listen(ANY_V4, port, config)))
                .compose(this::serveOn)
                .onSuccess(v -> {
                    if (!config.ntpJoinsPort()) { // the first instance counts the drops of every socket on the port
                        drops = new UdpDrops(bound);
                        countDrops();
                        vertx.setPeriodic(DROPS_MILLIS, id -> countDrops());
                    }
                    LOG.info("NTP server on {}:{}{}", host, port(), limiter == null ? "" : " (rate limited)");
                });
    }

    /** Starts the serving thread on the bound channel; a thread that cannot start closes the channel. */
    private Future<Void> serveOn(DatagramChannel socket) {
        channel = socket;
        try {
            serving = new Thread(() -> serve(socket, datagrams), "timemesh-ntp-" + port() + "-" + deploymentID());
            serving.setDaemon(true);
            serving.start();
            return Future.succeededFuture();
        } catch (RuntimeException | OutOfMemoryError e) { // OutOfMemoryError: no native thread to be had
            return vertx.executeBlocking(() -> {
                datagrams.close();
                return null;
            }).transform(closed -> Future.failedFuture(new IllegalStateException("NTP server thread: " + e, e)));
        }
    }

    /** Counts the requests the kernel dropped unread since the last reading, as OVERLOADED. */
    private void countDrops() {
        vertx.executeBlocking(drops::sinceLast, true).onSuccess(read -> read.filter(n -> n > 0)
                .ifPresent(n -> counters.ntpRequests(NtpOutcome.OVERLOADED, n))).onFailure(e -> {
                    if (!dropsUnreadable) { // once: a list that cannot be read now will not be read later either
                        dropsUnreadable = true;
                        LOG.warn("NTP server: the kernel's drops of its socket cannot be read: {}", e.toString());
                    }
                });
    }

    /**
     * A blocking datagram channel bound to {@code address}: IPv4 for an IPv4 address (as chronyd's bindaddress), so
     * that IPv4 requests do not take the IPv6 stack as mapped addresses. Shared with the node's other instances
     * (SO_REUSEPORT) when the settings allow it and the platform has it ({@link #sharesPort()}).
     */
    private Future<DatagramChannel> listen(String address, int port, NtpServerSettings config) {
        // SO_REUSEPORT would also let another process share the port unnoticed: the first instance
        // binds it once without, so a port already taken fails the start as it always did.
        return vertx.executeBlocking(() -> {
            InetSocketAddress local = new InetSocketAddress(address, port); // a configured name resolves here
            DatagramChannel candidate = DatagramChannel.open(local.getAddress() instanceof Inet6Address
                    ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
            try {
                boolean reusePort = config.shareable()
                        && candidate.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT);
                if (reusePort) {
                    if (port != 0 && !config.ntpJoinsPort()) {
                        new java.net.DatagramSocket(local).close();
                    }
                    candidate.setOption(StandardSocketOptions.SO_REUSEPORT, true);
                }
                candidate.setOption(StandardSocketOptions.SO_RCVBUF, RECEIVE_BUFFER);
                candidate.bind(local);
                bound = (InetSocketAddress) candidate.getLocalAddress();
                sharesPort = reusePort;
                datagrams = datagrams(candidate, clock::localNanos);
                return candidate;
            } catch (Throwable e) { // a VM error too: the port must not stay bound by a socket nobody has
                candidate.close();
                throw e;
            }
        }).onSuccess(c -> host = address).recover(e -> ApiVerticle.listenFailed("NTP (UDP)", address, port, e));
    }

    /**
     * Batched ({@link BatchedDatagrams}) where the platform allows, else one datagram per receive with T2 read in user
     * space ({@link JdkDatagrams}); which one, and why, is logged at INFO.
     */
    private static NtpDatagrams datagrams(DatagramChannel channel, TimeSource clock) {
        if (!KernelStamps.platformSupported()) {
            LOG.info("NTP server: one request per receive, T2 from user space: batches and kernel timestamps are"
                    + " read on 64-bit Linux on x86-64 and AArch64 only");
            return new JdkDatagrams(channel, MAX_REQUEST + 1);
        }
        try {
            NtpDatagrams batched = BatchedDatagrams.open(channel, KernelStamps.descriptor(channel), clock,
                    MAX_REQUEST + 1);
            LOG.info("NTP server: requests read and answered in batches of up to {}, T2 from the kernel's receive"
                    + " timestamps", BatchedDatagrams.BATCH);
            return batched;
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) { // java.base/sun.nio.ch not opened, another JDK's channel, JNA that cannot load
            LOG.info("NTP server: one request per receive, T2 from user space: no batches or kernel timestamps on"
                    + " this socket ({})", e.toString());
            return new JdkDatagrams(channel, MAX_REQUEST + 1);
        }
    }

    /** The address the server listens on: as configured, else "::" (dual-stack) or "0.0.0.0". */
    public String host() {
        return host;
    }

    /**
     * The serving thread's loop, until the server stops or its channel is closed: read a batch of datagrams, answer
     * each from one reading of the clock, send the replies together. Nothing a datagram holds ends it: whatever goes
     * wrong with one is logged and the next is answered. A VM error (out of memory) ends the thread for the node's
     * handler of uncaught errors (FatalErrors exits, so that the node is restarted); a thread that ends while its
     * channel is open closes it, so that SO_REUSEPORT sends no more requests to a socket nobody reads.
     */
    private void serve(DatagramChannel socket, NtpDatagrams datagrams) {
        try {
            byte[] request = new byte[MAX_REQUEST];
            while (!stopping) {
                int count;
                try {
                    count = datagrams.receive();
                } catch (ClosedChannelException closed) {
                    return;
                } catch (IOException | RuntimeException e) {
                    LOG.debug("NTP server: {}", e.toString());
                    continue;
                }
                if (count == 0) {
                    continue;
                }
                ClockModel model;
                long read;
                TimeReading own;
                TimeReading reading;
                byte[] header;
                try {
                    model = clock.model(); // one model for the batch's readings and headers
                    read = clock.localNanos();
                    own = model.read(read);
                    reading = clock.reader().serve(model, own);
                    header = NtpResponder.header(model, reading, precisionLog2); // each reply starts as a copy
                } catch (RuntimeException | Error e) { // the batch goes unanswered, the next is read
                    failed(e);
                    continue;
                }
                for (int i = 0; i < count; i++) {
                    try {
                        int length = datagrams.length(i);
                        if (length > MAX_REQUEST) {
                            counters.ntpRequest(NtpOutcome.MALFORMED); // longer than any request we answer
                            continue;
                        }
                        datagrams.read(i, request, length);
                        Received received = Received.of(model, own, reading, read, datagrams.arrival(i, read));
                        byte[] reply = answer(request, length, datagrams, i, received, header);
                        if (reply != null) {
                            datagrams.reply(i, reply);
                        }
                    } catch (RuntimeException | Error e) { // a bad datagram must not end the server
                        failed(e);
                    }
                }
                try {
                    datagrams.flush();
                } catch (ClosedChannelException closed) {
                    return;
                } catch (IOException | RuntimeException e) {
                    LOG.debug("NTP server: {}", e.toString());
                }
            }
        } finally {
            boolean open = socket.isOpen();
            try {
                datagrams.close(); // first: logging may fail where the thread failed (a full heap)
            } catch (IOException e) {
                // nothing more to be done for it
            }
            if (!stopping) {
                LOG.error("NTP server thread on port {} ended; its socket {}", bound.getPort(),
                        open ? "is closed" : "was closed while serving");
            }
        }
    }

    /**
     * What went wrong with one datagram or batch, which the server survives: an exception, logged at DEBUG, or an error
     * short of the VM's (e.g. a cipher that cannot be set up: NTS fails, plain NTP goes on), logged at WARN at the
     * 1st, 2nd, 4th, 8th, … only, as one a datagram could fill the disk.
     *
     * @throws Error a VM error ({@link FatalError#in}), which ends the serving thread
     */
    private void failed(Throwable e) {
        if (e instanceof Error error && FatalError.in(error)) {
            throw error;
        }
        if (e instanceof RuntimeException) {
            LOG.debug("NTP server: {}", e.toString());
        } else if (Long.bitCount(++errors) == 1) {
            LOG.warn("NTP server: {} ({} so far)", e.toString(), errors);
        }
    }

    /**
     * The clock read after a receive.
     *
     * @param model      the model read
     * @param reading    the reading (the header's root fields and status)
     * @param localNanos the local time it was read at (ns)
     * @param t2Nanos    the receive timestamp T2, Unix ns on the served timescale
     * @param plain      whether the reading is the model's own (not held after a step back) and no leap second is
     *                   scheduled (from its announcement to a day after it): T3 may then be carried from the reading at
     *                   the slowest rate true time can run
     */
    record Received(ClockModel model, TimeReading reading, long localNanos, long t2Nanos, boolean plain) {
        /**
         * T2 for a request that arrived at local time {@code arrivalNanos} ({@code localNanos} where unknown): the
         * reading's time less the time since, counted at the slowest rate true time can have run (1 − maxDrift), so
         * that true time at the arrival is inside the reading's bound moved back by it: never early for the
         * client's interval. With a leap second scheduled (the served scale may stand still), the reading's time.
         */
        static Received of(ClockModel model, TimeReading own, TimeReading reading, long localNanos, long arrivalNanos) {
            boolean leap = model.leapSecond() != null;
            long age = leap ? 0 : localNanos - arrivalNanos;
            long t2 = reading.nowNanos() - age + (long) Math.ceil(age * model.limits().maxDrift());
            return new Received(model, reading, localNanos, t2, !leap && reading.nowNanos() == own.nowNanos());
        }
    }

    /**
     * T3, Unix ns: the reading carried to now in a few instructions, so that as little as can be happens between it and
     * the send; a whole reading where the served scale may not run with true time (a hold, a leap second).
     */
    private long transmitNanos(Received received) {
        return received.plain()
                ? clock.reader().carriedNow(received.model(), received.reading(), received.localNanos(), clock.localNanos())
                : clock.read(received.model()).nowNanos();
    }

    /**
     * The reply to datagram {@code i} of the batch, with its T3 read last thing (before the seal, for NTS); null for
     * one that gets none.
     *
     * @param header the batch's reply header ({@link NtpResponder#header} of its reading), copied, never written
     */
    private byte[] answer(byte[] request, int length, NtpDatagrams batch, int i, Received received, byte[] header) {
        Optional<NtpPacket> ask = NtpResponder.request(request, length);
        if (ask.isEmpty()) {
            counters.ntpRequest(NtpResponder.refusal(request, length));
            return null; // junk is dropped before the rate limiter: it spends no client's credit
        }
        if (limiter != null && limiter.check(batch.client(i), clock.localNanos())
                == ClientRateLimiter.Verdict.LIMIT) {
            counters.ntpRequest(kissOfDeath ? NtpOutcome.RATE_LIMITED_KISS : NtpOutcome.RATE_LIMITED_DROPPED);
            return kissOfDeath ? NtpResponder.kissRate(ask.get(), received.reading()) : null;
        }
        byte[] reply = header.clone();
        NtpResponder.fill(reply, ask.get(), NtpTimestamp.fromUnixNanos(received.t2Nanos()));
        if (ntsKeys != null) {
            NtsServerExchange.Request nts = NtsServerExchange.read(request, length, ntsKeys);
            if (!(nts instanceof NtsServerExchange.Request.Plain)) {
                counters.ntpRequest(nts instanceof NtsServerExchange.Request.Refused ? NtpOutcome.NTS_REFUSED
                        : nts instanceof NtsServerExchange.Request.Nak ? NtpOutcome.NTS_NAK : NtpOutcome.ANSWERED);
                return ntsReply(nts, length, reply, received);
            }
        }
        counters.ntpRequest(NtpOutcome.ANSWERED);
        NtpResponder.transmit(reply, NtpTimestamp.fromUnixNanos(transmitNanos(received)));
        return reply;
    }

    /** The reply to an NTS request: sealed (T3 read before, as it is authenticated), an NTS NAK, or null if refused. */
    private byte[] ntsReply(NtsServerExchange.Request nts, int length, byte[] base, Received received) {
        if (nts instanceof NtsServerExchange.Request.Refused refused) {
            LOG.debug("NTS request refused: {}", refused.reason());
            return null;
        }
        NtpResponder.transmit(base, NtpTimestamp.fromUnixNanos(transmitNanos(received)));
        if (nts instanceof NtsServerExchange.Request.Nak nak) {
            return NtsServerExchange.nak(base, nak.uniqueId());
        }
        ntsKeys.rotateIfDue(clock.localNanos());
        return NtsServerExchange.reply(base, (NtsServerExchange.Request.Authenticated) nts, ntsKeys, ntsRandom, length);
    }

    /** The thread this instance answers on, once started. */
    public Thread servingThread() {
        return serving;
    }

    /** Whether it shares its port with the node's other instances (SO_REUSEPORT, where the platform has it). */
    public boolean sharesPort() {
        return sharesPort;
    }

    /** The UDP port it listens on (useful when configured with 0), also after it stopped. */
    public int port() {
        return bound.getPort();
    }

    /** Ends the serving thread's receive and waits for the thread to finish, which closes the socket as it leaves. */
    @Override
    public Future<?> stop() {
        if (channel == null) {
            return Future.succeededFuture();
        }
        stopping = true;
        return vertx.executeBlocking(() -> {
            datagrams.wake();
            serving.join(5_000);
            if (serving.isAlive()) { // it closes the channel as it leaves: closed under it, the number could be reused
                LOG.warn("NTP server thread {} still running 5 s after it was told to stop", serving.getName());
            }
            return null;
        });
    }
}
