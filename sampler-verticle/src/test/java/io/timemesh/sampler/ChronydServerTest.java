package io.timemesh.sampler;

import static org.assertj.core.api.Assertions.assertThat;

import io.timemesh.core.exchange.NtpSample;
import io.timemesh.core.time.MonotonicTimescale;
import io.timemesh.testkit.ChronydClient;
import io.timemesh.testkit.ChronydServer;
import io.timemesh.testkit.ServerBehaviour;
import io.timemesh.testkit.SimulatedNtpServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Against a real chronyd (Debian's chrony, started by the test on loopback; missing chronyd fails the
 * test): our measurement of it, and chrony's own client measurement of the same servers.
 */
@Tag("chrony")
class ChronydServerTest {

    private static QueryFixture fixture;

    @BeforeAll
    static void startVertx() {
        fixture = new QueryFixture();
    }

    @AfterAll
    static void stopVertx() {
        fixture.close();
    }

    /**
     * chronyd serves this machine's wall clock, which the VM's host may step at any moment, while our
     * timescale deliberately ignores steps after its anchor. To compare with chronyd the timescale is
     * anchored to the wall clock afresh, just before each measurement.
     */
    private static NtpQuery.Result query(String hostPort, int samples, Duration spacing) {
        return fixture.query(new MonotonicTimescale(), hostPort, samples, Duration.ofSeconds(1), spacing);
    }

    @Test
    void chronydOnLoopbackIsMeasuredWithAnIntervalHoldingItsClock() throws Exception {
        try (ChronydServer chronyd = ChronydServer.start("127.0.0.51")) {
            query(chronyd.hostPort(), 40, Duration.ofMillis(5)); // warm the path, as a running sampler is
            NtpQuery.Result result = query(chronyd.hostPort(), 8, Duration.ofMillis(100));
            assertThat(result.failure()).isNull();
            assertThat(result.accepted()).isEqualTo(8);
            // On loopback the least-delay pick is typically 0.3–0.6 ms (printed below). A run on a busy 2-core
            // machine can take more, so the test holds it to a loopback's sanity bound, not to a timing figure:
            // the honest bound is what is asserted, exchange by exchange, below.
            assertThat(Math.abs(result.estimate().best().offsetSeconds())).isLessThan(0.005);
            assertThat(result.estimate().best().delaySeconds()).isLessThan(0.005);
            double[] delays = result.samples().stream().mapToDouble(NtpSample::delaySeconds).sorted().toArray();
            assertThat(delays[delays.length / 2]).isLessThan(0.005);
            // chronyd serves this machine's clock, which our timescale was anchored to: every exchange's
            // interval must hold an offset of (almost exactly) zero, however slow that exchange was.
            for (NtpSample sample : result.samples()) {
                assertThat(Math.abs(sample.offsetSeconds()))
                        .isLessThanOrEqualTo(sample.rootDistanceSeconds(sample.t4Nanos(), 0) + 0.0001);
            }
            assertThat(result.estimate().best().stratum()).isEqualTo(1);
            assertThat(result.estimate().best().referenceId()).isEqualTo("127.127.1.1");
            System.out.printf("chronyd %s: timemesh offset %+.6f s delay %.6f s rootdist %.6f s%n", chronyd.hostPort(),
                    result.estimate().best().offsetSeconds(), result.estimate().best().delaySeconds(),
                    result.estimate().rootDistanceSeconds());
        }
    }

    @Test
    void ourOffsetAgreesWithChronysClientOnTheSameServers() throws Exception {
        MonotonicTimescale truth = new MonotonicTimescale();
        try (ChronydServer chronyd = ChronydServer.start("127.0.0.52");
             SimulatedNtpServer skewed = SimulatedNtpServer.start("127.0.0.53", truth,
                     ServerBehaviour.truthful().withOffset(0.25).withDelays(Duration.ofMillis(10), Duration.ofMillis(2)))) {
            for (String server : List.of(chronyd.hostPort(), skewed.hostPort())) {
                String host = server.substring(0, server.indexOf(':'));
                int port = Integer.parseInt(server.substring(server.indexOf(':') + 1));
                query(server, 20, Duration.ofMillis(5));
                double difference = Double.MAX_VALUE;
                // Typically 6–100 µs apart (printed); 2 ms leaves room for a busy machine's slow exchanges, and a
                // second try for one stalled by another process (2.16 ms once at load 7 on 2 cores).
                for (int attempt = 0; attempt < 2 && difference >= 0.002; attempt++) {
                    double ours = query(server, 8, Duration.ofMillis(100)).estimate().best().offsetSeconds();
                    double chrony = ChronydClient.measureOffset(host, port).offsetSeconds();
                    difference = Math.abs(ours - chrony);
                    System.out.printf("%s: timemesh %+.6f s, chronyd -Q %+.6f s, difference %.6f s%n", server, ours,
                            chrony, difference);
                }
                assertThat(difference).isLessThan(0.002);
            }
        }
    }
}
