package io.timemesh.core.exchange;

import io.timemesh.core.stats.LineFit;
import io.timemesh.core.time.OffsetInterval;
import java.util.List;

/**
 * Everything one source's exchanges say, kept over a window of up to {@link #MAX_SAMPLES} of them:
 * an exact bound and a statistical estimate.
 *
 * <p><b>Bound.</b> An exchange proves that the server's clock minus ours lay in [T3 − T4, T2 − T1] =
 * [θ − δ/2, θ + δ/2] while it ran, widened by ε (both clocks' precision and PHI × the round trip)
 * and by our own drift over the round trip; no jitter term, since jitter is a statistic. An honest
 * server's clock is within its rootDelay/2 + rootDispersion of true time when it answers (RFC 5905's
 * λ for the upstream part), so the exchange also proves where true time minus ours lay: that
 * interval widened by the exchange's own upstream error. Each past exchange's interval of true time
 * is carried to the present at a rate within [f − (r + |f|), f + (r + |f|)], where r = localDrift
 * bounds how fast our clock can part from true time and f is the frequency estimated before the
 * newest exchange (less one standard error): that range always holds [−r, r], so the carry is exact
 * whatever f is, and with a good f it also holds a local clock that drifts beyond r. Carrying true
 * time rather than the server's clock needs no bound on the server's frequency, so the carry grows
 * at r, not r + PHI. The source's interval is the intersection over the window. A short-delay
 * exchange keeps tightening the bound after slower ones arrive. An exchange whose interval misses
 * the intersection means the source stepped, or lies about its error: the reason says which, and
 * the window restarts with that exchange, so the intersection is never empty.
 *
 * <p><b>Estimate</b> (chrony sourcestats.c, regress.c): a weighted least-squares line through the
 * offsets against local time, each weighted by 1/(1 + {@link #SD_TO_DIST_RATIO} × (d − dmin)/dmin)²
 * with d = δ/2 + ε, so queued samples count little; a runs test on the residuals drops the oldest
 * samples while too few sign changes show the line no longer fits (a frequency change). The
 * frequency and the standard errors come from the fit; the offset is the centre of the window's
 * intervals carried at the fit's frequency ± {@link #POINT_SKEWS} standard errors (see
 * {@link #pointEstimate}), which the quickest exchange each way sets, not the line's mean. A
 * sample whose delay exceeds the least by more than {@link #MAX_DELAY_DEV_RATIO} standard
 * deviations, with an offset that the delay explains, is left out of the estimate (chrony's
 * maxdelaydevratio) but still tightens the bound, which holds whatever the delay.
 */
public final class SourceStats {
    /** chrony's MAX_SAMPLES: the longest window; a power of two, as the window is a ring indexed by a mask. */
    public static final int MAX_SAMPLES = 64;
    /** chrony's SD_TO_DIST_RATIO: how a sample's distance above the least turns into a standard deviation. */
    static final double SD_TO_DIST_RATIO = 0.7;
    /** chrony's maxdelaydevratio default. */
    static final double MAX_DELAY_DEV_RATIO = 10;
    /** Samples in the regression before the delay test applies (chrony's is 6 too). */
    static final int MIN_DELAY_TEST_SAMPLES = 6;
    /** Fewest samples the runs test may cut the regression down to. */
    static final int MIN_REGRESSION_SAMPLES = 3;
    /** Fewest samples for which the runs test says anything. */
    static final int MIN_RUNS_TEST_SAMPLES = 8;
    /**
     * How many standard errors of the frequency are taken off it before carrying intervals at it: any value
     * keeps the carry exact for rates within ±r, but a source whose true rate is beyond r (a local clock
     * worse than maxDrift) stays inside only while the shrunk frequency is at least its excess over r.
     */
    static final double CARRY_SKEWS = 1;
    /**
     * How many standard errors of the fitted frequency either way the point estimate's carry allows (about 95 % of a
     * normal error): the frequency is known that well, and maxDrift, which the bound must allow, is usually far more.
     */
    static final double POINT_SKEWS = 2;
    /** One-sided 5 % normal quantile: fewer runs than expected by this many σ rejects the fit. */
    private static final double RUNS_Z = 1.645;

    /** {@link #MAX_SAMPLES} − 1: the window is a ring of a power-of-two size. */
    private static final int RING_MASK = MAX_SAMPLES - 1;

    /** r: how fast true time minus our clock may change, dimensionless. */
    private final double localDrift;
    private final ClockFilter filter = new ClockFilter();
    /*
     * The window, as a ring of parallel arrays, oldest at `oldest`: each exchange's T4, the midpoint of T1 and
     * T4, θ, δ, half-width and peer distance (fixed once it arrives), and whether the estimate uses it (the
     * delay test may leave it out). Every exchange walks the whole window several times. A window of objects (an
     * entry, its sample) made each walk a chain of cache misses once a thousand sources shared the caches: 5–20 µs
     * an exchange, against 3 µs with these arrays, which keep a source's window in a few contiguous kilobytes.
     */
    private final long[] t4 = new long[MAX_SAMPLES];
    private final long[] midpoint = new long[MAX_SAMPLES];
    private final double[] offset = new double[MAX_SAMPLES];
    private final double[] delay = new double[MAX_SAMPLES];
    private final double[] halfWidth = new double[MAX_SAMPLES];
    private final double[] peerDistance = new double[MAX_SAMPLES];
    private final boolean[] estimated = new boolean[MAX_SAMPLES];
    private int oldest;
    private int size;
    /** Samples received before this are out of the regression (the runs test moved past them). */
    private long regressionFromNanos = Long.MIN_VALUE;
    /** The frequency the window's intervals are carried at: the fit's before the newest exchange. */
    private double carryFrequency;
    private LineFit fit = LineFit.NONE;

    /**
     * @param localDrift bound on the local timescale's frequency error, dimensionless (1.5e-5 = 15 ppm)
     */
    public SourceStats(double localDrift) {
        if (!(localDrift >= 0)) {
            throw new IllegalArgumentException("localDrift must be >= 0, was " + localDrift);
        }
        this.localDrift = localDrift;
    }

    /** Adds an accepted exchange and returns the estimate as of its T4. */
    public SourceEstimate add(NtpSample sample) {
        SourceEstimate.Event event = SourceEstimate.Event.NONE;
        String reason = null;
        if (size > 0 && !intersects(sample)) {
            event = stepped(sample) ? SourceEstimate.Event.STEPPED : SourceEstimate.Event.DRIFTED;
            reason = conflict(sample, event);
            clear();
        }
        boolean kept = true;
        if (event == SourceEstimate.Event.NONE && fit.n() >= MIN_DELAY_TEST_SAMPLES) {
            reason = queued(sample);
            if (reason != null) {
                kept = false;
                event = SourceEstimate.Event.QUEUED;
            }
        }
        append(sample, kept);
        FilteredEstimate filtered = filter.add(sample);
        OffsetInterval bound = bound(sample.t4Nanos());
        double estimate = pointEstimate(bound, sample.t4Nanos());
        fit = regress(sample.t4Nanos());
        carryFrequency = carryFrequency(fit);
        return new SourceEstimate(filtered, sample.t4Nanos(), bound, estimate, fit.interceptError(), fit.slope(),
                fit.slopeError(), carryFrequency, size, fit.n(), event, reason);
    }

    /** Puts the exchange in the window as its newest, dropping the oldest from a full one. */
    private void append(NtpSample sample, boolean kept) {
        int at;
        if (size == MAX_SAMPLES) {
            at = oldest;
            oldest = (oldest + 1) & RING_MASK;
        } else {
            at = (oldest + size++) & RING_MASK;
        }
        t4[at] = sample.t4Nanos();
        midpoint[at] = sample.t1Nanos() + (sample.t4Nanos() - sample.t1Nanos()) / 2;
        offset[at] = sample.offsetSeconds();
        delay[at] = sample.delaySeconds();
        halfWidth[at] = halfWidth(sample);
        peerDistance[at] = peerDistance(sample);
        estimated[at] = kept;
    }

    /** The ring index of the window's {@code i}-th exchange, 0 the oldest. */
    private int slot(int i) {
        return (oldest + i) & RING_MASK;
    }

    /** The ring index of the newest exchange; the window must not be empty. */
    private int newest() {
        return slot(size - 1);
    }

    /** The exchanges kept for a handover (the clock filter's eight), oldest first. */
    public List<NtpSample> handoverSamples() {
        return filter.samples();
    }

    /**
     * The frequency to carry intervals at: the fit's, shrunk towards 0 by {@link #CARRY_SKEWS} standard
     * errors, and 0 from fewer than {@link #MIN_RUNS_TEST_SAMPLES} samples. Any value keeps the carry exact
     * (its range always holds [−r, r]), but a frequency that is only noise would widen it for nothing.
     */
    private static double carryFrequency(LineFit fit) {
        if (fit.n() < MIN_RUNS_TEST_SAMPLES) {
            return 0;
        }
        return Math.copySign(Math.max(0, Math.abs(fit.slope()) - CARRY_SKEWS * fit.slopeError()), fit.slope());
    }

    /** Forgets every exchange. */
    public void clear() {
        oldest = 0;
        size = 0;
        filter.clear();
        regressionFromNanos = Long.MIN_VALUE;
        carryFrequency = 0;
        fit = LineFit.NONE;
    }

    /**
     * Half the width of the exchange's own interval of true time minus ours, about θ: δ/2 + ε + drift × rtt
     * for the exchange, plus the server's rootDelay/2 + rootDispersion for its own error; seconds.
     */
    private double halfWidth(NtpSample s) {
        return peerDistance(s) + s.rootDelaySeconds() / 2 + s.rootDispersionSeconds();
    }

    /**
     * δ/2 + ε + drift × rtt: the exchange's own part of {@link #halfWidth(NtpSample)}, what the estimate weights by;
     * seconds.
     */
    private double peerDistance(NtpSample s) {
        return s.delaySeconds() / 2 + s.dispersionSeconds() + localDrift * (s.t4Nanos() - s.t1Nanos()) / 1e9;
    }

    /** How far either way from {@link #carryFrequency} the bound's carry allows the rate: r + |f|, exact for ±r. */
    private double boundSpread() {
        return localDrift + Math.abs(carryFrequency);
    }

    /**
     * The low end of an interval θ ± {@code halfWidth} measured at T4 {@code t4Nanos}, carried to {@code atNanos} at
     * carryFrequency − {@code spread}.
     */
    private double carriedLow(double theta, long t4Nanos, long atNanos, double spread, double halfWidth) {
        double age = Math.max(0, atNanos - t4Nanos) / 1e9;
        return theta - halfWidth + (carryFrequency - spread) * age;
    }

    /** As {@link #carriedLow}, the high end, carried at carryFrequency + {@code spread}. */
    private double carriedHigh(double theta, long t4Nanos, long atNanos, double spread, double halfWidth) {
        double age = Math.max(0, atNanos - t4Nanos) / 1e9;
        return theta + halfWidth + (carryFrequency + spread) * age;
    }

    private boolean intersects(NtpSample sample) {
        double low = sample.offsetSeconds() - halfWidth(sample);
        double high = sample.offsetSeconds() + halfWidth(sample);
        double spread = boundSpread();
        for (int i = 0; i < size; i++) {
            int k = slot(i);
            low = Math.max(low, carriedLow(offset[k], t4[k], sample.t4Nanos(), spread, halfWidth[k]));
            high = Math.min(high, carriedHigh(offset[k], t4[k], sample.t4Nanos(), spread, halfWidth[k]));
        }
        return low <= high;
    }

    /** Whether the exchange's interval misses the previous exchange's too: a jump, not a drift. */
    private boolean stepped(NtpSample sample) {
        int k = newest();
        return sample.offsetSeconds() - halfWidth(sample)
                > carriedHigh(offset[k], t4[k], sample.t4Nanos(), boundSpread(), halfWidth[k])
                || sample.offsetSeconds() + halfWidth(sample)
                < carriedLow(offset[k], t4[k], sample.t4Nanos(), boundSpread(), halfWidth[k]);
    }

    /** Why the exchange misses the window, in words with the figures. */
    private String conflict(NtpSample sample, SourceEstimate.Event event) {
        if (event == SourceEstimate.Event.STEPPED) {
            int k = newest();
            double newLow = sample.offsetSeconds() - halfWidth(sample);
            double high = carriedHigh(offset[k], t4[k], sample.t4Nanos(), boundSpread(), halfWidth[k]);
            double jump = newLow > high ? newLow - high : sample.offsetSeconds() + halfWidth(sample)
                    - carriedLow(offset[k], t4[k], sample.t4Nanos(), boundSpread(), halfWidth[k]);
            return String.format("stepped: its offset jumped %+.6f s beyond the previous exchange's interval; "
                    + "window restarted", jump);
        }
        double span = (sample.t4Nanos() - t4[slot(0)]) / 1e9;
        return String.format("drifted faster than %.0f ppm from its estimated frequency %+.3f ppm, or its "
                + "error beyond its root distance: its intervals over %.1f s no longer intersect; window restarted",
                localDrift * 1e6, carryFrequency * 1e6, span);
    }

    /** chrony's delay test: null when the sample may join the estimate, else the reason it may not. */
    private String queued(NtpSample sample) {
        double minDelay = Double.POSITIVE_INFINITY;
        for (int i = 0; i < size; i++) {
            minDelay = Math.min(minDelay, delay[slot(i)]);
        }
        double delayIncrease = (sample.delaySeconds() - minDelay) / 2;
        double allowed = MAX_DELAY_DEV_RATIO * Math.max(fit.residualSd(), sample.dispersionSeconds());
        if (delayIncrease <= allowed) {
            return null;
        }
        double predicted = fit.at((sample.t4Nanos() - t4[newest()]) / 1e9);
        if (Math.abs(sample.offsetSeconds() - predicted) - delayIncrease > allowed) {
            return null; // the offset moved more than queueing explains: keep it, the source may have changed
        }
        // Whole µs joined as text, not String.format: under jitter many exchanges are queued, and a Formatter with
        // its parse and decimal conversion was most of this test's cost (1 % of a core at 1,000 sources).
        return "queued: delay " + Math.round(sample.delaySeconds() * 1e6) + " µs is "
                + Math.round(2 * delayIncrease * 1e6) + " µs above the least, over " + Math.round(MAX_DELAY_DEV_RATIO)
                + "× the estimate's deviation; left out of the estimate";
    }

    /** The window's intersection at {@code atNanos} (≥ every sample's T4). */
    private OffsetInterval bound(long atNanos) {
        double low = Double.NEGATIVE_INFINITY;
        double high = Double.POSITIVE_INFINITY;
        double spread = boundSpread();
        for (int i = 0; i < size; i++) {
            int k = slot(i);
            low = Math.max(low, carriedLow(offset[k], t4[k], atNanos, spread, halfWidth[k]));
            high = Math.min(high, carriedHigh(offset[k], t4[k], atNanos, spread, halfWidth[k]));
        }
        return new OffsetInterval(low, high);
    }

    /**
     * The point estimate at {@code atNanos}: the centre of the window's own exchange intervals (θ ± δ/2 + ε, the
     * server's clock, without its root delay and dispersion, which widen both ends alike but differ between
     * exchanges) carried at the fit's frequency ± {@link #POINT_SKEWS} standard errors, each way kept within the
     * bound's carry (carryFrequency ± r + |f|), so inside {@code bound}, which holds each of them widened. Carrying
     * at the bound's shrunk frequency instead lagged a source far from ours by σ × age (−7.5 µs at 50 ppm in
     * {@code PointEstimateBiasTest}). The fit and carryFrequency are the previous exchange's, as the bound's. Its
     * ends come from the quickest exchange each way, as the bound's do, so one-sided timestamping latency
     * barely moves it (the regression's mean holds all of it); but an exchange ages at the frequency's own
     * error, not at maxDrift, so a quick exchange sets the centre for longer and the centre wanders less as
     * exchanges age out. Before the fit has {@link #MIN_RUNS_TEST_SAMPLES} samples, or where the narrower carry
     * leaves no intersection (the frequency is off by more than its error says), it is the bound's centre.
     */
    private double pointEstimate(OffsetInterval bound, long atNanos) {
        if (fit.n() < MIN_RUNS_TEST_SAMPLES) {
            return bound.midpoint();
        }
        // The fitted frequency ± POINT_SKEWS σ, kept within the bound's carry so the point stays inside it.
        double below = Math.min(carryFrequency - (fit.slope() - POINT_SKEWS * fit.slopeError()), boundSpread());
        double above = Math.min(fit.slope() + POINT_SKEWS * fit.slopeError() - carryFrequency, boundSpread());
        double low = Double.NEGATIVE_INFINITY;
        double high = Double.POSITIVE_INFINITY;
        for (int i = 0; i < size; i++) {
            int k = slot(i);
            low = Math.max(low, carriedLow(offset[k], t4[k], atNanos, below, peerDistance[k]));
            high = Math.min(high, carriedHigh(offset[k], t4[k], atNanos, above, peerDistance[k]));
        }
        return low <= high ? low + (high - low) / 2 : bound.midpoint();
    }

    /** The weighted regression over the estimated samples since {@link #regressionFromNanos}, runs-tested. */
    private LineFit regress(long atNanos) {
        int[] used = new int[size]; // ring indices, oldest first
        int n = 0;
        for (int i = 0; i < size; i++) {
            int k = slot(i);
            if (estimated[k] && t4[k] >= regressionFromNanos) {
                used[n++] = k;
            }
        }
        int from = 0;
        while (true) {
            int count = n - from;
            LineFit candidate = fit(used, from, count, atNanos);
            if (count <= MIN_REGRESSION_SAMPLES || candidate.n() < MIN_RUNS_TEST_SAMPLES
                    || runsAcceptable(used, from, count, candidate, atNanos)) {
                if (count > 0) {
                    regressionFromNanos = t4[used[from]];
                }
                return candidate;
            }
            from += Math.min(Math.max(1, count / 4), count - MIN_REGRESSION_SAMPLES);
        }
    }

    /** The exchange's midpoint on the regression's axis, s: x = 0 at {@code atNanos}. */
    private double x(int k, long atNanos) {
        return (midpoint[k] - atNanos) / 1e9;
    }

    /** The weighted line through the offsets of {@code used[from … from + count)} against their midpoints. */
    private LineFit fit(int[] used, int from, int count, long atNanos) {
        double minDistance = Double.POSITIVE_INFINITY;
        for (int i = 0; i < count; i++) {
            minDistance = Math.min(minDistance, peerDistance[used[from + i]]);
        }
        double[] x = new double[count];
        double[] y = new double[count];
        double[] w = new double[count];
        for (int i = 0; i < count; i++) {
            int k = used[from + i];
            x[i] = x(k, atNanos);
            y[i] = offset[k];
            double sd = 1 + SD_TO_DIST_RATIO * (peerDistance[k] - minDistance) / Math.max(minDistance, 1e-12);
            w[i] = 1 / (sd * sd);
        }
        return LineFit.of(x, y, w);
    }

    /** Wald–Wolfowitz runs test on the residuals' signs: too few runs means the line does not fit. */
    private boolean runsAcceptable(int[] used, int from, int count, LineFit fit, long atNanos) {
        int positive = 0;
        int runs = 0;
        int lastSign = 0;
        for (int i = 0; i < count; i++) {
            int k = used[from + i];
            double residual = offset[k] - fit.at(x(k, atNanos));
            int sign = residual >= 0 ? 1 : -1;
            positive += sign > 0 ? 1 : 0;
            runs += sign != lastSign ? 1 : 0;
            lastSign = sign;
        }
        int negative = count - positive;
        if (positive == 0 || negative == 0) {
            return true; // residuals of a least-squares line sum to 0: one sign only means an exact fit
        }
        double expected = 1 + 2.0 * positive * negative / count;
        double variance = (expected - 1) * (expected - 2) / (count - 1);
        return runs >= expected - RUNS_Z * Math.sqrt(variance);
    }
}
