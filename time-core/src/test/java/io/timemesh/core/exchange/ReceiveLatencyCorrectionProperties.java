package io.timemesh.core.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.timemesh.core.exchange.SourceStatsTest.World;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;

/**
 * The receive-latency correction of the point estimate ({@link SourceStats#add(NtpSample, double)}), on a fake
 * clock: our T4 is read a constant r after each reply arrives, over symmetric paths with jitter. Uncorrected, the
 * estimate sits r/2 low; given r, it does not; given any latency, however wrong, the exact bound is the uncorrected
 * one to the bit and the estimate stays inside it.
 */
class ReceiveLatencyCorrectionProperties {

    private static final double MAX_DRIFT = 15e-6;
    private static final int EXCHANGES = 200;
    /** Exchanges before the estimate is judged: the window full. */
    private static final int WARM_UP = SourceStats.MAX_SAMPLES;

    /** Mean signed error (estimate − truth) of each side, s, over the exchanges after the warm-up. */
    private record Errors(double uncorrected, double corrected) {}

    /**
     * Runs two windows side by side over the same exchanges, one told nothing, one told {@code givenLatency};
     * checks at each exchange that their bounds and events are the same and each estimate lies inside its bound.
     */
    private static Errors run(World world, double path, double jitter, double receiveLatency, double givenLatency,
                              long seed) {
        Random random = new Random(seed);
        SourceStats plain = new SourceStats(MAX_DRIFT);
        SourceStats corrected = new SourceStats(MAX_DRIFT);
        double plainSum = 0;
        double correctedSum = 0;
        for (int i = 0; i < EXCHANGES; i++) {
            double d1 = path + random.nextDouble() * jitter;
            double d2 = path + random.nextDouble() * jitter;
            // T4 read receiveLatency after the arrival: to the exchange's timestamps, a longer way back.
            NtpSample sample = world.exchange(i, d1, d2 + receiveLatency);
            SourceEstimate a = plain.add(sample, 0);
            SourceEstimate b = corrected.add(sample, givenLatency);
            assertThat(b.bound()).isEqualTo(a.bound());
            assertThat(b.event()).isEqualTo(a.event());
            assertThat(a.bound().contains(a.offsetSeconds())).isTrue();
            assertThat(b.bound().contains(b.offsetSeconds()))
                    .as("exchange %d: estimate %.9f outside %s", i, b.offsetSeconds(), b.bound()).isTrue();
            double truth = world.truthOffset(i + d1 + 50e-6 + d2 + receiveLatency);
            assertThat(b.bound().contains(truth)).isTrue();
            if (i >= WARM_UP) {
                plainSum += a.offsetSeconds() - truth;
                correctedSum += b.offsetSeconds() - truth;
            }
        }
        return new Errors(plainSum / (EXCHANGES - WARM_UP), correctedSum / (EXCHANGES - WARM_UP));
    }

    /**
     * A constant receive latency r biases the uncorrected estimate by −r/2 and, once given, the corrected one not at
     * all. The estimate's ends come from the quickest exchange each way, so what is left either way is the
     * difference of the two least path delays over the window, a small part of the jitter (and our clock's
     * drift, carried at the fitted frequency): allowed 10 % of the jitter plus 1 µs.
     */
    @Property(tries = 100)
    void aConstantReceiveLatencyBiasesTheUncorrectedEstimateByHalfOfItAndTheCorrectedNot(
            @ForAll @IntRange(max = 500) int receiveLatencyMicros,
            @ForAll @IntRange(max = 5000) int pathMicros,
            @ForAll @IntRange(max = 200) int jitterMicros,
            @ForAll @DoubleRange(min = -1, max = 1) double drift,
            @ForAll long seed) {
        World world = World.steady(drift * MAX_DRIFT, 0);
        double receiveLatency = receiveLatencyMicros * 1e-6;
        double jitter = jitterMicros * 1e-6;
        Errors errors = run(world, pathMicros * 1e-6, jitter, receiveLatency, receiveLatency, seed);
        double tolerance = 0.1 * jitter + 1e-6;
        assertThat(errors.uncorrected()).isCloseTo(-receiveLatency / 2, within(tolerance));
        assertThat(errors.corrected()).isCloseTo(0, within(tolerance));
    }

    /**
     * Whatever latency the sampler hands in (0 to 1 s, far beyond the round trip, or negative), the bound is the
     * uncorrected one and the estimate stays inside it: promise 1 rests on no measurement of latency.
     */
    @Property(tries = 100)
    void anyGivenLatencyLeavesTheBoundAsItIsAndTheEstimateInsideIt(
            @ForAll @IntRange(max = 500) int receiveLatencyMicros,
            @ForAll @IntRange(max = 10_000) int pathMicros,
            @ForAll @IntRange(max = 10_000) int jitterMicros,
            @ForAll @DoubleRange(min = -1, max = 1) double givenLatency,
            @ForAll @DoubleRange(min = -1, max = 1) double drift,
            @ForAll long seed) {
        run(World.steady(drift * MAX_DRIFT, 0), pathMicros * 1e-6, jitterMicros * 1e-6, receiveLatencyMicros * 1e-6,
                givenLatency, seed);
    }
}
