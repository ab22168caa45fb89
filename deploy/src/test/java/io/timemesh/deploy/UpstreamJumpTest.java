package io.timemesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.timemesh.core.ntp.DecodeResult;
import io.timemesh.core.ntp.LeapIndicator;
import io.timemesh.core.ntp.NtpPacket;
import io.timemesh.core.ntp.NtpPacketCodec;
import io.timemesh.testkit.SimulatedNtpServer;
import io.vertx.core.json.JsonObject;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 §1 over real sockets: three servers that answer truly, then all jump back (40 years, or 3 s)
 * and stay there. With the panic threshold the jump is refused and reported; without it the node holds
 * time and says, everywhere, that it is not synchronised while the hold exceeds the limit.
 */
@Tag("slow")
class UpstreamJumpTest {

    private static final double FORTY_YEARS_SECONDS = 40 * 365.25 * 86_400;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final MeshFixture mesh = new MeshFixture();

    @AfterEach
    void stop() {
        mesh.close();
    }

    private void threeSynchronisedServers(String net, JsonObject discipline) throws Exception {
        mesh.server(net + "1", MeshFixture.truthful(2, 3));
        mesh.server(net + "2", MeshFixture.truthful(3, 2));
        mesh.server(net + "3", MeshFixture.truthful(2, 2));
        mesh.startNode("jump", new JsonObject().put("ntpHost", "127.0.0.1").put("ntpPort", 0)
                .put("discipline", discipline));
        assertThat(mesh.awaitStatus("SYNCHRONIZED", Duration.ofSeconds(20)).status()).isEqualTo("SYNCHRONIZED");
    }

    private void allJumpBy(double seconds) {
        for (SimulatedNtpServer server : mesh.servers) {
            server.behaviour(server.behaviour().withOffset(server.behaviour().offsetSeconds() + seconds));
        }
    }

    private JsonObject awaitStatusJson(Predicate<JsonObject> condition, Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        JsonObject status = mesh.status();
        while (!condition.test(status) && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(100);
            status = mesh.status();
        }
        return status;
    }

    private HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + mesh.node.httpPort() + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Asks the node's NTP server {@code count} times back to back, as a client would. */
    private List<NtpPacket> askNtp(int count) throws Exception {
        List<NtpPacket> replies = new ArrayList<>();
        try (DatagramSocket client = new DatagramSocket()) {
            client.setSoTimeout(2_000);
            for (int i = 0; i < count; i++) {
                byte[] request = NtpPacketCodec.encode(NtpPacket.clientRequest(0x1234_5678_0000_0000L + i, 6, -20));
                client.send(new DatagramPacket(request, request.length, InetAddress.getLoopbackAddress(),
                        mesh.node.ntpPort()));
                byte[] buffer = new byte[128];
                DatagramPacket reply = new DatagramPacket(buffer, buffer.length);
                client.receive(reply);
                replies.add(((DecodeResult.Decoded) NtpPacketCodec.decode(buffer, 0, reply.getLength())).packet());
            }
        }
        return replies;
    }

    private static void assertTransmitTimestampsIncrease(List<NtpPacket> replies) {
        for (int i = 1; i < replies.size(); i++) {
            assertThat(Long.compareUnsigned(replies.get(i).transmitTimestamp(), replies.get(i - 1).transmitTimestamp()))
                    .as("reply %d's transmit timestamp is later than reply %d's", i, i - 1).isPositive();
        }
    }

    @Test
    void fortyYearsBackIsRefusedByThePanicThresholdAndReported() throws Exception {
        threeSynchronisedServers("127.0.15.", new JsonObject());
        allJumpBy(-FORTY_YEARS_SECONDS);
        JsonObject status = awaitStatusJson(s -> s.getValue("panicRefusals") != null, Duration.ofSeconds(30));
        JsonObject refusals = status.getJsonObject("panicRefusals");
        assertThat(refusals).as("%s", status).isNotNull();
        assertThat(refusals.getLong("count")).isPositive();
        assertThat(refusals.getDouble("lastOffsetSeconds")).isBetween(-FORTY_YEARS_SECONDS - 1, -FORTY_YEARS_SECONDS + 1);
        assertThat(refusals.getDouble("thresholdSeconds")).isEqualTo(1000.0);
        assertThat(refusals.getString("lastAt")).startsWith("20"); // our time, not the sources' 1986
        // Held: the true time (local + 0.3 s, which the servers told before the jump) stays inside every answer.
        PromiseWatch watch = new PromiseWatch(mesh);
        watch.noMajorityFromNow(); // a refused reference is no reference
        watch.watch(3);
        assertThat(watch.violations).as("%d answers", watch.answers).isEmpty();
        assertThat(watch.statuses).containsExactly("HOLDOVER");
        assertThat(get("/metrics").body().lines().filter(l -> l.startsWith("timemesh_clock_panic_refusals_total")))
                .singleElement().satisfies(l -> assertThat(Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                        .isPositive());
        assertThat(askNtp(3)).allSatisfy(reply -> assertThat(reply.leap()).isNotEqualTo(LeapIndicator.ALARM));
    }

    @Test
    void fortyYearsBackWithThePanicThresholdOffIsHeldAndUnsynchronisedEverywhere() throws Exception {
        threeSynchronisedServers("127.0.16.", new JsonObject().put("panicThresholdSeconds", 0));
        MeshFixture.Answer before = mesh.time();
        allJumpBy(-FORTY_YEARS_SECONDS);
        MeshFixture.Answer held = mesh.awaitStatus("UNSYNCHRONIZED", Duration.ofSeconds(30));
        assertThat(held.status()).isEqualTo("UNSYNCHRONIZED");
        assertThat(held.json().getInteger("stratum")).isEqualTo(16);
        assertThat(held.json().getString("leap")).isEqualTo("unsync");
        assertThat(held.json().getLong("errorBoundNs") / 1e9).isGreaterThan(FORTY_YEARS_SECONDS - 1);
        assertThat(held.now()).isGreaterThan(before.now());
        long previous = held.now();
        for (int i = 0; i < 20; i++) {
            MeshFixture.Answer answer = mesh.time();
            assertThat(answer.now()).isGreaterThan(previous);
            assertThat(answer.status()).isEqualTo("UNSYNCHRONIZED");
            previous = answer.now();
        }
        assertThat(get("/health/ready").statusCode()).isEqualTo(503);
        List<NtpPacket> replies = askNtp(5);
        assertThat(replies).allSatisfy(reply -> {
            assertThat(reply.leap()).isEqualTo(LeapIndicator.ALARM);
            assertThat(reply.stratum()).isEqualTo(16);
        });
        assertTransmitTimestampsIncrease(replies);
        assertThat(mesh.status().getDouble("heldSeconds")).isGreaterThan(FORTY_YEARS_SECONDS - 60);
    }

    @Test
    void aBackwardStepOfSecondsIsUnsynchronisedOnlyWhileTheHoldExceedsTheLimit() throws Exception {
        threeSynchronisedServers("127.0.17.", new JsonObject());
        allJumpBy(-3.0); // below the panic threshold: taken, and held while the clock catches up
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(25);
        long previous = Long.MIN_VALUE;
        boolean sawHeldAlarm = false;
        boolean recovered = false;
        while (System.nanoTime() < deadline && !recovered) {
            MeshFixture.Answer answer = mesh.time();
            assertThat(answer.now()).isGreaterThan(previous);
            previous = answer.now();
            boolean overLimit = answer.bounded() && answer.json().getLong("errorBoundNs") > 1_000_000_000L;
            if (overLimit) {
                assertThat(answer.status()).as("%s", answer.json()).isEqualTo("UNSYNCHRONIZED");
                assertThat(answer.json().getInteger("stratum")).isEqualTo(16);
                if (!sawHeldAlarm) {
                    sawHeldAlarm = true;
                    List<NtpPacket> replies = askNtp(3);
                    assertThat(replies).allSatisfy(reply -> assertThat(reply.stratum()).isEqualTo(16));
                    assertTransmitTimestampsIncrease(replies);
                }
            }
            recovered = sawHeldAlarm && answer.status().equals("SYNCHRONIZED");
            TimeUnit.MILLISECONDS.sleep(50);
        }
        assertThat(sawHeldAlarm).as("the 3 s hold was served as UNSYNCHRONIZED").isTrue();
        assertThat(recovered).as("SYNCHRONIZED again once the clock caught up").isTrue();
    }
}
