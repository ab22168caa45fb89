package io.timemesh.core.stats;

import java.util.Arrays;

/**
 * A weighted least-squares straight line y = intercept + slope·x, the one fit every estimator here uses:
 * a source's offset and frequency ({@code SourceStats}, after chrony's regress.c
 * {@code RGR_WeightedRegression}), the clock's frequency (the discipline's frequency estimator) and a
 * smearing source's rate (the selector's smear detector). Units are the caller's: with x in seconds and
 * y in seconds, the slope is dimensionless (a frequency) and the intercept is in seconds.
 *
 * @param intercept      the line's value at x = 0
 * @param interceptError the standard error of {@code intercept}, same unit; 0 from fewer than 3 points
 * @param slope          dy/dx; 0 from fewer than 2 points or when every x is the same
 * @param slopeError     the standard error of {@code slope} (chrony's skew); 0 when it cannot be had
 * @param residualSd     the weighted residuals' standard deviation, σ = √(Σ w·r² / (n − 2)); 0 from n ≤ 2
 * @param n              how many points the line went through
 */
public record LineFit(double intercept, double interceptError, double slope, double slopeError, double residualSd,
        int n) {
    /** No points: every figure 0. */
    public static final LineFit NONE = new LineFit(0, 0, 0, 0, 0, 0);

    /**
     * The unweighted fit (every weight 1).
     *
     * @throws IllegalArgumentException if the arrays differ in length
     */
    public static LineFit of(double[] x, double[] y) {
        double[] w = new double[x.length];
        Arrays.fill(w, 1);
        return of(x, y, w);
    }

    /**
     * The fit minimising Σ w·(y − intercept − slope·x)².
     *
     * @param x abscissae; any origin (the intercept is at x = 0, so pick the origin where it is wanted)
     * @param y ordinates
     * @param w weights, each &gt; 0 (1/variance up to a common factor, as in chrony)
     * @return the line, or {@link #NONE} for no points
     * @throws IllegalArgumentException if the arrays differ in length
     */
    public static LineFit of(double[] x, double[] y, double[] w) {
        int n = x.length;
        if (y.length != n || w.length != n) {
            throw new IllegalArgumentException("x, y and w differ in length: " + n + ", " + y.length + ", " + w.length);
        }
        if (n == 0) {
            return NONE;
        }
        double sw = 0;
        double swx = 0;
        double swy = 0;
        for (int i = 0; i < n; i++) {
            sw += w[i];
            swx += w[i] * x[i];
            swy += w[i] * y[i];
        }
        double xMean = swx / sw;
        double yMean = swy / sw;
        double sxx = 0;
        double sxy = 0;
        for (int i = 0; i < n; i++) {
            double dx = x[i] - xMean;
            sxx += w[i] * dx * dx;
            sxy += w[i] * dx * (y[i] - yMean);
        }
        double slope = n >= 2 && sxx > 0 ? sxy / sxx : 0;
        double residuals = 0;
        for (int i = 0; i < n; i++) {
            double r = y[i] - (yMean + slope * (x[i] - xMean));
            residuals += w[i] * r * r;
        }
        double variance = n > 2 ? residuals / (n - 2) : 0;
        double intercept = yMean - slope * xMean;
        double interceptError = Math.sqrt(variance * (1 / sw + (sxx > 0 ? xMean * xMean / sxx : 0)));
        double slopeError = sxx > 0 ? Math.sqrt(variance / sxx) : 0;
        return new LineFit(intercept, interceptError, slope, slopeError, Math.sqrt(variance), n);
    }

    /** The line's value at {@code x}. */
    public double at(double x) {
        return intercept + slope * x;
    }
}
