package io.timemesh.sampler;

import io.timemesh.core.exchange.ExchangeError;
import io.timemesh.core.exchange.ExchangeFailure;
import io.timemesh.core.time.TimeSource;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.datagram.DatagramPacket;
import io.vertx.core.datagram.DatagramSocket;
import io.vertx.core.datagram.DatagramSocketOptions;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * One UDP socket shared by all sources of a sampler (or a query), matching replies to exchanges by
 * the sender's address. It must be used from the event loop that opened it.
 *
 * <p>Timestamping: T1 is read immediately before {@code send} and T4 first thing in the packet
 * handler, both from the node's monotonic timescale. Vert.x offers no kernel (SO_TIMESTAMP)
 * timestamps, so each includes the event loop's latency between the socket and our code, typically
 * a few tens of microseconds on an idle loop. That latency lengthens the measured delay δ, and
 * since the interval's half-width includes δ/2, the bound stays honest; only the offset picks up
 * half the difference between the send-side and receive-side latencies.
 */
public final class NtpClientSocket {
    private static final int RECEIVE_BUFFER_BYTES = 1 << 20;
    private static final String LOOPBACK = "127.0.0.1";
    private static final String WILDCARD_V4 = "0.0.0.0";
    private static final String WILDCARD_V6 = "::";

    private final Vertx vertx;
    private final DatagramSocket socket;
    private final TimeSource clock;
    private final RandomGenerator random;
    private final HostResolver resolver;
    private final Map<String, Exchange> inFlight = new HashMap<>();

    private record Exchange(SourcePoller poller, Promise<ExchangeStep> promise, long timerId) {}

    private NtpClientSocket(Vertx vertx, DatagramSocket socket, TimeSource clock, RandomGenerator random,
                            HostResolver resolver) {
        this.vertx = vertx;
        this.socket = socket;
        this.clock = clock;
        this.random = random;
        this.resolver = resolver;
        socket.handler(this::onPacket);
    }

    /**
     * Opens a socket on an ephemeral port of {@code bindHost}. The wildcard 0.0.0.0 opens a dual-stack
     * socket on "::", which reaches IPv4 and IPv6 sources alike (IPv4 ones as mapped addresses), or an
     * IPv4 one where this host has no IPv6; an IPv6 literal opens an IPv6 socket. One datagram to itself
     * first pays the cold send path (class loading, resolver set-up, some 100 ms in a fresh JVM) before
     * any T1 is read, so the first real exchange is not an outlier.
     */
    public static Future<NtpClientSocket> open(Vertx vertx, TimeSource clock, String bindHost, HostResolver resolver) {
        Future<DatagramSocket> bound = WILDCARD_V4.equals(bindHost)
                ? listen(vertx, WILDCARD_V6).recover(noIpv6 -> listen(vertx, WILDCARD_V4))
                : listen(vertx, bindHost);
        return bound.map(s -> new NtpClientSocket(vertx, s, clock, new SecureRandom(), resolver))
                .compose(opened -> opened.socket.send(Buffer.buffer(new byte[1]), opened.localPort(), LOOPBACK)
                        .map(sent -> opened));
    }

    private static Future<DatagramSocket> listen(Vertx vertx, String host) {
        // One socket serves every source of the sampler: room for a thousand replies arriving close together.
        DatagramSocket socket = vertx.createDatagramSocket(new DatagramSocketOptions().setIpV6(host.indexOf(':') >= 0)
                .setReceiveBufferSize(RECEIVE_BUFFER_BYTES));
        return socket.listen(0, host).onFailure(e -> socket.close());
    }

    /** Every address of a host name (a pool), resolved off the event loop; failure is the UNKNOWN_HOST error. */
    public Future<InetAddress[]> resolveAll(String host) {
        return vertx.executeBlocking(() -> resolver.resolveAll(host), false)
                .recover(e -> Future.failedFuture(new ExchangeFailureException(
                        new ExchangeFailure(ExchangeError.UNKNOWN_HOST, host))));
    }

    /** Resolves a host name off the event loop; failure is the UNKNOWN_HOST error. */
    public Future<InetAddress> resolve(String host) {
        return vertx.executeBlocking(() -> resolver.resolve(host), false)
                .recover(e -> Future.failedFuture(new ExchangeFailureException(
                        new ExchangeFailure(ExchangeError.UNKNOWN_HOST, host))));
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
        poller.onSending(clock.nowNanos()); // T1 after building the request, which for NTS includes sealing it
        socket.send(Buffer.buffer(request), target.getPort(), target.getAddress().getHostAddress())
                .onSuccess(sent -> poller.onSent(clock.nowNanos()))
                .onFailure(e -> {
                    Exchange exchange = inFlight.remove(key);
                    if (exchange != null) {
                        vertx.cancelTimer(exchange.timerId());
                        exchange.promise().complete(new ExchangeStep.Failed(poller.onLocalFailure(
                                new ExchangeFailure(ExchangeError.SEND_FAILED, String.valueOf(e.getMessage())))));
                    }
                });
        return promise.future();
    }

    private void onPacket(DatagramPacket packet) {
        long t4 = clock.nowNanos();
        String key = key(packet.sender().hostAddress(), packet.sender().port());
        Exchange exchange = inFlight.get(key);
        if (exchange == null) {
            return; // late replies, strays and our own warm-up datagram
        }
        byte[] data = packet.data().getBytes();
        ExchangeStep step = exchange.poller().onDatagram(data, data.length, t4);
        if (step.ended()) {
            inFlight.remove(key);
            vertx.cancelTimer(exchange.timerId());
            exchange.promise().complete(step);
        }
    }

    /** The sender's address as the packet names it: a literal, parsed without any lookup. */
    private static String key(String hostAddress, int port) {
        try {
            return key(InetAddress.getByName(hostAddress), port);
        } catch (UnknownHostException e) {
            return hostAddress + "|" + port; // not a literal: matches no exchange
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
        return socket.localAddress().port();
    }

    public Future<Void> close() {
        inFlight.values().forEach(e -> vertx.cancelTimer(e.timerId()));
        inFlight.clear();
        return socket.close();
    }
}
