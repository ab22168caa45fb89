package io.timemesh.discipline;

import io.timemesh.core.stats.LineFit;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Estimates how fast true time runs against the local timescale by least-squares regression of the
 * reference offsets (true − local) on local time over a sliding window, as chrony does: the slope is
 * the frequency error, and its standard error the skew. Offsets are against the raw local timescale,
 * so the clock's own steps and slews do not disturb the estimate.
 */
final class FrequencyEstimator {
    private record Point(long localNanos, double offsetSeconds) {}

    private final int window;
    private final double minBaselineSeconds;
    private final double maxFrequency;
    private final Deque<Point> points = new ArrayDeque<>();
    private double frequency;
    private double skew;

    FrequencyEstimator(int window, double minBaselineSeconds, double maxFrequency) {
        this.window = window;
        this.minBaselineSeconds = minBaselineSeconds;
        this.maxFrequency = maxFrequency;
    }

    void add(long localNanos, double offsetSeconds) {
        if (!points.isEmpty() && localNanos <= points.peekLast().localNanos()) {
            return; // same instant again: no new information about the slope
        }
        points.addLast(new Point(localNanos, offsetSeconds));
        while (points.size() > window) {
            points.removeFirst();
        }
        fit();
    }

    /** Moves every stored offset by {@code seconds} (a leap folded into the clock's correction): the slope is unchanged. */
    void shift(double seconds) {
        for (int i = points.size(); i > 0; i--) {
            Point p = points.removeFirst();
            points.addLast(new Point(p.localNanos(), p.offsetSeconds() + seconds));
        }
    }

    private void fit() {
        int n = points.size();
        long origin = points.peekFirst().localNanos();
        double baseline = (points.peekLast().localNanos() - origin) / 1e9;
        if (n < 3 || baseline < minBaselineSeconds) {
            return; // too little to say; keep the previous estimate
        }
        double[] x = new double[n];
        double[] y = new double[n];
        int i = 0;
        for (Point p : points) {
            x[i] = (p.localNanos() - origin) / 1e9;
            y[i++] = p.offsetSeconds();
        }
        LineFit line = LineFit.of(x, y);
        frequency = Math.max(-maxFrequency, Math.min(maxFrequency, line.slope()));
        skew = line.slopeError();
    }

    double frequency() {
        return frequency;
    }

    double skew() {
        return skew;
    }
}
