package io.timemesh.api;

import io.timemesh.core.clock.MonotonicReader;
import io.timemesh.core.clock.TimeReading;
import io.timemesh.core.ntp.NtpPacket;
import io.timemesh.core.time.TimeSource;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.datagram.DatagramPacket;
import io.vertx.core.datagram.DatagramSocket;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves NTP to standard clients from the node's disciplined clock: T2 is read first thing when a
 * request arrives, T3 just before the reply is sent. Optional per-client rate limiting, with an
 * optional kiss-o'-death RATE for limited clients.
 */
public final class NtpServerVerticle extends VerticleBase {
    private static final Logger LOG = LoggerFactory.getLogger(NtpServerVerticle.class);

    private final ClockView clock;
    private final int precisionLog2;
    private ClientRateLimiter limiter;
    private boolean kissOfDeath;
    private static final String ANY_V6 = "::";
    private static final String ANY_V4 = "0.0.0.0";
    private DatagramSocket socket;
    private volatile String host;
    private volatile Thread eventLoop;

    public NtpServerVerticle(TimeSource clock, MonotonicReader reader, int precisionLog2) {
        this.clock = new ClockView(clock, reader);
        this.precisionLog2 = precisionLog2;
    }

    /**
     * Config key marking an instance that joins a port another instance of this node already holds,
     * rather than claiming it.
     */
    public static final String JOINS_PORT = "ntpJoinsPort";

    /**
     * Whether more instances may share this one's port: not with rate limiting, whose per-client
     * state must be one table (clients such as chrony send from a new port each time, so the kernel
     * would spread one client over every instance).
     */
    public static boolean shareable(JsonObject config) {
        JsonObject rate = config.getJsonObject("ntpRateLimit");
        return rate == null || !rate.getBoolean("enabled", true);
    }

    @Override
    public Future<?> start() {
        eventLoop = Thread.currentThread();
        JsonObject config = config();
        int port = config.getInteger("ntpPort", 123);
        String configured = config.getString("ntpHost");
        JsonObject rate = config.getJsonObject("ntpRateLimit");
        if (port < 0 || port > 65_535) {
            return Future.failedFuture(new IllegalArgumentException("ntpPort must be 0..65535, was " + port));
        }
        try {
            if (!shareable(config)) {
                limiter = ClientRateLimiter.fromJson(rate, new SecureRandom());
                kissOfDeath = rate.getBoolean("kod", false);
            }
        } catch (IllegalArgumentException | ClassCastException e) {
            return Future.failedFuture(new IllegalArgumentException("ntpRateLimit: " + e.getMessage(), e));
        }
        // Shared with the node's other NTP server instances where the transport allows (see TimemeshNode).
        boolean reusePort = vertx.isNativeTransportEnabled() && shareable(config);
        // Unless told where: dual-stack on "::" (IPv4 clients arrive as mapped addresses), or IPv4 alone on a
        // host without IPv6.
        return clock.follow(vertx).compose(v -> configured != null ? listen(configured, port, reusePort, config)
                : listen(ANY_V6, port, reusePort, config).recover(noIpv6 -> listen(ANY_V4, port, reusePort, config)))
                .onSuccess(s -> {
                    socket = s;
                    LOG.info("NTP server on {}:{}{}", host, s.localAddress().port(),
                            limiter == null ? "" : " (rate limited)");
                });
    }

    private Future<DatagramSocket> listen(String address, int port, boolean reusePort, JsonObject config) {
        DatagramSocket candidate = vertx.createDatagramSocket(new DatagramSocketOptions()
                .setIpV6(address.indexOf(':') >= 0).setReusePort(reusePort));
        candidate.handler(packet -> answer(candidate, packet));
        // SO_REUSEPORT would also let another process share the port unnoticed: the first instance
        // binds it once without, so a port already taken fails the start as it always did.
        Future<Void> free = reusePort && port != 0 && !config.getBoolean(JOINS_PORT, false)
                ? vertx.executeBlocking(() -> {
                    new java.net.DatagramSocket(new InetSocketAddress(address, port)).close();
                    return null;
                })
                : Future.succeededFuture();
        return free.compose(w -> candidate.listen(port, address)).onSuccess(s -> host = address)
                .recover(e -> {
                    candidate.close();
                    return ApiVerticle.listenFailed("NTP (UDP)", address, port, e);
                });
    }

    /** The address the server listens on: as configured, else "::" (dual-stack) or "0.0.0.0". */
    public String host() {
        return host;
    }

    private void answer(DatagramSocket via, DatagramPacket packet) {
        TimeReading received = clock.read();
        byte[] datagram = packet.data().getBytes();
        Optional<NtpPacket> ask = NtpResponder.request(datagram, datagram.length);
        if (ask.isEmpty()) {
            return; // junk is dropped before the rate limiter: it spends no client's credit
        }
        byte[] reply;
        if (limiter != null && limiter.check(packet.sender().hostAddress(), clock.localNanos())
                == ClientRateLimiter.Verdict.LIMIT) {
            if (!kissOfDeath) {
                return;
            }
            reply = NtpResponder.kissRate(ask.get(), received);
        } else {
            reply = NtpResponder.respond(ask.get(), received, clock.model(), clock.read(), precisionLog2);
        }
        via.send(Buffer.buffer(reply), packet.sender().port(), packet.sender().hostAddress());
    }

    /** The event-loop thread this instance answers on, once started. */
    public Thread eventLoop() {
        return eventLoop;
    }

    /** The UDP port it listens on (useful when configured with 0). */
    public int port() {
        return socket.localAddress().port();
    }

    @Override
    public Future<?> stop() {
        return socket == null ? Future.succeededFuture() : socket.close();
    }
}
