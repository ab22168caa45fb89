package io.timemesh.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import io.timemesh.core.clock.ClockModel;
import io.timemesh.core.clock.MonotonicReader;
import io.timemesh.core.message.EventBusAddresses;
import io.timemesh.core.metrics.NodeCounters;
import io.timemesh.core.ntp.DecodeResult;
import io.timemesh.core.ntp.LeapIndicator;
import io.timemesh.core.ntp.NtpMode;
import io.timemesh.core.ntp.NtpPacket;
import io.timemesh.core.ntp.NtpPacketCodec;
import io.timemesh.core.time.MonotonicTimescale;
import io.timemesh.core.time.OffsetInterval;
import io.timemesh.testkit.ChronydClient;
import io.timemesh.testkit.CountingCounters;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Our NTP server measured by a real NTP client: {@code chronyd -Q}. */
@Tag("chrony")
class NtpServerTest {

    private Vertx vertx;

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void stop() {
        vertx.close().await();
    }

    private int deploy(MonotonicTimescale local, JsonObject config) {
        return deploy(local, config, NodeCounters.NONE);
    }

    private int deploy(MonotonicTimescale local, JsonObject config, NodeCounters counters) {
        NtpServerVerticle server = new NtpServerVerticle(local, new MonotonicReader(), -20, null, counters);
        vertx.deployVerticle(server, new DeploymentOptions().setConfig(config)).await();
        return server.port();
    }

    private void publishModel(MonotonicTimescale local) throws InterruptedException {
        publishModel(vertx, local);
    }

    /** Publishes to the node's API a model 0.25 s ahead of the local timescale, just synchronised, bound 2 ms. */
    static void publishModel(Vertx vertx, MonotonicTimescale local) throws InterruptedException {
        long now = local.nowNanos();
        ClockModel model = new ClockModel(new ClockModel.Correction(now, 250_000_000L, 0, 0, 0),
                new ClockModel.Bound(now, OffsetInterval.around(0.0, 0.002)),
                new ClockModel.Limits(15e-6, 60_000_000_000L, 1.0),
                new ClockModel.Upstream("sel", 1, true, 2, LeapIndicator.NO_WARNING,
                        "127.0.5.1:123", "127.0.5.1:123", 0.002),
                new ClockModel.Tracking(1, 0, false, 0, null), null);
        vertx.eventBus().publish(EventBusAddresses.CLOCK_MODEL, JsonObject.mapFrom(model),
                new DeliveryOptions().setLocalOnly(true));
        Thread.sleep(100);
    }

    @Test
    void chronydMeasuresOurReferenceOffsetWithinAMillisecond() throws Exception {
        // chronyd compares against this machine's wall clock, so anchor our timescale to it right now.
        MonotonicTimescale local = new MonotonicTimescale();
        int port = deploy(local, new JsonObject().put("ntpHost", "127.0.0.1").put("ntpPort", 0));
        publishModel(local);
        ChronydClient.Measurement measured = ChronydClient.measureOffset("127.0.0.1", port);
        System.out.printf("chronyd -Q against timemesh's NTP server: %s (served reference: +0.250000 s)%n", measured);
        assertThat(measured.offsetSeconds()).isCloseTo(0.25, within(0.001 + measured.delaySeconds() / 2));
    }

    @Test
    void rateLimitedClientsGetAKissOfDeathRate() throws Exception {
        MonotonicTimescale local = new MonotonicTimescale();
        int port = deploy(local, new JsonObject().put("ntpHost", "127.0.0.1").put("ntpPort", 0)
                .put("ntpRateLimit", new JsonObject().put("interval", 6).put("burst", 2).put("leak", 0).put("kod", true)));
        publishModel(local);
        try (DatagramSocket fixture = new DatagramSocket()) {
            fixture.setSoTimeout(1_000);
            int kisses = 0;
            int answers = 0;
            for (int i = 0; i < 4; i++) {
                byte[] request = NtpPacketCodec.encode(NtpPacket.clientRequest(1000 + i, 0, -20));
                fixture.send(new DatagramPacket(request, request.length, InetAddress.getByName("127.0.0.1"), port));
                byte[] buffer = new byte[100];
                DatagramPacket reply = new DatagramPacket(buffer, buffer.length);
                fixture.receive(reply);
                NtpPacket packet = ((DecodeResult.Decoded) NtpPacketCodec.decode(buffer, 0, reply.getLength())).packet();
                assertThat(packet.originTimestamp()).isEqualTo(1000 + i);
                if (packet.isKissOfDeath()) {
                    assertThat(packet.kissCode()).isEqualTo("RATE");
                    kisses++;
                } else {
                    answers++;
                }
            }
            assertThat(answers).isEqualTo(2); // the burst
            assertThat(kisses).isEqualTo(2);
        }
    }

    /**
     * Sends {@code request} and returns the reply, which must come within 5 s: on a loaded machine one can take
     * longer than {@link #exchange}'s 500 ms, and would then be read as the answer to the next request.
     */
    private static NtpPacket reply(DatagramSocket client, int port, byte[] request) throws Exception {
        NtpPacket reply = exchange(client, port, request, 5_000);
        assertThat(reply).as("a reply within 5 s").isNotNull();
        return reply;
    }

    /** Sends {@code request} and returns the reply, or null when none comes within 500 ms (for what is not answered). */
    private static NtpPacket exchange(DatagramSocket client, int port, byte[] request) throws Exception {
        return exchange(client, port, request, 500);
    }

    private static NtpPacket exchange(DatagramSocket client, int port, byte[] request, int timeoutMillis)
            throws Exception {
        client.setSoTimeout(timeoutMillis);
        client.send(new DatagramPacket(request, request.length, InetAddress.getByName("127.0.0.1"), port));
        byte[] buffer = new byte[100];
        DatagramPacket reply = new DatagramPacket(buffer, buffer.length);
        try {
            client.receive(reply);
        } catch (SocketTimeoutException e) {
            return null;
        }
        return ((DecodeResult.Decoded) NtpPacketCodec.decode(buffer, 0, reply.getLength())).packet();
    }

    @Test
    void symmetricActiveAndNtpV1RequestsAreAnsweredOverTheWire() throws Exception {
        MonotonicTimescale local = new MonotonicTimescale();
        int port = deploy(local, new JsonObject().put("ntpHost", "127.0.0.1").put("ntpPort", 0));
        publishModel(local);
        try (DatagramSocket client = new DatagramSocket()) {
            byte[] active = NtpPacketCodec.encode(NtpPacket.clientRequest(77, 6, -20));
            active[0] = (byte) 0b00_011_001; // Windows w32time: NTPv3, mode 1
            NtpPacket passive = reply(client, port, active);
            assertThat(passive.mode()).isEqualTo(NtpMode.SYMMETRIC_PASSIVE);
            assertThat(passive.originTimestamp()).isEqualTo(77);
            assertThat(passive.stratum()).isEqualTo(2);
            assertThat(passive.referenceId()).isEqualTo(0x7F000501); // the system peer 127.0.5.1
            byte[] v1 = NtpPacketCodec.encode(NtpPacket.clientRequest(78, 6, -20));
            v1[0] = (byte) 0b00_001_000; // NTPv1 has no mode field
            NtpPacket server = reply(client, port, v1);
            assertThat(server.mode()).isEqualTo(NtpMode.SERVER);
            assertThat(server.version()).isEqualTo(1);
            assertThat(server.originTimestamp()).isEqualTo(78);
        }
    }

    @Test
    void aBurstIsAnsweredRequestByRequest() throws Exception {
        assertBurstAnswered();
    }

    /**
     * An IPv4 address is served from an IPv4 socket, as chronyd's bindaddress: the kernel lists the port with the
     * IPv4 UDP sockets, not as a v4-mapped IPv6 one (whose requests would take the IPv6 stack).
     */
    @Test
    void anIpv4AddressIsServedFromAnIpv4Socket() throws Exception {
        int port = deploy(new MonotonicTimescale(), new JsonObject().put("ntpHost", "127.0.0.1").put("ntpPort", 0));
        String bound = String.format("0100007F:%04X ", port);
        assertThat(Files.readAllLines(Path.of("/proc/net/udp"))).anyMatch(line -> line.contains(bound));
        assertThat(Files.readAllLines(Path.of("/proc/net/udp6")))
                .noneMatch(line -> line.contains("0000000000000000FFFF0000" + bound));
    }

    /**
     * Requests sent faster than answered, so that they queue in the socket, junk between them: each request gets its
     * own 48-byte reply (its origin echoed, T2 no later than T3), the junk none.
     */
    private void assertBurstAnswered() throws Exception {
        MonotonicTimescale local = new MonotonicTimescale();
        int port = deploy(local, new JsonObject().put("ntpHost", "127.0.0.1").put("ntpPort", 0));
        publishModel(local);
        int requests = 300;
        try (DatagramSocket client = new DatagramSocket()) {
            client.setReceiveBufferSize(1 << 20);
            InetAddress server = InetAddress.getByName("127.0.0.1");
            byte[] junk = {(byte) 0b00_100_110, 1, 2}; // a short mode 6 header
            for (int i = 0; i < requests; i++) {
                byte[] request = NtpPacketCodec.encode(NtpPacket.clientRequest(5_000 + i, 6, -20));
                client.send(new DatagramPacket(request, request.length, server, port));
                client.send(new DatagramPacket(junk, junk.length, server, port));
            }
            client.setSoTimeout(2_000);
            Set<Long> origins = new HashSet<>();
            byte[] buffer = new byte[100];
            for (int i = 0; i < requests; i++) {
                DatagramPacket reply = new DatagramPacket(buffer, buffer.length);
                client.receive(reply);
                assertThat(reply.getLength()).isEqualTo(48);
                NtpPacket packet = ((DecodeResult.Decoded) NtpPacketCodec.decode(buffer, 0, 48)).packet();
                assertThat(packet.mode()).isEqualTo(NtpMode.SERVER);
                assertThat(packet.stratum()).isEqualTo(2);
                assertThat(Long.compareUnsigned(packet.receiveTimestamp(), packet.transmitTimestamp())).isNotPositive();
                origins.add(packet.originTimestamp());
            }
            assertThat(origins).hasSize(requests).allMatch(origin -> origin >= 5_000 && origin < 5_000 + requests);
            assertThat(exchange(client, port, junk)).isNull(); // and nothing more came for the junk
        }
    }

    /**
     * A request of 2,048 bytes (the header and one 2,000-byte extension field) is answered; one extension field more
     * makes it longer than any request the server reads, and it is dropped whole rather than answered from its first
     * 2,048 bytes; an empty datagram gets nothing either. Both are counted as malformed.
     */
    @Test
    void emptyAndOversizedDatagramsAreDroppedAndCounted() throws Exception {
        MonotonicTimescale local = new MonotonicTimescale();
        CountingCounters counters = new CountingCounters();
        int port = deploy(local, new JsonObject().put("ntpHost", "127.0.0.1").put("ntpPort", 0), counters);
        publishModel(local);
        try (DatagramSocket client = new DatagramSocket()) {
            byte[] longest = withExtensionFields(NtpPacketCodec.encode(NtpPacket.clientRequest(5, 6, -20)), 2_000);
            byte[] oversized = withExtensionFields(NtpPacketCodec.encode(NtpPacket.clientRequest(6, 6, -20)), 2_000, 16);
            assertThat(reply(client, port, longest).originTimestamp()).isEqualTo(5);
            assertThat(exchange(client, port, new byte[0])).isNull();
            assertThat(exchange(client, port, oversized)).isNull();
            assertThat(reply(client, port, NtpPacketCodec.encode(NtpPacket.clientRequest(7, 6, -20)))
                    .originTimestamp()).isEqualTo(7);
        }
        assertThat(counters.all()).isEqualTo(Map.of("ntp:dropped/malformed", 2L, "ntp:answered/served", 2L));
    }

    /** {@code header} followed by extension fields of type 0x0909 and these lengths (RFC 7822), zeros inside. */
    private static byte[] withExtensionFields(byte[] header, int... lengths) {
        byte[] datagram = java.util.Arrays.copyOf(header, header.length + java.util.Arrays.stream(lengths).sum());
        int at = header.length;
        for (int length : lengths) {
            datagram[at] = 0x09;
            datagram[at + 1] = 0x09;
            datagram[at + 2] = (byte) (length >>> 8);
            datagram[at + 3] = (byte) length;
            at += length;
        }
        return datagram;
    }

    /**
     * Whatever goes wrong while answering one request, an exception or an error short of the VM's, the serving thread
     * goes on to the next.
     */
    @Test
    void aFailureWhileAnsweringOneRequestLeavesTheServerServing() throws Exception {
        MonotonicTimescale local = new MonotonicTimescale();
        AtomicInteger calls = new AtomicInteger();
        CountingCounters failing = new CountingCounters() {
            @Override
            public void ntpRequest(NodeCounters.NtpOutcome outcome) {
                switch (calls.incrementAndGet()) {
                    case 1 -> throw new IllegalStateException("first");
                    case 2 -> throw new ExceptionInInitializerError("second");
                    default -> super.ntpRequest(outcome);
                }
            }
        };
        int port = deploy(local, new JsonObject().put("ntpHost", "127.0.0.1").put("ntpPort", 0), failing);
        publishModel(local);
        try (DatagramSocket client = new DatagramSocket()) {
            for (int i = 0; i < 2; i++) {
                assertThat(exchange(client, port, NtpPacketCodec.encode(NtpPacket.clientRequest(10 + i, 6, -20))))
                        .as("request %d, failed while answering", i).isNull();
            }
            assertThat(reply(client, port, NtpPacketCodec.encode(NtpPacket.clientRequest(12, 6, -20)))
                    .originTimestamp()).isEqualTo(12);
        }
    }

    /**
     * Requests the server cannot keep up with, which the kernel drops from its full receive queue, are counted as
     * dropped/overloaded: here its thread is held for 2 s while 20,000 requests arrive.
     */
    @Test
    void requestsTheKernelDropsAreCountedAsOverloaded() throws Exception {
        MonotonicTimescale local = new MonotonicTimescale();
        CountDownLatch sent = new CountDownLatch(1);
        CountingCounters slow = new CountingCounters() {
            @Override
            public void ntpRequest(NodeCounters.NtpOutcome outcome) {
                try {
                    sent.await(); // the serving thread is held here until the flood is in
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                super.ntpRequest(outcome);
            }
        };
        int port = deploy(local, new JsonObject().put("ntpHost", "127.0.0.1").put("ntpPort", 0), slow);
        publishModel(local);
        try (DatagramSocket client = new DatagramSocket()) {
            byte[] request = NtpPacketCodec.encode(NtpPacket.clientRequest(1, 6, -20));
            for (int i = 0; i < 20_000; i++) { // more than any receive queue holds: each takes ≥ 700 bytes of it
                client.send(new DatagramPacket(request, request.length, InetAddress.getByName("127.0.0.1"), port));
            }
        } finally {
            sent.countDown();
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> slow.all().getOrDefault("ntp:dropped/overloaded", 0L) > 0);
        await().atMost(Duration.ofSeconds(20)).until(() -> slow.all().getOrDefault("ntp:dropped/overloaded", 0L)
                + slow.all().getOrDefault("ntp:answered/served", 0L) == 20_000);
        Thread.sleep(6_000); // a later reading adds only what was dropped since: nothing
        assertThat(slow.all().get("ntp:dropped/overloaded") + slow.all().get("ntp:answered/served")).isEqualTo(20_000);
    }

    /**
     * A second instance joins the first one's port (SO_REUSEPORT, as a node of four cores or more deploys them): both
     * answer (the kernel spreads clients over them by their address and port), and every request is answered once.
     */
    @Test
    void aJoiningInstanceSharesThePortAndBothAnswer() throws Exception {
        MonotonicTimescale local = new MonotonicTimescale();
        CountingCounters counters = new CountingCounters();
        CountingCounters joiningCounters = new CountingCounters();
        NtpServerVerticle first = new NtpServerVerticle(local, new MonotonicReader(), -20, null, counters);
        vertx.deployVerticle(first, new DeploymentOptions().setConfig(new JsonObject().put("ntpHost", "127.0.0.1")
                .put("ntpPort", 0))).await();
        assertThat(first.sharesPort()).isTrue();
        NtpServerVerticle joining = new NtpServerVerticle(local, new MonotonicReader(), -20, null, joiningCounters);
        vertx.deployVerticle(joining, new DeploymentOptions().setConfig(new JsonObject().put("ntpHost", "127.0.0.1")
                .put("ntpPort", first.port()).put("ntpJoinsPort", true))).await();
        assertThat(joining.port()).isEqualTo(first.port());
        publishModel(local);
        int clients = 40;
        for (int i = 0; i < clients; i++) {
            try (DatagramSocket client = new DatagramSocket()) { // a new source port each: the kernel's hash spreads them
                assertThat(reply(client, first.port(), NtpPacketCodec.encode(NtpPacket.clientRequest(300 + i, 6, -20)))
                        .originTimestamp()).isEqualTo(300 + i);
            }
        }
        long byFirst = counters.all().getOrDefault("ntp:answered/served", 0L);
        long byJoining = joiningCounters.all().getOrDefault("ntp:answered/served", 0L);
        assertThat(byFirst + byJoining).isEqualTo(clients);
        assertThat(byFirst).as("the first instance's share of %d clients", clients).isPositive();
        assertThat(byJoining).as("the joining instance's share").isPositive(); // all on one: 1 in 2^39
        String port = String.format(":%04X ", first.port());
        assertThat(Files.readAllLines(Path.of("/proc/net/udp")).stream().filter(line -> line.contains("0100007F" + port)))
                .hasSize(2);
    }

    /**
     * A VM error while answering ends the serving thread (for the node's handler, which exits) and the thread closes
     * its socket on the way out, so that no request waits on a socket nobody reads.
     */
    @Test
    void aVmErrorEndsTheThreadAndClosesItsSocket() throws Exception {
        MonotonicTimescale local = new MonotonicTimescale();
        CountingCounters failing = new CountingCounters() {
            @Override
            public void ntpRequest(NodeCounters.NtpOutcome outcome) {
                throw new InternalError("a VM error, as the JVM raises it");
            }
        };
        NtpServerVerticle server = new NtpServerVerticle(local, new MonotonicReader(), -20, null, failing);
        vertx.deployVerticle(server, new DeploymentOptions().setConfig(new JsonObject().put("ntpHost", "127.0.0.1")
                .put("ntpPort", 0))).await();
        Thread serving = server.servingThread();
        serving.setUncaughtExceptionHandler((thread, error) -> { }); // the node's handler would exit here
        String bound = String.format("0100007F:%04X ", server.port());
        assertThat(Files.readAllLines(Path.of("/proc/net/udp"))).anyMatch(line -> line.contains(bound));
        try (DatagramSocket client = new DatagramSocket()) {
            assertThat(exchange(client, server.port(), NtpPacketCodec.encode(NtpPacket.clientRequest(1, 6, -20))))
                    .isNull();
        }
        serving.join(5_000);
        assertThat(serving.isAlive()).isFalse();
        assertThat(Files.readAllLines(Path.of("/proc/net/udp"))).noneMatch(line -> line.contains(bound));
    }

    /** Answered, rate-limited (with and without a kiss) and dropped, each request once, by reason. */
    @Test
    void everyRequestIsCountedByWhatBecameOfIt() throws Exception {
        MonotonicTimescale local = new MonotonicTimescale();
        JsonObject limit = new JsonObject().put("interval", 6).put("burst", 2).put("leak", 0);
        CountingCounters kissing = new CountingCounters();
        int kissingPort = deploy(local, new JsonObject().put("ntpHost", "127.0.0.1").put("ntpPort", 0)
                .put("ntpRateLimit", limit.copy().put("kod", true)), kissing);
        CountingCounters silent = new CountingCounters();
        int silentPort = deploy(local, new JsonObject().put("ntpHost", "127.0.0.1").put("ntpPort", 0)
                .put("ntpRateLimit", limit.copy().put("kod", false)), silent);
        publishModel(local);
        try (DatagramSocket client = new DatagramSocket()) {
            byte[] control = NtpPacketCodec.encode(NtpPacket.clientRequest(1, 6, -20));
            control[0] = (byte) 0b00_100_110; // NTPv4, mode 6 (ntpq)
            for (int port : new int[] {kissingPort, silentPort}) {
                assertThat(exchange(client, port, new byte[] {0x23, 0, 0, 0})).isNull(); // short
                assertThat(exchange(client, port, control)).isNull();
                for (int i = 0; i < 3; i++) { // a burst of two, then one over the limit
                    exchange(client, port, NtpPacketCodec.encode(NtpPacket.clientRequest(200 + i, 6, -20)));
                }
            }
        }
        assertThat(kissing.all()).isEqualTo(Map.of("ntp:dropped/malformed", 1L, "ntp:dropped/unanswered_mode", 1L,
                "ntp:answered/served", 2L, "ntp:rate_limited/kiss_of_death", 1L));
        assertThat(silent.all()).isEqualTo(Map.of("ntp:dropped/malformed", 1L, "ntp:dropped/unanswered_mode", 1L,
                "ntp:answered/served", 2L, "ntp:rate_limited/dropped", 1L));
    }

    @Test
    void junkSpendsNoRateLimitCredit() throws Exception {
        MonotonicTimescale local = new MonotonicTimescale();
        int port = deploy(local, new JsonObject().put("ntpHost", "127.0.0.1").put("ntpPort", 0)
                .put("ntpRateLimit", new JsonObject().put("interval", 6).put("burst", 2).put("leak", 0).put("kod", true)));
        publishModel(local);
        try (DatagramSocket client = new DatagramSocket()) {
            byte[] control = NtpPacketCodec.encode(NtpPacket.clientRequest(1, 6, -20));
            control[0] = (byte) 0b00_010_110; // an ntpq mode 6 header
            for (int i = 0; i < 8; i++) {
                assertThat(exchange(client, port, new byte[] {0x23, 0, 0, 0})).isNull(); // short
                assertThat(exchange(client, port, control)).isNull();
            }
            // Sixteen junk datagrams later the burst of two is still there for real requests.
            for (int i = 0; i < 2; i++) {
                NtpPacket reply = reply(client, port, NtpPacketCodec.encode(NtpPacket.clientRequest(100 + i, 6, -20)));
                assertThat(reply.isKissOfDeath()).as("request %d", i).isFalse();
                assertThat(reply.originTimestamp()).isEqualTo(100 + i);
            }
            assertThat(reply(client, port, NtpPacketCodec.encode(NtpPacket.clientRequest(102, 6, -20)))
                    .isKissOfDeath()).isTrue();
        }
    }
}
