package io.timemesh.sampler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.timemesh.core.exchange.ExchangeError;
import io.timemesh.core.exchange.NtpSample;
import io.timemesh.core.ntp.ServerAddress;
import io.timemesh.core.time.MonotonicTimescale;
import io.timemesh.testkit.ServerBehaviour;
import io.timemesh.testkit.ServerBehaviour.Fault;
import io.timemesh.testkit.SimulatedNtpServer;
import io.vertx.core.Vertx;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Real UDP exchanges on loopback with simulated servers whose true offset and path the test knows exactly. */
class SimulatedServersQueryTest {

    /** Truth for the servers and the local timescale for the client: the same clock, so the true offset is exact. */
    private static final MonotonicTimescale TRUTH = new MonotonicTimescale();
    private static QueryFixture fixture;
    private static Vertx vertx;

    @BeforeAll
    static void startVertx() {
        fixture = new QueryFixture();
        vertx = fixture.vertx();
    }

    @AfterAll
    static void stopVertx() {
        fixture.close();
    }

    private static NtpQuery.Result query(SimulatedNtpServer server, int samples, Duration timeout) {
        return query(server, samples, timeout, Duration.ofMillis(100));
    }

    private static NtpQuery.Result query(SimulatedNtpServer server, int samples, Duration timeout, Duration spacing) {
        return fixture.query(TRUTH, server.hostPort(), samples, timeout, spacing);
    }

    private static Duration ms(long millis) {
        return Duration.ofMillis(millis);
    }

    @Test
    void asymmetricPathShiftsTheOffsetByHalfTheDifferenceAndTheIntervalStillHoldsTheTruth() throws Exception {
        try (SimulatedNtpServer server = SimulatedNtpServer.start("127.0.0.11", TRUTH,
                ServerBehaviour.truthful().withOffset(0.25).withDelays(ms(10), ms(2)))) {
            // A sampler runs for days; its first exchanges in a fresh JVM run interpreted code and add up to
            // a millisecond of delay. Warm the path as a running node would have, then measure.
            query(server, 40, Duration.ofSeconds(1), Duration.ofMillis(5));
            NtpQuery.Result result = query(server, 8, Duration.ofSeconds(1));
            assertThat(result.failure()).isNull();
            assertThat(result.accepted()).isEqualTo(8);
            // The filter's pick: θ = 0.25 + (d1 − d2)/2 = 0.254 s and δ = d1 + d2 = 12 ms, within 1 ms, plus what a
            // loaded machine adds to the pick's delay (the server's and our threads waking late), of which θ can
            // take half.
            double delay = result.estimate().best().delaySeconds();
            double late = Math.max(0, delay - 0.013);
            assertThat(delay).isGreaterThanOrEqualTo(0.011);
            // The pick is the least-delay exchange, up to the few µs of dispersion the older ones gathered.
            assertThat(delay).isLessThanOrEqualTo(result.samples().stream().mapToDouble(NtpSample::delaySeconds).min()
                    .orElseThrow() + 100e-6);
            assertThat(result.estimate().best().offsetSeconds()).isCloseTo(0.254, within(0.001 + late / 2));
            assertThat(result.estimate().interval().contains(0.25)).isTrue();
            // Every exchange, even one slowed by a cold JVM, holds the truth inside its own θ ± λ.
            for (NtpSample sample : result.samples()) {
                double lambda = sample.rootDistanceSeconds(sample.t4Nanos(), 0);
                assertThat(Math.abs(sample.offsetSeconds() - 0.25)).isLessThanOrEqualTo(lambda);
            }
            // The asymmetry error (d1 − d2)/2 = 4 ms must sit inside λ.
            assertThat(result.estimate().rootDistanceSeconds()).isGreaterThan(0.004);
            assertThat(result.address()).isEqualTo(server.hostPort());
        }
    }

    /** IPv6 (issue 13 §3): a server on ::1, named as a user would, by its bracketed literal or a bare one. */
    @Test
    void anIpv6ServerIsQueriedLikeAnyOther() throws Exception {
        try (SimulatedNtpServer server = SimulatedNtpServer.start("::1", TRUTH,
                ServerBehaviour.truthful().withOffset(0.125))) {
            assertThat(server.hostPort()).startsWith("[").contains("]:");
            NtpQuery.Result result = query(server, 4, Duration.ofSeconds(2));
            assertThat(result.failure()).isNull();
            assertThat(result.accepted()).isEqualTo(4);
            assertThat(result.estimate().interval().contains(0.125)).isTrue();
            // An IPv4 server through the same (dual-stack) kind of socket still answers.
            try (SimulatedNtpServer v4 = SimulatedNtpServer.start("127.0.0.19", TRUTH, ServerBehaviour.truthful())) {
                assertThat(query(v4, 2, Duration.ofSeconds(2)).accepted()).isEqualTo(2);
            }
        }
    }

    @Test
    void rootDelayAndDispersionOfTheServerWidenTheInterval() throws Exception {
        try (SimulatedNtpServer server = SimulatedNtpServer.start("127.0.0.12", TRUTH,
                ServerBehaviour.truthful().withOffset(-0.1).withRoot(2, 0.020, 0.005))) {
            NtpQuery.Result result = query(server, 2, Duration.ofSeconds(1));
            assertThat(result.estimate().best().stratum()).isEqualTo(2);
            assertThat(result.estimate().best().rootDelaySeconds()).isCloseTo(0.020, within(1e-4));
            // λ ≥ rootDelay/2 + rootDispersion = 15 ms
            assertThat(result.estimate().rootDistanceSeconds()).isGreaterThanOrEqualTo(0.015);
            assertThat(result.estimate().interval().contains(-0.1)).isTrue();
        }
    }

    @Test
    void rateKissIsNamedAndGivesNoSample() throws Exception {
        try (SimulatedNtpServer server = SimulatedNtpServer.start("127.0.0.13", TRUTH,
                ServerBehaviour.truthful().withKiss("RATE"))) {
            NtpQuery.Result result = query(server, 3, ms(2_000));
            assertThat(result.estimate()).isNull();
            assertThat(result.failure().error()).isEqualTo(ExchangeError.KISS);
            assertThat(result.failure().message()).isEqualTo("kiss code: RATE");
            assertThat(server.requestCount()).isEqualTo(1); // a kissed query asks no more
        }
    }

    @Test
    void denyKissIsNamedAndGivesNoSample() throws Exception {
        try (SimulatedNtpServer server = SimulatedNtpServer.start("127.0.0.14", TRUTH,
                ServerBehaviour.truthful().withKiss("DENY"))) {
            NtpQuery.Result result = query(server, 3, ms(2_000));
            assertThat(result.estimate()).isNull();
            assertThat(result.failure().message()).isEqualTo("kiss code: DENY");
            assertThat(server.requestCount()).isEqualTo(1);
        }
    }

    @Test
    void silenceIsATimeout() throws Exception {
        try (SimulatedNtpServer server = SimulatedNtpServer.start("127.0.0.15", TRUTH,
                ServerBehaviour.truthful().withFault(Fault.SILENT))) {
            NtpQuery.Result result = query(server, 2, ms(300));
            assertThat(result.estimate()).isNull();
            assertThat(result.failure().error()).isEqualTo(ExchangeError.TIMEOUT);
            assertThat(server.requestCount()).isEqualTo(2);
        }
    }

    @Test
    void garbageRepliesAreMalformed() throws Exception {
        try (SimulatedNtpServer server = SimulatedNtpServer.start("127.0.0.16", TRUTH,
                ServerBehaviour.truthful().withFault(Fault.GARBAGE))) {
            NtpQuery.Result result = query(server, 3, ms(1_000)); // garbage must arrive before the timeout
            assertThat(result.estimate()).isNull();
            assertThat(result.samples()).isEmpty();
            assertThat(result.failure().error()).isEqualTo(ExchangeError.MALFORMED);
        }
    }

    @Test
    void spoofedOriginIsBogus() throws Exception {
        try (SimulatedNtpServer server = SimulatedNtpServer.start("127.0.0.17", TRUTH,
                ServerBehaviour.truthful().withOffset(5).withFault(Fault.SPOOFED_ORIGIN))) {
            NtpQuery.Result result = query(server, 2, ms(1_000)); // the forgery must arrive before the timeout
            assertThat(result.estimate()).isNull();
            assertThat(result.failure().error()).isEqualTo(ExchangeError.BOGUS_ORIGIN);
        }
    }

    @Test
    void unsynchronisedServerGivesNoSample() throws Exception {
        try (SimulatedNtpServer server = SimulatedNtpServer.start("127.0.0.18", TRUTH,
                ServerBehaviour.truthful().withFault(Fault.UNSYNCHRONIZED))) {
            NtpQuery.Result result = query(server, 1, ms(2_000));
            assertThat(result.estimate()).isNull();
            assertThat(result.failure().error()).isEqualTo(ExchangeError.UNSYNCHRONIZED);
        }
    }

    @Test
    void unknownHostIsNamed() {
        HostResolver noDns = host -> {
            throw new UnknownHostException(host);
        };
        List<NtpQuery.Result> results = NtpQuery.run(vertx, TRUTH, -20, noDns,
                List.of(ServerAddress.parse("no-such-host.invalid:123")), 1, ms(300), ms(10)).await();
        assertThat(results.get(0).failure().message()).isEqualTo("unknown host: no-such-host.invalid");
    }

    @Test
    void severalServersAreQueriedTogetherAndKeepTheirOwnResults() throws Exception {
        try (SimulatedNtpServer good = SimulatedNtpServer.start("127.0.0.19", TRUTH,
                ServerBehaviour.truthful().withOffset(0.5));
             SimulatedNtpServer mute = SimulatedNtpServer.start("127.0.0.20", TRUTH,
                ServerBehaviour.truthful().withFault(Fault.SILENT))) {
            List<NtpQuery.Result> results = NtpQuery.run(vertx, TRUTH, -20,
                    List.of(ServerAddress.parse(good.hostPort()), ServerAddress.parse(mute.hostPort())),
                    2, ms(1_000), ms(50)).await();
            assertThat(results.get(0).estimate().interval().contains(0.5)).isTrue();
            assertThat(results.get(0).estimate().best().offsetSeconds()).isCloseTo(0.5,
                    within(0.005 + results.get(0).estimate().best().delaySeconds() / 2));
            assertThat(results.get(1).failure().error()).isEqualTo(ExchangeError.TIMEOUT);
        }
    }
}
