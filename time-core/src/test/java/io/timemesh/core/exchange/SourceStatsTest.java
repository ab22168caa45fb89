package io.timemesh.core.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.timemesh.core.ntp.LeapIndicator;
import io.timemesh.core.ntp.NtpConstants;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class SourceStatsTest {

    private static final double MAX_DRIFT = 15e-6;
    private static final double PRECISION = Math.scalb(1.0, -20);

    /**
     * A fake world on true time t (seconds): our clock reads L(t) = l0 + (1 + ρ)t, the server's
     * S(t) = t + s0 + σt, claiming rootDispersion |s0| + PHI·t (honest while |σ| ≤ PHI), plus a step
     * added to the server's readings from {@code stepAt} on.
     */
    record World(double l0, double rho, double s0, double sigma, double stepAt, double step) {
        double local(double t) {
            return l0 + (1 + rho) * t;
        }

        double server(double t) {
            return t + s0 + sigma * t + (t >= stepAt ? step : 0);
        }

        /** True time minus our clock at t: what the bound must hold. */
        double truthOffset(double t) {
            return t - local(t);
        }

        /** One exchange sent at true time t, out in d1 s, back in d2 s, 50 µs in the server. */
        NtpSample exchange(double t, double d1, double d2) {
            return exchange(t, d1, d2, 0, Math.abs(s0) + NtpConstants.PHI * (t + d1));
        }

        /**
         * One exchange as {@link #exchange(double, double, double)}, the server's clock off by a further
         * {@code extraError} s while it answers, claiming a root dispersion of {@code claimed} s.
         */
        NtpSample exchange(double t, double d1, double d2, double extraError, double claimed) {
            long t1 = nanos(local(t));
            long t2 = nanos(server(t + d1) + extraError);
            long t3 = nanos(server(t + d1 + 50e-6) + extraError);
            long t4 = nanos(local(t + d1 + 50e-6 + d2));
            return new NtpSample(t1, t4, ExchangeMath.offsetSeconds(t1, t2, t3, t4),
                    ExchangeMath.delaySeconds(t1, t2, t3, t4),
                    ExchangeMath.dispersionSeconds(PRECISION, PRECISION, t1, t4), 0, claimed, 1, "GPS",
                    LeapIndicator.NO_WARNING, -20);
        }

        static World steady(double rho, double sigma) {
            return new World(0.25, rho, 0, sigma, Double.POSITIVE_INFINITY, 0);
        }
    }

    private static long nanos(double seconds) {
        return Math.round(seconds * 1e9);
    }

    /** Polls 1–64 s apart, each way 0–20 ms (so any asymmetry and jitter up to that), clocks within the drift bounds. */
    @Provide
    Arbitrary<World> worlds() {
        Arbitrary<Double> ppm = Arbitraries.doubles().between(-1, 1).ofScale(6);
        return Combinators.combine(Arbitraries.doubles().between(-1, 1), ppm.map(r -> r * MAX_DRIFT),
                Arbitraries.doubles().between(-0.001, 0.001).ofScale(9), ppm.map(r -> r * NtpConstants.PHI))
                .as((l0, rho, s0, sigma) -> new World(l0, rho, s0, sigma, Double.POSITIVE_INFINITY, 0));
    }

    @Property(tries = 300)
    void intersectedBoundAlwaysHoldsTheTruth(@ForAll("worlds") World world, @ForAll long seed) {
        Random random = new Random(seed);
        SourceStats stats = new SourceStats(MAX_DRIFT);
        double asymmetry = random.nextDouble() * 0.010; // a fixed extra delay one way
        boolean outbound = random.nextBoolean();
        double t = 10;
        for (int i = 0; i < 150; i++) {
            double d1 = random.nextDouble() * 0.010 + (outbound ? asymmetry : 0);
            double d2 = random.nextDouble() * 0.010 + (outbound ? 0 : asymmetry);
            NtpSample sample = world.exchange(t, d1, d2);
            SourceEstimate estimate = stats.add(sample);
            double arrival = t + d1 + 50e-6 + d2;
            assertThat(estimate.bound().contains(world.truthOffset(arrival)))
                    .as("exchange %d: truth %.9f outside %s", i, world.truthOffset(arrival), estimate.bound())
                    .isTrue();
            assertThat(estimate.bound().contains(estimate.offsetSeconds())).isTrue();
            assertThat(estimate.event().restarted()).as("an honest source within the drift bounds never conflicts")
                    .isFalse();
            t += 1 + random.nextInt(64);
        }
    }

    /**
     * Carrying true time needs only each answer's own claim: a server whose error jumps anywhere within its
     * root dispersion from one answer to the next (no frequency bound at all), claims that change, and 0–10 ms
     * each way, with our clock within the drift bound.
     */
    @Property(tries = 200)
    void boundHoldsTheTruthWhateverTheServersFrequencyWhileItsClaimsHold(@ForAll("worlds") World world,
                                                                        @ForAll long seed) {
        Random random = new Random(seed);
        SourceStats stats = new SourceStats(MAX_DRIFT);
        World exact = new World(world.l0(), world.rho(), 0, 0, Double.POSITIVE_INFINITY, 0);
        double t = 10;
        for (int i = 0; i < 120; i++) {
            double claimed = random.nextDouble() * 0.002;
            double error = (2 * random.nextDouble() - 1) * claimed;
            double d1 = random.nextDouble() * 0.010;
            double d2 = random.nextDouble() * 0.010;
            SourceEstimate estimate = stats.add(exact.exchange(t, d1, d2, error, claimed));
            double arrival = t + d1 + 50e-6 + d2;
            assertThat(estimate.bound().contains(exact.truthOffset(arrival)))
                    .as("exchange %d: truth %.9f outside %s", i, exact.truthOffset(arrival), estimate.bound())
                    .isTrue();
            assertThat(estimate.event().restarted()).as("a server within its claims never conflicts").isFalse();
            t += 1 + random.nextInt(16);
        }
    }

    @Test
    void aShortDelayExchangeKeepsTighteningTheBoundAfterSlowerOnesArrive() {
        World world = World.steady(0, 0);
        SourceStats stats = new SourceStats(MAX_DRIFT);
        SourceEstimate fast = stats.add(world.exchange(0, 0.0002, 0.0002));
        SourceEstimate later = null;
        for (int i = 1; i <= 5; i++) {
            later = stats.add(world.exchange(i, 0.008, 0.002));
        }
        // The slow exchanges alone would give ±5 ms; the fast one, 5 s older, still bounds it to about ±0.2 ms,
        // grown by our own drift bound alone: true time is carried, not the server's clock.
        double age = (later.atNanos() - fast.atNanos()) / 1e9;
        assertThat(later.bound().width() / 2).isCloseTo(fast.bound().width() / 2 + MAX_DRIFT * age, within(1e-9));
        assertThat(later.bound().width() / 2).isLessThan(0.0005);
        assertThat(later.samples()).isEqualTo(6);
    }

    @Test
    void theWindowKeepsTheNewestMaxSamplesExchangesAndDropsTheOldest() {
        World world = World.steady(0, 0);
        SourceStats stats = new SourceStats(MAX_DRIFT);
        int full = SourceStats.MAX_SAMPLES;
        // Around the ring three times: a fast exchange each time the window is full, then slow ones. Each fast one
        // must bound the source for exactly MAX_SAMPLES exchanges (its own included), then leave the window.
        for (int i = 0; i < 4 * full; i++) {
            boolean fast = i % full == 0 && i > 0;
            // An exact server claiming no root dispersion: an exchange's half-width is its own δ/2 + ε.
            SourceEstimate estimate = stats.add(fast ? world.exchange(i, 0.0002, 0.0002, 0, 0)
                    : world.exchange(i, 0.008, 0.002, 0, 0));
            assertThat(estimate.samples()).isEqualTo(Math.min(i + 1, full));
            assertThat(estimate.bound().contains(world.truthOffset(i + 0.01))).isTrue();
            double halfWidth = estimate.bound().width() / 2;
            if (i >= full) {
                // Held: its ±0.2 ms grown by at most 63 s × maxDrift (about 1.2 ms), where the slow exchanges alone
                // give ±5 ms.
                assertThat(halfWidth).as("exchange %d", i).isLessThan(0.002);
            } else {
                assertThat(halfWidth).as("exchange %d", i).isGreaterThan(0.005);
            }
        }
        SourceEstimate afterIt = stats.add(world.exchange(4 * full, 0.008, 0.002, 0, 0));
        assertThat(afterIt.bound().width() / 2).isGreaterThan(0.005);
    }

    @Test
    void aSteppingSourceIsDetectedAndItsWindowRestarts() {
        World world = new World(0.1, 5e-6, 0, 0, 20, 1.0);
        SourceStats stats = new SourceStats(MAX_DRIFT);
        SourceEstimate estimate = null;
        for (int i = 0; i < 20; i++) {
            estimate = stats.add(world.exchange(i, 0.001, 0.001));
            assertThat(estimate.event()).isEqualTo(SourceEstimate.Event.NONE);
        }
        assertThat(estimate.samples()).isEqualTo(20);
        estimate = stats.add(world.exchange(20, 0.001, 0.001));
        assertThat(estimate.event()).isEqualTo(SourceEstimate.Event.STEPPED);
        assertThat(estimate.reason()).startsWith("stepped").contains("+0.99");
        assertThat(estimate.samples()).isEqualTo(1);
        // The bound follows the source's new time and is never empty.
        assertThat(estimate.bound().contains(world.server(20.001) - world.local(20.001))).isTrue();
        assertThat(stats.add(world.exchange(21, 0.001, 0.001)).event()).isEqualTo(SourceEstimate.Event.NONE);
    }

    @Test
    void aSourceThatChangesFrequencyBeyondTheBoundIsCalledDrifting() {
        // Steady for 30 s (the estimated frequency settles at 0), then the server runs 1,500 ppm fast while still
        // claiming to be within 1 ms: each 1 s poll moves it 1.5 ms, less than one exchange's 2 ms width plus its
        // claim, but the window's older intervals allow our clock only 15 ppm.
        SourceStats stats = new SourceStats(MAX_DRIFT);
        World steady = World.steady(0, 0);
        for (int i = 0; i < 30; i++) {
            stats.add(steady.exchange(i, 0.001, 0.001));
        }
        SourceEstimate estimate = null;
        for (int i = 30; i < 60 && (estimate == null || estimate.event() == SourceEstimate.Event.NONE); i++) {
            World fast = new World(0.25, 0, -1500e-6 * 30, 1500e-6, Double.POSITIVE_INFINITY, 0);
            estimate = stats.add(fast.exchange(i, 0.001, 0.001, 0, 0.001));
        }
        assertThat(estimate.event()).isEqualTo(SourceEstimate.Event.DRIFTED);
        assertThat(estimate.reason()).startsWith("drifted faster than 15 ppm");
    }

    @Test
    void regressionConvergesOnADriftingSource() {
        // Our clock runs 12 ppm slow of the server; paths jitter 0–2 ms each way.
        World world = World.steady(-12e-6, 0);
        Random random = new Random(7);
        SourceStats stats = new SourceStats(MAX_DRIFT);
        SourceEstimate estimate = null;
        double arrival = 0;
        for (int i = 0; i < 64; i++) {
            double d1 = random.nextDouble() * 0.002;
            double d2 = random.nextDouble() * 0.002;
            estimate = stats.add(world.exchange(i * 2, d1, d2));
            arrival = i * 2 + d1 + 50e-6 + d2;
        }
        // True time minus local time grows at 1/(1+ρ) − 1 ≈ +12 ppm against local time.
        assertThat(estimate.frequency()).isCloseTo(12e-6, within(2e-6));
        assertThat(estimate.skew()).isLessThan(3e-6);
        assertThat(estimate.offsetSeconds()).isCloseTo(world.truthOffset(arrival), within(0.0003));
        assertThat(estimate.regressionSamples()).isGreaterThan(32);
    }

    @Test
    void noiseShrinksAsSamplesAccumulate() {
        // Symmetric on average, each way 0–2 ms: offsets scatter by up to ±1 ms.
        World world = World.steady(0, 0);
        double errorAt8 = 0;
        double errorAt64 = 0;
        double stdErrorAt8 = 0;
        double stdErrorAt64 = 0;
        int runs = 40;
        for (int run = 0; run < runs; run++) {
            Random random = new Random(run);
            SourceStats stats = new SourceStats(MAX_DRIFT);
            for (int i = 0; i < 64; i++) {
                double d1 = random.nextDouble() * 0.002;
                double d2 = random.nextDouble() * 0.002;
                SourceEstimate estimate = stats.add(world.exchange(i, d1, d2));
                double error = Math.abs(estimate.offsetSeconds() - world.truthOffset(i + d1 + 50e-6 + d2));
                if (i == 7) {
                    errorAt8 += error / runs;
                    stdErrorAt8 += estimate.offsetErrorSeconds() / runs;
                } else if (i == 63) {
                    errorAt64 += error / runs;
                    stdErrorAt64 += estimate.offsetErrorSeconds() / runs;
                }
            }
        }
        assertThat(errorAt64).isLessThan(errorAt8 * 0.7);
        assertThat(stdErrorAt64).isLessThan(stdErrorAt8 * 0.7);
    }

    @Test
    void aQueuedSampleIsLeftOutOfTheEstimateWithAReasonButTightensNothingAway() {
        World world = World.steady(0, 0);
        Random random = new Random(3);
        SourceStats stats = new SourceStats(MAX_DRIFT);
        SourceEstimate before = null;
        for (int i = 0; i < 10; i++) {
            before = stats.add(world.exchange(i, 0.0005 + random.nextDouble() * 1e-5, 0.0005));
        }
        // 60 ms queued on the way back: the offset moves by −30 ms, which the delay explains.
        SourceEstimate queued = stats.add(world.exchange(10, 0.0005, 0.0605));
        assertThat(queued.event()).isEqualTo(SourceEstimate.Event.QUEUED);
        assertThat(queued.reason()).startsWith("queued: delay 61000 µs is ").contains("µs above the least");
        assertThat(queued.regressionSamples()).isEqualTo(before.regressionSamples());
        assertThat(queued.samples()).isEqualTo(before.samples() + 1);
        assertThat(queued.offsetSeconds()).isCloseTo(world.truthOffset(10.06), within(0.0001));
        assertThat(queued.bound().width()).isLessThan(0.002);
    }

    @Test
    void thePointEstimateShedsOneSidedTimestampingLatencyThatTheRegressionWouldAverage() {
        // 1 ms each way, plus latency between our readings and the wire: 0–0.6 ms on the way out (T1 read before
        // the send), 0–0.1 ms on the way back. A regression's mean would carry half the mean difference, 0.125 ms;
        // the intersection's edges come from the quickest exchanges each way, so its centre barely moves.
        World world = World.steady(0, 0);
        Random random = new Random(11);
        SourceStats stats = new SourceStats(MAX_DRIFT);
        SourceEstimate estimate = null;
        double arrival = 0;
        for (int i = 0; i < 64; i++) {
            double d1 = 0.001 + random.nextDouble() * 0.0006;
            double d2 = 0.001 + random.nextDouble() * 0.0001;
            estimate = stats.add(world.exchange(i, d1, d2));
            arrival = i + d1 + 50e-6 + d2;
        }
        double truth = world.truthOffset(arrival);
        assertThat(Math.abs(estimate.offsetSeconds() - truth)).isLessThan(0.00003);
        assertThat(Math.abs(estimate.bound().midpoint() - truth)).isLessThan(0.00003);
    }

    @Test
    void thePointEstimateWandersLessThanTheBoundsCentreUnderJitter() {
        // 2 ms each way plus uniform 0–0.5 ms jitter each way, polled each second (AccuracyBench's scenario 2 paths):
        // the bound ages every exchange at maxDrift, so its centre follows whichever quick exchange has aged least;
        // the point ages them at the fitted frequency's error, far below maxDrift here. The server's root dispersion
        // stays put, as a stratum-1 server's does.
        World world = World.steady(0, 0);
        Random random = new Random(5);
        double rootDispersion = 1e-5;
        SourceStats stats = new SourceStats(MAX_DRIFT);
        double pointError = 0;
        double centreError = 0;
        int counted = 0;
        for (int i = 0; i < 600; i++) {
            double d1 = 0.002 + random.nextDouble() * 0.0005;
            double d2 = 0.002 + random.nextDouble() * 0.0005;
            SourceEstimate estimate = stats.add(world.exchange(i, d1, d2, 0, rootDispersion));
            double truth = world.truthOffset(i + d1 + 50e-6 + d2);
            assertThat(estimate.bound().contains(estimate.offsetSeconds())).isTrue();
            if (i >= 64) {
                pointError += Math.abs(estimate.offsetSeconds() - truth);
                centreError += Math.abs(estimate.bound().midpoint() - truth);
                counted++;
            }
        }
        assertThat(pointError / counted).isLessThan(0.6 * centreError / counted);
    }

    /** Mean signed point-estimate error, s, over 536 exchanges with 2–2.5 ms each way, our clock {@code rho} off. */
    private static double meanSignedPointError(double rho) {
        World world = World.steady(rho, 0);
        Random random = new Random(5);
        SourceStats stats = new SourceStats(15e-6);
        double sum = 0;
        int counted = 0;
        for (int i = 0; i < 600; i++) {
            double d1 = 0.002 + random.nextDouble() * 0.0005;
            double d2 = 0.002 + random.nextDouble() * 0.0005;
            SourceEstimate estimate = stats.add(world.exchange(i, d1, d2, 0, 1e-5));
            if (i >= 64) {
                sum += estimate.offsetSeconds() - world.truthOffset(i + d1 + 50e-6 + d2);
                counted++;
            }
        }
        return sum / counted;
    }

    /**
     * A source far from our frequency (our clock 50 ppm off, far beyond the fit's standard error) gets no systematic
     * point-estimate bias: the point is carried at the fitted frequency, not the bound's shrunk one, which lagged
     * the truth by σ_f × age (−7.5 µs here).
     */
    @Test
    void aSourceFarFromOurFrequencyGetsNoSystematicPointBias() {
        double exact = meanSignedPointError(0);
        double fiftyPpm = meanSignedPointError(-50e-6);
        assertThat(Math.abs(fiftyPpm)).as("mean signed error at 50 ppm, s (clock exact: %s)", exact)
                .isLessThan(Math.abs(exact) + 2e-6);
    }
}
