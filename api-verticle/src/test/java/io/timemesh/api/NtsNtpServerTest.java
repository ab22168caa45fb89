package io.timemesh.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.timemesh.core.metrics.NodeCounters;
import io.timemesh.core.clock.MonotonicReader;
import io.timemesh.core.ntp.DecodeResult;
import io.timemesh.core.ntp.NtpPacket;
import io.timemesh.core.ntp.NtpPacketCodec;
import io.timemesh.core.ntp.NtpTimestamp;
import io.timemesh.core.nts.NtsClientSession;
import io.timemesh.core.nts.NtsKeResponse;
import io.timemesh.core.nts.NtsKeys;
import io.timemesh.core.nts.NtsServerKeys;
import io.timemesh.core.time.MonotonicTimescale;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The NTP server answering NTS requests (RFC 8915 §5.7) over a real socket, with a client session holding
 * cookies of its keys: sealed replies never larger than the request, nothing for a tampered request, an
 * NTS NAK for a cookie whose key is gone.
 */
class NtsNtpServerTest {
    private static final String HOST = "127.0.12.12";
    private static final long HOUR = 3_600_000_000_000L;
    private static final NtsKeys CLIENT = new NtsKeys(filled(7), filled(8));
    private final MonotonicTimescale local = new MonotonicTimescale();
    private final NtsServerKeys serverKeys = new NtsServerKeys(new SecureRandom(), HOUR, 0);
    private final SecureRandom random = new SecureRandom();
    private Vertx vertx;
    private int port;

    private static byte[] filled(int value) {
        byte[] bytes = new byte[32];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }

    @BeforeEach
    void start() throws InterruptedException {
        vertx = Vertx.vertx();
        NtpServerVerticle server = new NtpServerVerticle(local, new MonotonicReader(), -20, serverKeys, NodeCounters.NONE);
        vertx.deployVerticle(server, new DeploymentOptions().setConfig(new JsonObject().put("ntpHost", HOST)
                .put("ntpPort", 0))).await();
        port = server.port();
        NtpServerTest.publishModel(vertx, local);
    }

    @AfterEach
    void stop() {
        vertx.close().await();
    }

    private NtsClientSession session() {
        return new NtsClientSession(CLIENT, new NtsKeResponse(Stream.generate(() -> serverKeys.cookie(CLIENT)).limit(4)
                .toList(), Optional.empty(), OptionalInt.empty(), List.of()), HOST, port, 0);
    }

    private static byte[] clientHeader(long transmit) {
        return NtpPacketCodec.encode(NtpPacket.clientRequest(transmit, 0, -20));
    }

    /** Sends {@code request}; the reply, or null when none came within half a second. */
    private byte[] exchange(byte[] request) throws Exception {
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getByName(HOST))) {
            socket.setSoTimeout(500);
            socket.send(new DatagramPacket(request, request.length, InetAddress.getByName(HOST), port));
            byte[] buffer = new byte[2048];
            DatagramPacket reply = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(reply);
            } catch (SocketTimeoutException none) {
                return null;
            }
            return Arrays.copyOf(buffer, reply.getLength());
        }
    }

    @Test
    void anNtsRequestGetsAnAuthenticatedReplyNoLargerWithOurTime() throws Exception {
        NtsClientSession session = session();
        long transmit = random.nextLong();
        byte[] request = session.seal(clientHeader(transmit), random);
        long t1 = local.nowNanos();
        byte[] reply = exchange(request);
        long t4 = local.nowNanos();
        assertThat(reply).isNotNull();
        assertThat(reply.length).isLessThanOrEqualTo(request.length);
        assertThat(session.open(reply, reply.length)).isEqualTo(NtsClientSession.Reply.AUTHENTICATED);
        assertThat(session.cookies()).isEqualTo(NtsClientSession.MAX_COOKIES);
        NtpPacket header = ((DecodeResult.Decoded) NtpPacketCodec.decode(reply)).packet();
        assertThat(header.originTimestamp()).isEqualTo(transmit);
        double offset = ((NtpTimestamp.toUnixNanos(header.receiveTimestamp(), t1) - t1)
                + (NtpTimestamp.toUnixNanos(header.transmitTimestamp(), t4) - t4)) / 2e9;
        assertThat(offset).isCloseTo(0.25, within(0.01));
    }

    @Test
    void aTamperedRequestGetsNothingAndAStaleCookieANak() throws Exception {
        NtsClientSession session = session();
        byte[] tampered = session.seal(clientHeader(random.nextLong()), random);
        tampered[44] ^= 1; // our transmit timestamp, under the authenticator
        assertThat(exchange(tampered)).isNull();

        serverKeys.rotateIfDue(HOUR);
        serverKeys.rotateIfDue(2 * HOUR); // the key of the session's cookies is gone
        byte[] stale = session.seal(clientHeader(random.nextLong()), random);
        byte[] nak = exchange(stale);
        assertThat(nak).isNotNull();
        assertThat(nak.length).isLessThanOrEqualTo(stale.length);
        assertThat(session.open(nak, nak.length)).isEqualTo(NtsClientSession.Reply.NAK);
    }
}
