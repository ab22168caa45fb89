package io.timemesh.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.timemesh.core.ntp.LeapIndicator;
import io.timemesh.testkit.ServerBehaviour;
import io.timemesh.testkit.SimulatedNtpServer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.Year;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 §2, over real sockets: three simulated servers whose clocks sit a minute before 31 December
 * midnight (next year's, so that the node steps forward). A leap second is announced (on /time and in the NTP header) only when a majority of them
 * announce it; the system peer alone cannot, and on any other day nobody can.
 */
class LeapSecondMeshTest {
    private final MeshFixture mesh = new MeshFixture();

    @AfterEach
    void stop() {
        mesh.close();
    }

    /** A server {@code offset} s ahead, announcing {@code leap}, on a path of {@code delayMillis} each way. */
    private static ServerBehaviour server(double offset, LeapIndicator leap, int delayMillis) {
        return ServerBehaviour.truthful().withOffset(offset).withLeap(leap)
                .withDelays(Duration.ofMillis(delayMillis), Duration.ofMillis(delayMillis));
    }

    /**
     * A minute before midnight on that day of next year: always ahead of this machine's clock, whatever the
     * day the test runs (a node stepping back would hold time, honestly UNSYNCHRONIZED).
     */
    private static Instant nextYear(int month, int day) {
        return LocalDate.of(Year.now(ZoneOffset.UTC).getValue() + 1, month, day).atTime(23, 59)
                .toInstant(ZoneOffset.UTC);
    }

    private String servedLeap(Instant at, LeapIndicator... leaps) throws Exception {
        double offset = (at.toEpochMilli() - System.currentTimeMillis()) / 1e3; // one clock for all three
        for (int i = 0; i < leaps.length; i++) {
            mesh.server("127.0.16." + (i + 1), server(offset, leaps[i], 1 + 2 * i)); // the first is the system peer
        }
        mesh.startNode("leap", new JsonObject().put("ntpPort", 0));
        assertThat(mesh.awaitStatus("SYNCHRONIZED", Duration.ofSeconds(30)).status()).isEqualTo("SYNCHRONIZED");
        // The vote is over the sources combined: wait until all three are, not just the first two to answer.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!mesh.servers.stream().allMatch(this::selected) && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(100);
        }
        assertThat(mesh.servers).as(mesh.sources().encodePrettily()).allMatch(this::selected);
        TimeUnit.MILLISECONDS.sleep(1_500); // a selection with all three reaches the clock
        MeshFixture.Answer answer = mesh.time();
        CliRun query = CliRun.of("query", "--json", "--samples", "1", "127.0.0.1:" + mesh.node.ntpPort());
        assertThat(query.exitCode()).as(query.out()).isZero();
        String ntpLeap = new JsonObject(query.out().strip().replaceAll("^\\[|]$", "")).getString("leap");
        assertThat(ntpLeap).as("the NTP header says what /time says").isEqualTo(answer.json().getString("leap"));
        return answer.json().getString("leap");
    }

    private boolean selected(SimulatedNtpServer server) {
        try {
            return mesh.stateOf(server).equals("selected");
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void theSystemPeerAloneCannotAnnounceALeap() throws Exception {
        Instant beforeMidnight = nextYear(12, 31);
        assertThat(servedLeap(beforeMidnight, LeapIndicator.LAST_MINUTE_61, LeapIndicator.NO_WARNING,
                LeapIndicator.NO_WARNING)).isEqualTo("none");
    }

    @Test
    void aMajorityAnnouncesItOnTheLastDayOfDecember() throws Exception {
        Instant beforeMidnight = nextYear(12, 31);
        assertThat(servedLeap(beforeMidnight, LeapIndicator.NO_WARNING, LeapIndicator.LAST_MINUTE_61,
                LeapIndicator.LAST_MINUTE_61)).isEqualTo("insert");
    }

    @Test
    void onAnyOtherDayEvenAllOfThemCannot() throws Exception {
        Instant midDecember = nextYear(12, 15);
        assertThat(servedLeap(midDecember, LeapIndicator.LAST_MINUTE_61, LeapIndicator.LAST_MINUTE_61,
                LeapIndicator.LAST_MINUTE_61)).isEqualTo("none");
    }
}
