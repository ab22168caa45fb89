package io.timemesh.sampler;

import static org.assertj.core.api.Assertions.assertThat;

import io.timemesh.core.ntp.NtpConstants;
import io.timemesh.core.time.MonotonicTimescale;
import io.timemesh.testkit.ServerBehaviour;
import io.timemesh.testkit.SimulatedNtpServer;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The socket's self-probe over real loopback: what it measures, what it hands each reply, what it ignores. */
class NtpClientSocketProbeTest {

    private static final MonotonicTimescale CLOCK = new MonotonicTimescale();
    private static final Duration TIMEOUT = Duration.ofSeconds(1);
    private static Vertx vertx;

    @BeforeAll
    static void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stopVertx() {
        vertx.close().await();
    }

    /** Opens a socket on 127.0.0.1 on one context, runs {@code body} there and closes the socket after it. */
    private static <T> T onSocket(Function<NtpClientSocket, Future<T>> body) throws Exception {
        Context context = vertx.getOrCreateContext();
        Promise<T> done = Promise.promise();
        context.runOnContext(v -> NtpClientSocket.open(vertx, CLOCK, "127.0.0.1", HostResolver.SYSTEM)
                .compose(socket -> body.apply(socket).eventually(socket::close))
                .onComplete(done));
        return done.future().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    /**
     * One exchange's receive correction as the poller was given it, the socket's right after, and its least probe
     * latency then, ns.
     */
    private record Seen(long givenNanos, long correctionNanos, long leastProbeNanos) {}

    private static Future<List<Seen>> exchanges(NtpClientSocket socket, SourcePoller poller, InetSocketAddress target,
                                                int remaining, List<Seen> seen) {
        return socket.exchange(poller, target, TIMEOUT).compose(step -> {
            assertThat(step).isInstanceOf(ExchangeStep.Sampled.class);
            long given = Math.round(((ExchangeStep.Sampled) step).estimate().receiveLatencySeconds() * 1e9);
            seen.add(new Seen(given, socket.receiveLatencyNanos(), socket.leastProbeLatencyNanos()));
            return remaining <= 1 ? Future.succeededFuture(seen)
                    : vertx.timer(100).compose(t -> exchanges(socket, poller, target, remaining - 1, seen));
        });
    }

    @Test
    void theSelfProbeIsMeasuredAboutOnceASecondAndItsCorrectionHandedWithEachReply() throws Exception {
        try (SimulatedNtpServer server = SimulatedNtpServer.start("127.0.0.71", CLOCK, ServerBehaviour.truthful())) {
            SourcePoller poller = new SourcePoller(server.hostPort(),
                    new PollSchedule(NtpConstants.MIN_POLL_SECONDS, false), MonotonicTimescale.measurePrecisionLog2());
            InetSocketAddress target = new InetSocketAddress(InetAddress.getByName(server.host()), server.port());
            // 30 exchanges 0.1 s apart: about three seconds, so three probes or more.
            List<Seen> seen = onSocket(socket -> exchanges(socket, poller, target, 30, new ArrayList<>()));
            Seen last = seen.get(seen.size() - 1);
            // Probes on loopback come back within the exchange's timeout, so P is known by the last reply; the
            // correction (P less twice the least send syscall) is at least 0 and below P;
            assertThat(last.leastProbeNanos()).isPositive().isLessThan(TIMEOUT.toNanos());
            assertThat(last.correctionNanos()).isBetween(0L, last.leastProbeNanos());
            // and each reply was handed the correction the socket held when it came in.
            assertThat(seen).allSatisfy(s -> assertThat(s.givenNanos()).isEqualTo(s.correctionNanos()));
        }
    }

    @Test
    void aForgedProbeFromAnotherPortSetsNoLatency() throws Exception {
        long least = onSocket(socket -> {
            // The probe's size and layout from another port, its T1 10 s ahead: taken, it would make the least
            // latency negative (0), and stay the least for the whole window.
            try (DatagramSocket other = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                for (int i = 0; i < 5; i++) {
                    byte[] forged = ByteBuffer.allocate(2 * Long.BYTES).putLong(i)
                            .putLong(CLOCK.nowNanos() + 10_000_000_000L).array();
                    other.send(new DatagramPacket(forged, forged.length, InetAddress.getByName("127.0.0.1"),
                            socket.localPort()));
                }
            } catch (java.io.IOException e) {
                return Future.failedFuture(e);
            }
            // The first real probe leaves as the socket opens; 1.5 s sees two.
            return vertx.timer(1500).map(t -> socket.leastProbeLatencyNanos());
        });
        assertThat(least).isPositive().isLessThan(TIMEOUT.toNanos());
    }
}
