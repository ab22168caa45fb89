package io.timemesh.core.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class LineFitTest {
    @Test
    void exactPointsGiveTheLineWithNoError() {
        LineFit line = LineFit.of(new double[] {0, 1, 2, 3}, new double[] {1, 3, 5, 7});
        assertThat(line.intercept()).isCloseTo(1, within(1e-12));
        assertThat(line.slope()).isCloseTo(2, within(1e-12));
        assertThat(line.slopeError()).isCloseTo(0, within(1e-12));
        assertThat(line.residualSd()).isCloseTo(0, within(1e-12));
        assertThat(line.at(10)).isCloseTo(21, within(1e-12));
        assertThat(line.n()).isEqualTo(4);
    }

    /** Textbook values: x 1..5, y 2, 4, 5, 4, 5 gives y = 2.2 + 0.6x, s = √(2.4/3), se(b) = s/√10, se(a) = s·√(1/5 + 9/10). */
    @Test
    void standardErrorsAreTheTextbookOnes() {
        LineFit line = LineFit.of(new double[] {1, 2, 3, 4, 5}, new double[] {2, 4, 5, 4, 5});
        double s = Math.sqrt(2.4 / 3);
        assertThat(line.intercept()).isCloseTo(2.2, within(1e-12));
        assertThat(line.slope()).isCloseTo(0.6, within(1e-12));
        assertThat(line.residualSd()).isCloseTo(s, within(1e-12));
        assertThat(line.slopeError()).isCloseTo(s / Math.sqrt(10), within(1e-12));
        assertThat(line.interceptError()).isCloseTo(s * Math.sqrt(1.0 / 5 + 9.0 / 10), within(1e-12));
    }

    @Test
    void aHeavierPointPullsTheLine() {
        double[] x = {0, 1, 2};
        double[] y = {0, 0, 3};
        double even = LineFit.of(x, y).at(2);
        double heavy = LineFit.of(x, y, new double[] {1, 1, 100}).at(2);
        assertThat(Math.abs(heavy - 3)).isLessThan(Math.abs(even - 3));
    }

    @Test
    void tooFewPointsGiveZeroesNotNaN() {
        assertThat(LineFit.of(new double[0], new double[0])).isEqualTo(LineFit.NONE);
        LineFit one = LineFit.of(new double[] {5}, new double[] {7});
        assertThat(one.intercept()).isEqualTo(7);
        assertThat(one.slope()).isZero();
        LineFit sameX = LineFit.of(new double[] {1, 1, 1}, new double[] {1, 2, 3});
        assertThat(sameX.slope()).isZero();
        assertThat(sameX.slopeError()).isZero();
        assertThat(sameX.intercept()).isCloseTo(2, within(1e-12));
    }

    @Test
    void arraysOfDifferentLengthsAreRefused() {
        assertThatThrownBy(() -> LineFit.of(new double[2], new double[3])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("differ in length");
    }

    /** Moving the origin of x moves the intercept along the line and nothing else. */
    @Property
    void theSlopeDoesNotDependOnTheOrigin(@ForAll @IntRange(min = 3, max = 40) int n,
            @ForAll @DoubleRange(min = -100, max = 100) double ppm, @ForAll @DoubleRange(min = -100, max = 100) double shift) {
        double[] x = new double[n];
        double[] shifted = new double[n];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = i * 16.0;
            shifted[i] = x[i] + shift;
            y[i] = 0.01 + ppm * 1e-6 * x[i] + ((i * 7919) % 13 - 6) * 1e-6; // deterministic noise
        }
        LineFit a = LineFit.of(x, y);
        LineFit b = LineFit.of(shifted, y);
        assertThat(b.slope()).isCloseTo(a.slope(), within(1e-12));
        assertThat(b.slopeError()).isCloseTo(a.slopeError(), within(1e-12));
        assertThat(b.at(shift)).isCloseTo(a.intercept(), within(1e-9));
    }
}
