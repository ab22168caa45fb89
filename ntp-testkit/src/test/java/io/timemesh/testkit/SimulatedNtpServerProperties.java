package io.timemesh.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.timemesh.core.exchange.ExchangeMath;
import java.util.function.LongUnaryOperator;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;

/**
 * The simulated server's stamps: what its own threads do between receiving a request and sending the reply
 * must not move a client's offset θ, only the processing time T3 − T2, as on a real server.
 */
class SimulatedNtpServerProperties {

    /**
     * A client that stamps T1 {@code sendLatency} ns before the request reaches the server's socket and T4
     * {@code receiveLatency} ns after the reply leaves it, over a path of {@code outbound}/{@code back} ns, sees
     * θ − o = (sendLatency + outbound − back − receiveLatency)/2 whatever the server's hand-over {@code hop}:
     * the rule that an honest symmetric path with symmetric timestamping gives θ = o exactly.
     */
    @Property
    void theServersHandOverNeverMovesTheOffset(
            @ForAll @LongRange(min = -5_000_000_000L, max = 5_000_000_000L) long offsetNanos,
            @ForAll @LongRange(min = 0, max = 20_000_000L) long outbound,
            @ForAll @LongRange(min = 0, max = 20_000_000L) long back,
            @ForAll @LongRange(min = 0, max = 5_000_000L) long hop,
            @ForAll @LongRange(min = 0, max = 1_000_000L) long processing,
            @ForAll @LongRange(min = 0, max = 1_000_000L) long sendLatency,
            @ForAll @LongRange(min = 0, max = 1_000_000L) long receiveLatency) {
        long arrived = 1_700_000_000_000_000_000L;
        LongUnaryOperator serverClock = t -> t + offsetNanos;
        SimulatedNtpServer.Stamps stamps = SimulatedNtpServer.stamps(arrived, outbound, arrived + outbound + hop,
                processing, serverClock);
        long t1 = arrived - sendLatency;
        long t4 = stamps.sentNanos() + back + receiveLatency;

        double theta = ExchangeMath.offsetSeconds(t1, stamps.t2(), stamps.t3(), t4);
        double expected = offsetNanos / 1e9 + (sendLatency + outbound - back - receiveLatency) / 2e9;

        assertThat(theta).isCloseTo(expected, within(1e-9));
        assertThat(stamps.t3() - stamps.t2()).isGreaterThanOrEqualTo(Math.max(processing, hop));
        assertThat(stamps.t3()).isEqualTo(stamps.sentNanos() + offsetNanos); // the reply leaves at T3
        assertThat(offsetNanos).isBetween(stamps.t3() - t4, stamps.t2() - t1); // causal: the truth inside
    }
}
