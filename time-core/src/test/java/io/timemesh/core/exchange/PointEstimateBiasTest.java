package io.timemesh.core.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Review (issue-10t): the point estimate is documented as "the window's intervals carried at the fitted frequency
 * ± 2 standard errors", but it is carried at carryFrequency, the fit shrunk by one standard error towards 0 (the
 * bound's carry). For a source whose frequency against our timescale is well away from 0 (our clock 50 ppm off,
 * AccuracyBench's scenario 3), the point then lags the truth by about σ_f × the age of the exchanges that set
 * its edges, always the same way: a bias, not noise. The same jitter with our clock exact shows none.
 */
class PointEstimateBiasTest {
    private static double meanSignedError(double rho) {
        SourceStatsTest.World world = SourceStatsTest.World.steady(rho, 0);
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

    @Test
    void aSourceFarFromOurFrequencyGetsNoSystematicBias() {
        double exact = meanSignedError(0);
        double fiftyPpm = meanSignedError(-50e-6);
        System.out.printf("mean signed error: clock exact %.2f us, clock 50 ppm off %.2f us%n", exact * 1e6,
                fiftyPpm * 1e6);
        assertThat(Math.abs(fiftyPpm)).isLessThan(Math.abs(exact) + 2e-6);
    }
}
